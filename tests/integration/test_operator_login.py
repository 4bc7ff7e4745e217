"""Operator protocol: TLS, LOGIN, lockout, what is allowed before login,
malformed and overlong lines, and a client that never reads."""

import socket
import ssl
import time

import pytest

from helpers import OPERATOR_PASSWORD, tls_context

pytestmark = pytest.mark.refuge(config={"escalation": {"after": "1h"}})


def test_login_gives_role(daemon):
    a = daemon.operator(None)
    assert a.tls_version == "TLSv1.3"
    assert a.login("alice").startswith("OK role=operator tz=")
    assert a.call("PING") == "OK"
    b = daemon.operator(None)
    assert b.login("bob").startswith("OK role=supervisor tz=")
    assert b.call("PING") == "OK"
    assert a.alarms() == []


def test_server_certificate_verifies_for_the_address(daemon, pki):
    # Consoles may connect by address: the certificate's IP SAN must verify.
    raw = socket.create_connection(("127.0.0.1", daemon.operators_port), timeout=5)
    s = tls_context(pki, None).wrap_socket(raw, server_hostname="127.0.0.1")
    s.sendall(b"PING\n")
    assert s.recv(100) == b"OK\n"
    s.close()


def test_tls_below_1_3_is_refused(daemon, pki):
    raw = socket.create_connection(("127.0.0.1", daemon.operators_port), timeout=5)
    ctx = tls_context(pki, None, max_version=ssl.TLSVersion.TLSv1_2)
    with pytest.raises((ssl.SSLError, ConnectionError)):
        ctx.wrap_socket(raw, server_hostname="localhost")
    raw.close()
    assert daemon.operator("alice").call("PING") == "OK"


def test_bad_password_is_refused_after_a_delay(daemon):
    carol = daemon.operator("carol")
    a = daemon.operator(None)
    start = time.monotonic()
    a.send("LOGIN alice Wr0ng-password")
    # The delay must not hold up the daemon: carol is served meanwhile.
    t0 = time.monotonic()
    assert carol.call("PING") == "OK"
    assert time.monotonic() - t0 < 0.5, "a bad login stalled another operator"
    _, final = a.reply()
    took = time.monotonic() - start
    assert final.startswith("ERR auth"), final
    assert took >= 0.5, "ERR auth after %.2fs: no delay" % took
    assert took < 4, took
    # Still not logged in; the right password then works on the same link.
    assert a.call("ALARMS").startswith("ERR login")
    assert a.login("alice").startswith("OK role=operator tz=")
    assert "Wr0ng-password" not in daemon.log_text()


def test_unknown_user_is_refused_like_a_bad_password(daemon):
    a = daemon.operator(None)
    start = time.monotonic()
    assert a.login("mallory", "Zq9-unusual-pw").startswith("ERR auth")
    assert time.monotonic() - start >= 0.5
    # No password is ever logged.
    assert "Zq9-unusual-pw" not in daemon.log_text()


@pytest.mark.parametrize("line", ["ALARMS", "UNITS", "CLAIM 1", "RESOLVE 1 false reason=test",
                                  "CMD HP-001 LIGHT ON", "STATS", "TESTMODE HP-001 off",
                                  "HISTORY HP-001", "PLAN 1", "LOGOUT"])
def test_only_login_and_ping_before_login(daemon, line):
    a = daemon.operator(None)
    assert a.call("PING") == "OK"
    final = a.call(line)
    assert final.startswith("ERR login"), final
    # The connection stays usable.
    assert a.call("PING") == "OK"
    assert a.login("alice").startswith("OK role=operator tz=")


def test_pushes_go_only_to_logged_in_operators(daemon):
    anon = daemon.operator(None)
    alice = daemon.operator("alice")
    u = daemon.commanded_unit("HP-001")
    u.hello()
    assert u.event("p1", "BUTTON") == "ACK p1"
    alice.wait_push("ALARM", "type=BUTTON")
    anon.no_push("ALARM", wait=0.3)
    assert anon.seen == []


def login_from(daemon, source, user, password=OPERATOR_PASSWORD):
    """One LOGIN over a fresh link from another loopback address."""
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.settimeout(5)
    raw.bind((source, 0))
    raw.connect(("127.0.0.1", daemon.operators_port))
    s = tls_context(daemon.pki, None).wrap_socket(raw, server_hostname="localhost")
    s.sendall(("LOGIN %s %s\n" % (user, password)).encode())
    data = b""
    while not data.endswith(b"\n"):
        chunk = s.recv(1000)
        if not chunk:
            break
        data += chunk
    s.close()
    # The reply is the first line; the RECEIVER push may follow it.
    return data.decode().split("\n")[0].strip()


# Room for many links before login from 127.0.0.1 (the default is 4).
MANY_PRELOGIN = {"escalation": {"after": "1h"},
                 "limits": {"operator_prelogin_per_address": 32}}


@pytest.mark.refuge(config=MANY_PRELOGIN)
def test_five_failures_lock_the_user_at_that_address(daemon):
    held = daemon.operator("carol")		# logged in before: unaffected
    clients = [daemon.operator(None) for _ in range(5)]
    for c in clients[:4]:
        c.send("LOGIN alice nope")
    for c in clients[:4]:
        _, final = c.reply(timeout=8)
        assert final.startswith("ERR auth"), final
    # Four failures do not lock yet; the fifth does.
    assert daemon.operator(None).login("alice").startswith("OK role=operator tz=")
    assert clients[4].login("alice", "nope").startswith("ERR auth")
    daemon.wait_log("operators: lockout", "user=alice", "5 failed logins as this user")
    # Now even the right password is refused for alice from this address...
    late = daemon.operator(None)
    final = late.login("alice")
    assert final == ("ERR locked too many failed logins as this user from this address; "
                     "try again later"), final
    assert late.call("ALARMS").startswith("ERR login")
    # ...but not for another user here, nor for alice from another address:
    # a guesser cannot lock a real operator out by naming them.
    assert clients[0].login("bob").startswith("OK role=supervisor tz=")
    assert login_from(daemon, "127.0.0.2", "alice").startswith("OK role=operator tz=")
    assert held.call("PING") == "OK"
    assert held.alarms() == []


@pytest.mark.refuge(config=MANY_PRELOGIN)
def test_twenty_failures_lock_the_address(daemon):
    # 4 failures for each of 5 names: no pair reaches 5, the address reaches 20.
    clients = [daemon.operator(None) for _ in range(20)]
    for n, c in enumerate(clients):
        c.send("LOGIN %s nope" % ["alice", "bob", "carol", "dave", "erin"][n % 5])
    for c in clients:
        _, final = c.reply(timeout=10)
        assert final.startswith("ERR auth"), final
    daemon.wait_log("operators: lockout", "20 failed logins within a minute")
    final = daemon.operator(None).login("carol")
    assert final == "ERR locked too many failed logins from this address; try again later", \
        final
    assert clients[0].login("bob").startswith("ERR locked ")
    # Another address is not locked out.
    assert login_from(daemon, "127.0.0.2", "alice").startswith("OK role=operator tz=")


def test_logout_closes_the_connection(daemon):
    a = daemon.operator("alice")
    assert a.call("LOGOUT") == "OK"
    a.expect_eof()


@pytest.mark.parametrize("line,code", [
    ("FROBNICATE", "ERR unknown"),
    ("FROBNICATE 1 2", "ERR unknown"),
    ("CLAIM", "ERR syntax"),
    ("CLAIM abc", "ERR syntax"),
    ("RELEASE", "ERR syntax"),
    ("NOTE 1", "ERR syntax"),
    ("RESOLVE 1", "ERR syntax"),
    ("RESOLVE 1 maybe", "ERR syntax"),
    ("PLAN", "ERR syntax"),
    ("CMD", "ERR syntax"),
    ("CMD HP-001", "ERR syntax"),
    ("CMD HP-001 LIGHT PURPLE", "ERR syntax"),
    ("CMD HP-001 CAMERA PRESET", "ERR syntax"),
    ("CMD HP-001 DANCE", "ERR syntax"),
    ("HISTORY", "ERR syntax"),
    ("TESTMODE HP-001", "ERR syntax"),
    ("STATS since=yesterday", "ERR syntax"),
])
def test_unknown_command_and_missing_arguments(daemon, line, code):
    a = daemon.operator("bob")
    final = a.call(line)
    assert final.startswith(code + " "), "%r -> %r, expected %r" % (line, final, code)
    assert a.call("PING") == "OK"


def test_line_of_512_bytes_is_served(daemon):
    a = daemon.operator("alice")
    line = "FROBNICATE " + "y" * (512 - len("FROBNICATE "))
    assert len(line) == 512
    final = a.call(line)
    assert final.startswith("ERR unknown"), final
    assert a.call("PING") == "OK"


def test_overlong_line_is_refused_and_closed(daemon):
    other = daemon.operator("carol")
    a = daemon.operator("alice")
    a.wait_push("* RECEIVER ")
    a.send('NOTE 1 "' + "x" * 600 + '"')
    line = a.readline()
    assert line is not None and line.startswith("ERR toolong"), line
    a.expect_eof()
    # Also before login, and without any LF at all.
    b = daemon.operator(None)
    b.send(b"P" * 2000)
    line = b.readline()
    assert line is not None and line.startswith("ERR toolong"), line
    b.expect_eof()
    assert other.call("PING") == "OK"


@pytest.mark.refuge(config={"escalation": {"after": "1h"},
                            "limits": {"operator_output": "64KB"}})
def test_operator_that_never_reads_is_dropped(daemon):
    carol = daemon.operator("carol")
    flood = daemon.operator("alice", rcvbuf=4096)
    u = daemon.commanded_unit("HP-001")
    u.hello()
    # UNITS replies are produced only as the link drains, so they stall;
    # the pushes (repeated BUTTONs) held meanwhile count against
    # limits.operator_output, so a receiver that stops reading from the
    # flooder still has to drop it.
    chunk = b"UNITS\n" * 500
    flood.sock.settimeout(0.2)
    deadline = time.monotonic() + 25
    rounds = events = 0
    while daemon.find_log("output buffer full") is None:
        rounds += 1
        assert time.monotonic() < deadline, "a non-reading operator was never dropped"
        try:
            flood.sock.send(chunk)
        except (socket.timeout, ssl.SSLWantWriteError):
            pass
        except OSError:
            break
        if rounds % 20 == 0:
            batch = ["EVENT f%d BUTTON" % (events + n) for n in range(50)]
            events += 50
            u.send(("\n".join(batch) + "\n").encode())
            for n in range(50):
                assert u.reply().startswith("ACK ")
            # carol is served promptly all along.
            t0 = time.monotonic()
            assert carol.call("PING") == "OK"
            assert time.monotonic() - t0 < 1.0, "a non-reading operator slowed another"
    line = daemon.wait_log("output buffer full")
    assert "alice" in line or flood.peer in line, line
    assert carol.call("PING") == "OK"
    flood.close()
    again = daemon.operator("alice")
    assert again.call("PING") == "OK"


@pytest.mark.refuge(config=MANY_PRELOGIN)
def test_login_flood_is_capped_and_queued(daemon):
    """Password checks are dear (yescrypt): at most 10 a second in all, so a
    flood of logins cannot starve the units. The rest wait their turn rather
    than being refused: 25 LOGINs at once are all answered, the last ones
    after about two seconds."""
    links = [daemon.operator(None) for _ in range(25)]
    start = time.monotonic()
    for link in links:
        link.send("LOGIN alice secret")
    finals = [link.reply(timeout=10)[1] for link in links]
    took = time.monotonic() - start
    assert len(finals) == 25 and all(f.startswith("OK role=operator tz=")
                                     for f in finals), finals
    # Checks 21-25 may not start before 2 s: never more than 10 in a second.
    assert took >= 1.8, "25 checks in %.2fs: the cap did not hold" % took
    assert took < 6, took
    daemon.wait_log("waits for a password check")


def test_link_that_never_reads_before_login_is_dropped(daemon):
    """Before login a link earns a short output queue only: one that sends
    and never reads is dropped long before it can cost real memory."""
    other = daemon.operator("alice")
    idle = daemon.operator(None, rcvbuf=4096)
    idle.sock.settimeout(0.5)
    chunk = b"PING\n" * 2000
    deadline = time.monotonic() + 30
    sent = 0
    while daemon.find_log("output buffer full") is None:
        assert time.monotonic() < deadline, "a non-reading link before login was kept"
        try:
            sent += idle.sock.send(chunk)
        except socket.timeout:
            pass
        except OSError:
            break
    daemon.wait_log("output buffer full")
    # Kernel buffers hold a few MB of replies; a 32 MB queue would need 50+.
    assert sent < 20 * 1000 * 1000, sent
    assert other.call("PING") == "OK"
