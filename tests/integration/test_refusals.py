"""Connections the receiver must refuse or drop, each logged with the peer."""

import socket
import time

import pytest

from conftest import REVOKED
from helpers import wait_for


def refused(daemon, cert):
    """Connects with cert and checks the receiver ends the session unheard."""
    u = daemon.unit(cert, allow_refusal=True)
    if u.error is None:
        # TLS 1.3: the client learns of a rejected certificate on its first read.
        try:
            u.send("HELLO HP-001 1")
        except OSError:
            pass
        assert u.readline() is None, "a refused certificate got a reply"
    u.close()
    return u


@pytest.mark.parametrize("cert,reason", [
    (None, "no certificate"),
    ("OTHER-CA", "verify failed"),
    ("EXPIRED", "certificate has expired"),
    (REVOKED, "certificate revoked"),
])
def test_bad_client_certificate_is_refused(daemon, cert, reason):
    u = refused(daemon, cert)
    line = daemon.wait_log(u.peer, reason)
    assert "ready" not in line
    # Nothing was recorded for the unit the certificate names.
    assert not daemon.events("HP-001", source=None)
    row = daemon.unit_row("HP-001")
    assert row is None or row["state"] != "online"
    # And a good unit is still served.
    daemon.unit("HP-002").hello()


def test_revoked_unit_is_refused_but_others_accepted(daemon):
    refused(daemon, REVOKED)
    daemon.wait_log("certificate revoked")
    u = daemon.unit("HP-001")
    u.hello()
    u.send("HB 1")
    assert u.readline() == "HBACK 1"


def test_garbage_instead_of_tls_is_closed(daemon):
    u = daemon.unit(None, tls=False)
    u.send(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n" + bytes(range(256)))
    assert u.readline(timeout=5) is None
    daemon.wait_log("tls handshake failed", u.peer)
    daemon.unit("HP-001").hello()


def test_plain_text_hello_instead_of_tls_is_closed(daemon):
    u = daemon.unit(None, tls=False)
    u.send("HELLO HP-001 1")
    line = u.readline(timeout=5)
    assert line is None or not line.startswith("WELCOME"), line
    assert u.readline(timeout=5) is None
    daemon.wait_log("tls handshake failed", u.peer)


@pytest.mark.refuge(config={"limits": {"connections_per_address": 4,
                                       "handshake_timeout": "10s"}})
def test_too_many_connections_from_one_address(daemon):
    held = [daemon.unit(None, tls=False) for _ in range(4)]
    extra = daemon.unit(None, tls=False)
    start = time.monotonic()
    assert extra.readline(timeout=5) is None
    assert time.monotonic() - start < 2.5, "the extra connection was not closed at once"
    daemon.wait_log("too many connections from address", extra.peer)
    # The four held ones are still open: a full session on one of them is not
    # possible (they are bare TCP), so check the daemon has not closed them.
    for h in held:
        h.sock.settimeout(0.05)
        try:
            assert h.sock.recv(1) != b"", "a connection within the limit was closed"
        except socket.timeout:
            pass
    # Closing the held ones frees their places.
    for h in held:
        h.close()

    def can_hello():
        u = daemon.unit("HP-001", allow_refusal=True)
        try:
            u.send("HELLO HP-001 1")
        except OSError:
            return False
        line = u.readline()
        u.close()
        return line is not None and line.startswith("WELCOME")
    wait_for(can_hello, timeout=5, interval=0.1)


@pytest.mark.refuge(config={"limits": {"connections_per_address": 3,
                                       "handshake_timeout": "10s"}})
def test_connection_limit_counts_sessions(daemon):
    units = []
    for uid in ("HP-001", "HP-002", "HP-003"):
        u = daemon.unit(uid)
        u.hello()
        units.append(u)
    extra = daemon.unit("HP-004", allow_refusal=True)
    if extra.error is None:
        try:
            extra.send("HELLO HP-004 1")
        except OSError:
            pass
        assert extra.readline() is None
    daemon.wait_log("too many connections from address")
    for n, u in enumerate(units):
        u.send("HB %d" % n)
        assert u.readline() == "HBACK %d" % n


def test_client_that_never_reads_is_dropped(daemon):
    other = daemon.unit("HP-002")
    other.hello()
    flood = daemon.unit("HP-001", rcvbuf=4096)
    flood.hello()
    chunk = b"".join(b"HB %d\n" % n for n in range(1000))
    deadline = time.monotonic() + 30
    flood.sock.settimeout(0.5)
    sent = rounds = 0
    while daemon.find_log("output buffer full") is None:
        rounds += 1
        assert time.monotonic() < deadline, \
            "no 'output buffer full' after %d bytes of HB" % sent
        try:
            sent += flood.sock.send(chunk)
        except socket.timeout:
            pass
        except OSError:
            break		# dropped: the log line must follow
        # The other unit is served all along.
        if rounds % 50 == 0:
            other.send("HB 1")
            assert other.readline() == "HBACK 1"
    line = daemon.wait_log("output buffer full")
    assert "HP-001" in line or flood.peer in line, line
    other.send("HB 2")
    assert other.readline() == "HBACK 2"
    # The dropped unit may come back at once.
    flood.close()
    again = daemon.unit("HP-001")
    again.hello()
    again.send("HB 3")
    assert again.readline() == "HBACK 3"
