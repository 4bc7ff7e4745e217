"""Admission control: at most limits.handshakes connections between accept
and WELCOME, the rest waiting in the listen queue; and neither units keeping
their links busy nor a crowd of handshakes starves the other."""

import http.client
import re
import socket
import subprocess
import threading
import time

import pytest

from conftest import MKPKI, default_registry
from helpers import wait_for

METRICS_RE = re.compile(r"\bready .*\bmetrics=127\.0\.0\.1:(\d+)")
SAMPLE_RE = re.compile(r"^([a-z_]+(?:\{[^}]*\})?) (\S+)$")
NEWCOMERS = ["HP-%03d" % n for n in range(101, 121)]
BUSY = ("HP-001", "HP-002", "HP-003", "HP-004", "HP-005", "HP-201", "HP-202", "HP-203")
EXTRA = NEWCOMERS + ["HP-201", "HP-202", "HP-203"]
WINDOW = 3000	# events each busy unit keeps unacknowledged
DEADLINE = 5.0	# limits.handshake_timeout, and each newcomer's own


def metrics_port(d):
    m = METRICS_RE.search(d.wait_log("ready ", "metrics="))
    assert m
    return int(m.group(1))


def scrape(port, timeout=10):
    """/metrics as {name{labels}: value}."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", "/metrics")
        r = conn.getresponse()
        assert r.status == 200
        text = r.read().decode()
    finally:
        conn.close()
    return {m.group(1): float(m.group(2))
            for m in map(SAMPLE_RE.match, text.splitlines()) if m}


def refused(samples, reason):
    return samples['refuge_connections_refused_total{reason="%s"}' % reason]


@pytest.fixture(scope="module")
def newcomers(pki):
    """Certificates for EXTRA beside the session's (mkpki.sh makes only what is missing)."""
    subprocess.run(["sh", MKPKI, pki.dir] + EXTRA, check=True, capture_output=True)
    return NEWCOMERS


def test_handshake_cap_pauses_accepting_until_places_free(make_daemon):
    d = make_daemon(config={"listen": {"metrics": "127.0.0.1:0"},
                            "limits": {"handshakes": 4, "handshake_timeout": "1s"}})
    port = metrics_port(d)
    silent = [socket.create_connection(("127.0.0.1", d.units_port), timeout=5)
              for _ in range(30)]
    outcome = {}

    def real_unit():
        # Behind the silent ones in the listen queue: its TLS handshake
        # starts when refuged accepts it, once enough of them timed out.
        try:
            u = d.unit("HP-001", timeout=120)
            outcome["hello"] = u.hello(timeout=120)
            u.close()
        except Exception as e:	# reported below
            outcome["error"] = e

    late = threading.Thread(target=real_unit, daemon=True)
    try:
        d.wait_log("units: 4 handshakes in progress, the limit; accepting paused")
        late.start()
        # Meanwhile: never more than the cap in progress, /metrics answers.
        most = 0
        while late.is_alive():
            samples = scrape(port)
            most = max(most, samples["refuge_handshakes_in_progress"])
            assert samples["refuge_handshakes_in_progress"] <= 4, samples
            late.join(0.2)
        assert "error" not in outcome, outcome
        assert outcome["hello"][0] > 0	# WELCOME: it got in
        assert most == 4
        d.wait_log("units: listen queue empty; accepting was paused", timeout=30)
        # The silent ones that came after it time out too.
        samples = wait_for(lambda: (lambda s: s if refused(s, "timeout") == 30 else None)(
            scrape(port)), timeout=30, message="the silent connections did not time out")
    finally:
        for s in silent:
            s.close()
    # Paused and resumed, again and again: each free place took one more.
    assert samples["refuge_accept_paused_total"] >= 2
    assert samples["refuge_handshakes_in_progress"] == 0
    assert samples['refuge_tls_handshakes_total{result="ok"}'] == 1
    assert refused(samples, "handshake") == 0


def busy(unit, stop, acked, window=WINDOW):
    """A new event for every ACK, window of them outstanding: the link always
    has a line waiting, and each event costs the receiver a store round."""
    sent = 0
    try:
        while sent < window:
            sent += 1
            unit.send("EVENT b%d TEST" % sent)
        while not stop.is_set():
            line = unit.readline(30)
            if line is None or not line.startswith("ACK "):
                return
            acked[0] += 1
            sent += 1
            unit.send("EVENT b%d TEST" % sent)
    except (OSError, AssertionError):
        return


def test_busy_links_starve_no_handshakes(make_daemon, newcomers, password_hash):
    units = default_registry(password_hash)["units"] + [
        {"id": uid, "name": "Extra %s" % uid, "site": "racecourse",
         "lat": 52.3, "lon": -0.8} for uid in EXTRA]
    d = make_daemon(config={"listen": {"metrics": "127.0.0.1:0"},
                            "limits": {"handshake_timeout": "%ds" % DEADLINE}},
                    registry={"units": units})
    port = metrics_port(d)
    links = [d.unit(uid, timeout=30) for uid in BUSY]
    for u in links:
        u.hello()
    stop = threading.Event()
    acked = [0]
    workers = [threading.Thread(target=busy, args=(u, stop, acked), daemon=True)
               for u in links]
    welcomed = {}

    def newcomer(uid):
        # A Help Point gives up when connecting takes longer than its deadline.
        began = time.monotonic()
        try:
            u = d.unit(uid, timeout=DEADLINE)
            u.hello(timeout=max(0.1, DEADLINE - (time.monotonic() - began)))
            welcomed[uid] = time.monotonic() - began
            u.close()
        except Exception as e:	# reported below
            welcomed[uid] = e

    try:
        for t in workers:
            t.start()
        wait_for(lambda: acked[0] >= 50, timeout=30, message="the busy units got no ACKs")
        before = acked[0]
        crowd = [threading.Thread(target=newcomer, args=(uid,), daemon=True)
                 for uid in newcomers]
        for t in crowd:
            t.start()
        for t in crowd:
            t.join(60)
        during = acked[0] - before
        # /metrics too is served while the links are busy.
        try:
            samples = scrape(port)
        except OSError as e:
            samples = e
    finally:
        stop.set()
    for t in workers:
        t.join(35)
    failed = {uid: r for uid, r in welcomed.items()
              if not isinstance(r, float) or r > DEADLINE}
    assert not failed and len(welcomed) == len(newcomers), failed
    assert isinstance(samples, dict), "/metrics not answered: %r" % samples
    # Within their handshake deadline: none was cut off by refuged.
    assert refused(samples, "timeout") == 0
    assert refused(samples, "handshake") == 0
    assert samples['refuge_connections{kind="unit"}'] >= len(BUSY)
    # The busy links were served all along.
    assert during > 0
    print("busy links: %d ACKs while %d newcomers got in; slowest WELCOME %.2f s"
          % (during, len(newcomers), max(welcomed.values())))
