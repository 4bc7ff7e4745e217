"""HELLO, WELCOME and DENIED; HB; unknown commands; line limits; TLS version."""

import ssl
import time

import pytest

from conftest import UNREGISTERED
from helpers import wait_for


def test_hello_gets_welcome_and_unit_goes_online(daemon):
    u = daemon.unit("HP-001")
    before = time.time()
    hb, now = u.hello(fw="2.4.1")
    assert hb == 30				# supervision.heartbeat in the fixture
    assert before - 5 <= now <= time.time() + 5
    row = wait_for(lambda: (r := daemon.unit_row("HP-001")) and r["state"] == "online" and r)
    assert row["firmware"] == "2.4.1"
    assert abs(row["last_seen_ms"] - before * 1000) < 10000


@pytest.mark.refuge(units={"HP-002": {"heartbeat": "5s"}})
def test_welcome_uses_registry_heartbeat(daemon):
    assert daemon.unit("HP-002").hello()[0] == 5
    assert daemon.unit("HP-001").hello()[0] == 30


def test_hello_with_crlf(daemon):
    u = daemon.unit("HP-001")
    u.send(b"HELLO HP-001 1\r\n")
    u.expect("WELCOME ")
    u.send(b"HB 3\r\n")
    assert u.readline() == "HBACK 3"


def test_lines_split_across_writes(daemon):
    u = daemon.unit("HP-001")
    u.send(b"HEL")
    time.sleep(0.05)
    u.send(b"LO HP-001 1\nHB 1")
    u.expect("WELCOME ")
    u.send(b"\nHB 2\n")
    assert u.readline() == "HBACK 1"
    assert u.readline() == "HBACK 2"


def test_unknown_unit_denied(daemon):
    u = daemon.unit(UNREGISTERED)
    u.send("HELLO %s 1" % UNREGISTERED)
    assert u.readline() == "DENIED unknown unit"
    u.expect_eof()


def test_unit_id_must_match_certificate(daemon):
    u = daemon.unit("HP-001")
    u.send("HELLO HP-002 1")
    assert u.readline() == "DENIED unit id does not match certificate"
    u.expect_eof()
    # The real HP-002 was not taken over by HP-001's certificate.
    row = daemon.unit_row("HP-002")
    assert row is None or row["state"] != "online"
    assert not daemon.events("HP-002", source=None)


def test_unsupported_protocol_version_denied(daemon):
    u = daemon.unit("HP-001")
    u.send("HELLO HP-001 2")
    assert u.readline() == "DENIED unsupported protocol version"
    u.expect_eof()


def test_key_pin_matching_registry_is_welcome(make_daemon, pki):
    d = make_daemon(units={"HP-001": {"key_sha256": pki.spki_sha256("HP-001")}})
    d.unit("HP-001").hello()


def test_key_pin_mismatch_denied(make_daemon, pki):
    # HP-001 is pinned to HP-002's key, so HP-001's own key must not pass.
    d = make_daemon(units={"HP-001": {"key_sha256": pki.spki_sha256("HP-002")}})
    u = d.unit("HP-001")
    u.send("HELLO HP-001 1")
    assert u.readline() == "DENIED key does not match registry"
    u.expect_eof()
    # Units without a pin are not affected.
    d.unit("HP-003").hello()


@pytest.mark.parametrize("first", ["HB 1", "EVENT e1 BUTTON", "STATE a=1", "WELCOME 1 2",
                                   "FROBNICATE"])
def test_first_line_must_be_hello(daemon, first):
    u = daemon.unit("HP-001")
    u.send(first)
    assert u.readline() == "ERR hello required"
    u.expect_eof()
    assert not daemon.events("HP-001", source=None)


@pytest.mark.refuge(config={"limits": {"handshake_timeout": "1s"}})
def test_no_hello_in_time_is_closed(daemon):
    u = daemon.unit("HP-001")
    start = time.monotonic()
    u.expect_eof(timeout=5)
    elapsed = time.monotonic() - start
    assert 0.5 <= elapsed <= 4, elapsed
    daemon.wait_log("handshake timeout", u.peer)


@pytest.mark.refuge(config={"limits": {"handshake_timeout": "1s"}})
def test_no_tls_handshake_in_time_is_closed(daemon):
    # A bare TCP connection that never starts TLS: same deadline from accept.
    u = daemon.unit(None, tls=False)
    start = time.monotonic()
    u.expect_eof(timeout=5)
    assert time.monotonic() - start <= 4
    daemon.wait_log("handshake timeout", u.peer)


@pytest.mark.refuge(config={"limits": {"handshake_timeout": "1s"}})
def test_hello_in_time_is_not_closed_by_handshake_timer(daemon):
    u = daemon.unit("HP-001")
    u.hello()
    # Keep talking past the handshake deadline: the session must stay.
    deadline = time.monotonic() + 1.8
    n = 0
    while time.monotonic() < deadline:
        n += 1
        u.send("HB %d" % n)
        assert u.readline() == "HBACK %d" % n
        time.sleep(0.2)
    assert daemon.find_log("handshake timeout") is None


def test_second_connection_replaces_first(daemon):
    first = daemon.unit("HP-001")
    first.hello()
    second = daemon.unit("HP-001")
    second.hello()
    first.expect_eof()
    daemon.wait_log("replaced", "HP-001")
    second.send("HB 9")
    assert second.readline() == "HBACK 9"
    row = daemon.unit_row("HP-001")
    assert row["state"] == "online"


def test_heartbeat_is_echoed(daemon):
    u = daemon.unit("HP-001")
    u.hello()
    for n in ("1", "42", "18446744073709551615"):
        u.send("HB " + n)
        assert u.readline() == "HBACK " + n


def test_unknown_command_keeps_connection(daemon):
    u = daemon.unit("HP-001")
    u.hello()
    u.send("FROBNICATE now")
    assert u.readline() == "ERR unknown command"
    u.send("HB 5")
    assert u.readline() == "HBACK 5"


def test_line_too_long_is_refused_and_closed(daemon):
    u = daemon.unit("HP-001")
    u.hello()
    u.send("STATE note=" + "x" * 600)
    assert u.readline() == "ERR line too long"
    u.expect_eof()


def test_long_line_without_newline_is_refused(daemon):
    # No LF at all, but more than a line's worth buffered.
    u = daemon.unit("HP-001")
    u.hello()
    u.send(b"HB " + b"7" * 2000)
    assert u.readline() == "ERR line too long"
    u.expect_eof()


def test_line_within_limit_is_read(daemon):
    u = daemon.unit("HP-001")
    u.hello()
    line = "FROBNICATE " + "y" * 480		# 491 bytes: long, but within 512
    u.send(line)
    reply = u.readline()
    assert reply is not None and reply.startswith("ERR ") and reply != "ERR line too long", reply
    u.send("HB 1")
    assert u.readline() == "HBACK 1"


def test_line_limit_is_512_bytes_before_lf(daemon):
    u = daemon.unit("HP-001")
    u.hello()
    u.send("STATE note=" + "z" * (512 - len("STATE note=")))	# exactly 512
    u.send("HB 1")
    assert u.readline() == "HBACK 1"
    u.send("STATE note=" + "z" * (513 - len("STATE note=")))	# one over
    assert u.readline() == "ERR line too long"
    u.expect_eof()


def test_tls13_is_negotiated(daemon):
    u = daemon.unit("HP-001")
    assert u.tls_version == "TLSv1.3"
    u.hello()


def test_tls12_client_is_refused(daemon):
    with pytest.raises((ssl.SSLError, ConnectionError)):
        u = daemon.unit("HP-001", max_version=ssl.TLSVersion.TLSv1_2)
        u.send("HELLO HP-001 1")
        assert u.readline() is not None


def test_unit_closing_after_session_is_not_a_handshake_failure(daemon):
    # A unit that drops its connection after a good session (no close_notify,
    # as most embedded stacks do) must not be logged as a failed TLS handshake.
    u = daemon.unit("HP-001")
    u.hello()
    u.send("HB 1")
    assert u.readline() == "HBACK 1"
    def peer_lines():
        return [l for l in daemon.log_text().splitlines() if u.peer in l]
    before = len(peer_lines())
    u.close()
    after = wait_for(lambda: (ls := peer_lines()) and len(ls) > before and ls)
    assert not any("handshake failed" in l for l in after[before:]), after[before:]
