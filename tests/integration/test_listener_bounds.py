"""Bounded listeners: the metrics listener's connection limit, and the accept
back-off when refuged runs out of file descriptors (once, an accept loop at
EMFILE logged 42,000 lines a second)."""

import http.client
import os
import re
import resource
import select
import socket
import time

import pytest

from helpers import wait_for

METRICS_CONFIG = {"listen": {"metrics": "127.0.0.1:0"}}
METRICS_RE = re.compile(r"\bready .*\bmetrics=127\.0\.0\.1:(\d+)")
METRICS_MAX_CONNECTIONS = 64	# src/service/metrics.c
REQUEST = b"GET /healthz HTTP/1.1\r\nHost: refuge\r\n\r\n"


def metrics_port(d):
    line = d.wait_log("ready ", "metrics=")
    m = METRICS_RE.search(line)
    assert m, line
    return int(m.group(1))


def healthz(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/healthz")
        r = conn.getresponse()
        return r.status, r.read().decode()
    finally:
        conn.close()


def healthz_ok(port):
    try:
        status, body = healthz(port)
        return status == 200 and body.startswith("ok\n")
    except OSError:
        return False


def open_sockets(pid):
    """The numbers of refuged's descriptors that are sockets."""
    out = []
    for name in os.listdir("/proc/%d/fd" % pid):
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, name)).startswith("socket:"):
                out.append(int(name))
        except OSError:
            pass	# closed meanwhile
    return out


class Asker:
    """Keep-alive connections that each asked for /healthz once."""

    def __init__(self, port, n):
        self.socks = []
        self.data = {}
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(REQUEST)
            s.setblocking(False)
            self.socks.append(s)
            self.data[s] = b""

    def answered(self):
        return [s for s in self.socks if b"\r\n\r\nok\n" in self.data[s]]

    def waiting(self):
        return [s for s in self.socks if b"\r\n\r\nok\n" not in self.data[s]]

    def poll(self, timeout):
        """Reads what has arrived within timeout; returns the answered count."""
        waiting = self.waiting()
        if waiting:
            readable, _, _ = select.select(waiting, [], [], timeout)
            for s in readable:
                try:
                    chunk = s.recv(4096)
                except BlockingIOError:
                    continue
                assert chunk, "refuged closed a connection it should keep"
                self.data[s] += chunk
        return len(self.answered())

    def wait_answered(self, n, timeout=5.0):
        deadline = time.monotonic() + timeout
        while self.poll(0.05) < n:
            assert time.monotonic() < deadline, \
                "%d of %d answered" % (len(self.answered()), n)

    def close(self, socks=None):
        for s in list(socks if socks is not None else self.socks):
            s.close()
            self.socks.remove(s)
            del self.data[s]


@pytest.mark.refuge(config=METRICS_CONFIG)
def test_metrics_connections_are_limited(daemon):
    port = metrics_port(daemon)
    before = len(open_sockets(daemon.proc.pid))
    assert healthz_ok(port)
    # That connection must be gone, or it would take one of the places.
    wait_for(lambda: len(open_sockets(daemon.proc.pid)) <= before,
             message="refuged kept the /healthz connection")
    extra = 16
    asker = Asker(port, METRICS_MAX_CONNECTIONS + extra)
    try:
        asker.wait_answered(METRICS_MAX_CONNECTIONS)
        daemon.wait_log("metrics: %d connections open; new ones wait"
                        % METRICS_MAX_CONNECTIONS)
        # The others wait in the backlog and cost refuged no descriptor.
        assert asker.poll(0) == METRICS_MAX_CONNECTIONS
        assert len(open_sockets(daemon.proc.pid)) <= before + METRICS_MAX_CONNECTIONS
        # Closing some makes room: the waiting ones are answered, then a new one.
        asker.close(asker.answered()[:extra + 4])
        asker.wait_answered(len(asker.socks))
        wait_for(lambda: healthz_ok(port), timeout=5, message="/healthz not answered")
    finally:
        asker.close()
    assert daemon.running()
    wait_for(lambda: healthz_ok(port), timeout=5, message="/healthz not answered")


def unit_welcomed(d):
    u = d.unit("HP-001", allow_refusal=True)
    try:
        if u.error is not None:
            return False
        u.send("HELLO HP-001 1")
        line = u.readline()
        return line is not None and line.startswith("WELCOME")
    except OSError:
        return False
    finally:
        u.close()


def lines_with(d, *parts):
    with d.cond:
        return [line for line in d.lines if all(p in line for p in parts)]


@pytest.mark.refuge(config=METRICS_CONFIG)
def test_out_of_descriptors_pauses_accepting(daemon):
    port = metrics_port(daemon)
    pid = daemon.proc.pid
    # Room for a few more descriptors only (the limit bounds their numbers).
    highest = max(int(n) for n in os.listdir("/proc/%d/fd" % pid))
    _, hard = resource.prlimit(pid, resource.RLIMIT_NOFILE)
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (highest + 1 + 6, hard))
    clients = []
    try:
        # Bare TCP to the unit port until refuged cannot accept any more...
        for _ in range(24):
            clients.append(socket.create_connection(
                ("127.0.0.1", daemon.units_port), timeout=5))
        daemon.wait_log("units: accept: Too many open files; pausing")
        # ...then to the metrics port, which cannot accept either.
        for _ in range(24):
            clients.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        daemon.wait_log("metrics: accept: Too many open files; pausing")
        # The units accepted first time out their handshake two seconds
        # later: the daemon has then been out of descriptors for a while,
        # and retried many times, without flooding the log.
        daemon.wait_log("units: refused", "handshake timeout", timeout=8)
        assert daemon.running()
    finally:
        for c in clients:
            c.close()
    # Back to normal once the peers are gone.
    wait_for(lambda: healthz_ok(port), timeout=5, message="/healthz not answered")
    daemon.wait_log("metrics: accept: recovered;", "accepts failed meanwhile")
    wait_for(lambda: unit_welcomed(daemon), timeout=5, interval=0.1,
             message="units not welcomed again")
    failures = lines_with(daemon, "accept: Too many open files")
    # One line an episode, and the episodes outlast the exhaustion.
    assert 2 <= len(failures) <= 6, "\n".join(failures)
    assert not lines_with(daemon, "Error from accept() call")
    assert len(daemon.lines) < 500, "%d log lines" % len(daemon.lines)
