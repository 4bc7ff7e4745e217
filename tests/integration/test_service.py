"""refuged as a systemd service: the notify protocol seen from a fake
NOTIFY_SOCKET, /healthz and /metrics, and SIGTERM while units keep sending."""

import http.client
import os
import re
import shutil
import signal
import socket
import tempfile
import threading
import time

import pytest

from conftest import REGISTERED
from helpers import wait_for

METRICS_CONFIG = {"listen": {"metrics": "127.0.0.1:0"}}
METRICS_RE = re.compile(r"\bready .*\bmetrics=127\.0\.0\.1:(\d+)")
# name{labels} value, or name value (Prometheus text format 0.0.4)
SAMPLE_RE = re.compile(
    r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"'
    r'(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*)?\})? '
    r'(-?[0-9.]+(?:[eE][+-]?[0-9]+)?|[+-]Inf|NaN)$')


class NotifySocket:
    """What systemd would hold: an AF_UNIX datagram socket whose messages are kept."""

    def __init__(self):
        # A short directory: sun_path holds 108 bytes.
        self.dir = tempfile.mkdtemp(prefix="rn", dir="/tmp")
        self.path = os.path.join(self.dir, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.1)
        self.messages = []	# (time.monotonic(), text)
        self.cond = threading.Condition()
        self.closed = False
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while not self.closed:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            with self.cond:
                self.messages.append((time.monotonic(), data.decode("utf-8", "replace")))
                self.cond.notify_all()

    def env(self, **extra):
        e = {"NOTIFY_SOCKET": self.path}
        e.update({k: str(v) for k, v in extra.items()})
        return e

    def texts(self):
        with self.cond:
            return [m for _, m in self.messages]

    def wait(self, predicate, timeout=5.0, after=0):
        """The index of the first message from index after on that predicate
        accepts (it gets the message's fields as a dict)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for i in range(after, len(self.messages)):
                    if predicate(fields(self.messages[i][1])):
                        return i
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("no such notify message within %ss; got %r"
                                         % (timeout, [m for _, m in self.messages]))
                self.cond.wait(min(left, 0.1))

    def close(self):
        self.closed = True
        self.sock.close()
        self.thread.join(2)
        shutil.rmtree(self.dir, ignore_errors=True)


def fields(text):
    out = {}
    for line in text.split("\n"):
        if "=" in line:
            k, v = line.split("=", 1)
            out[k] = v
    return out


@pytest.fixture
def notify():
    n = NotifySocket()
    yield n
    n.close()


# ---- the notify protocol


def test_ready_and_status_after_start(make_daemon, notify):
    d = make_daemon(env=notify.env())
    i = notify.wait(lambda f: f.get("READY") == "1")
    ready = fields(notify.texts()[i])
    assert "STATUS" in ready, notify.texts()
    assert "6" in ready["STATUS"], ready	# the registry's six units
    # Nothing said READY before the listeners were there.
    assert d.units_port and d.operators_port


def test_watchdog_pings_at_half_the_interval(make_daemon, notify):
    make_daemon(env=notify.env(WATCHDOG_USEC=200000))
    first = notify.wait(lambda f: f.get("WATCHDOG") == "1")
    t0 = time.monotonic()
    notify.wait(lambda f: f.get("WATCHDOG") == "1", after=first + 1)
    last = first
    for _ in range(4):
        last = notify.wait(lambda f: f.get("WATCHDOG") == "1", timeout=2.0, after=last + 1)
    elapsed = time.monotonic() - t0
    # Five more pings at about 100 ms each; the watchdog would fire at 200 ms.
    assert elapsed < 1.5, elapsed
    with notify.cond:
        stamps = [t for t, m in notify.messages if "WATCHDOG=1" in m.split("\n")]
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    assert max(gaps) < 0.2, gaps


def test_watchdog_for_another_process_is_ignored(make_daemon, notify):
    make_daemon(env=notify.env(WATCHDOG_USEC=200000, WATCHDOG_PID=1))
    notify.wait(lambda f: f.get("READY") == "1")
    time.sleep(0.6)
    assert not any("WATCHDOG=1" in m.split("\n") for m in notify.texts()), notify.texts()


def test_reload_says_reloading_then_ready(make_daemon, notify):
    d = make_daemon(env=notify.env())
    first = notify.wait(lambda f: f.get("READY") == "1")
    before = int(time.monotonic() * 1e6)
    d.proc.send_signal(signal.SIGHUP)
    i = notify.wait(lambda f: f.get("RELOADING") == "1", after=first + 1)
    reloading = fields(notify.texts()[i])
    after = int(time.monotonic() * 1e6)
    assert "MONOTONIC_USEC" in reloading, reloading
    # CLOCK_MONOTONIC, the clock Python's time.monotonic() reads on Linux.
    assert before - 1000 <= int(reloading["MONOTONIC_USEC"]) <= after + 1000, \
        (before, reloading, after)
    notify.wait(lambda f: f.get("READY") == "1", after=i + 1)
    assert d.running()


def test_stopping_on_sigterm(make_daemon, notify):
    d = make_daemon(env=notify.env())
    notify.wait(lambda f: f.get("READY") == "1")
    assert d.stop() == 0
    notify.wait(lambda f: f.get("STOPPING") == "1", timeout=1.0)


# ---- /healthz and /metrics


def metrics_port(d):
    line = d.wait_log("ready ", "metrics=")
    m = METRICS_RE.search(line)
    assert m, line
    return int(m.group(1))


def http_get(port, path, method="GET", body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request(method, path, body=body)
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read().decode()
    finally:
        conn.close()


def scrape(port):
    """The samples of /metrics as {name{labels}: float}, checking every line's form."""
    status, headers, text = http_get(port, "/metrics")
    assert status == 200, (status, text)
    assert headers.get("Content-Type", "").startswith("text/plain; version=0.0.4"), headers
    assert text.endswith("\n")
    samples = {}
    typed = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            typed[name] = kind
            continue
        if line.startswith("# HELP "):
            continue
        m = SAMPLE_RE.match(line)
        assert m, "not a sample line: %r" % line
        key = m.group(1) + (m.group(2) or "")
        assert key not in samples, "duplicate sample %s" % key
        samples[key] = float(m.group(3))
        base = re.sub(r"_(bucket|sum|count)$", "", m.group(1))
        assert m.group(1) in typed or base in typed, "no # TYPE for %s" % m.group(1)
        assert m.group(1).startswith("refuge_"), line
    return samples, typed


def histogram(samples, name):
    """[(le, cumulative count)] in exposition order, with _sum and _count."""
    buckets = []
    for key, v in samples.items():
        m = re.match(r'^%s_bucket\{le="([^"]+)"\}$' % re.escape(name), key)
        if m:
            buckets.append((float(m.group(1)), v))
    return buckets, samples[name + "_sum"], samples[name + "_count"]


def check_histogram(samples, typed, name):
    assert typed.get(name) == "histogram", (name, typed.get(name))
    buckets, total, count = histogram(samples, name)
    assert buckets and buckets[-1][0] == float("inf"), buckets
    les = [le for le, _ in buckets]
    assert les == sorted(les), les
    counts = [c for _, c in buckets]
    assert counts == sorted(counts), "%s buckets not cumulative: %r" % (name, buckets)
    assert counts[-1] == count, (buckets, count)
    assert total >= 0
    return count


@pytest.mark.refuge(config=METRICS_CONFIG)
def test_healthz_and_metrics(daemon):
    port = metrics_port(daemon)
    status, _, body = http_get(port, "/healthz")
    # ok, then the clock's NTP state (this machine's: either is right here),
    # then whether anyone watches the stack (nobody has logged in here).
    assert status == 200 and re.match(
        r"ok\nclock (synchronised|not synchronised|state unknown)\n"
        r"no operator logged in: queued alarms escalate at once\n$", body), body
    samples, typed = scrape(port)
    # The registry conftest writes: the registered units and the revoked one.
    assert samples["refuge_units_registered"] == len(REGISTERED) + 1 == 6
    assert samples['refuge_events_total{type="BUTTON"}'] == 0
    assert typed["refuge_events_total"] == "counter"
    for name in ("refuge_ack_latency_seconds", "refuge_db_commit_seconds",
                 "refuge_time_to_claim_seconds"):
        check_histogram(samples, typed, name)
    assert samples["refuge_process_start_time_seconds"] == pytest.approx(
        daemon.started_ms / 1000.0, abs=5)

    u = daemon.unit("HP-001")
    u.hello()
    assert u.event("m1", "BUTTON") == "ACK m1"
    samples, typed = scrape(port)
    assert samples['refuge_events_total{type="BUTTON"}'] == 1
    assert samples['refuge_connections{kind="unit"}'] >= 1
    assert samples["refuge_units_online"] >= 1
    assert samples['refuge_tls_handshakes_total{result="ok"}'] >= 1
    assert samples['refuge_alarms_open{priority="1",state="queued"}'] == 1
    assert samples["refuge_db_commits_total"] >= 1
    assert check_histogram(samples, typed, "refuge_ack_latency_seconds") >= 1
    assert check_histogram(samples, typed, "refuge_db_commit_seconds") >= 1
    # A retransmission is a duplicate, not a second event.
    assert u.event("m1", "BUTTON") == "ACK m1"
    samples, _ = scrape(port)
    assert samples['refuge_events_total{type="BUTTON"}'] == 1
    assert samples["refuge_event_duplicates_total"] == 1
    u.close()


@pytest.mark.refuge(config=METRICS_CONFIG)
def test_metrics_server_answers_only_get_and_head(daemon):
    port = metrics_port(daemon)
    status, _, _ = http_get(port, "/nothing")
    assert status == 404
    status, headers, _ = http_get(port, "/metrics", method="POST", body="x")
    assert status == 405 and headers.get("Allow") == "GET, HEAD", (status, headers)
    status, headers, body = http_get(port, "/metrics", method="HEAD")
    assert status == 200 and body == "", (status, body)


@pytest.mark.refuge(config=METRICS_CONFIG)
def test_reload_is_counted(daemon):
    port = metrics_port(daemon)
    daemon.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: scrape(port)[0]['refuge_reloads_total{result="ok"}'] == 1,
             message="reload not counted")
    assert scrape(port)[0]['refuge_reloads_total{result="failed"}'] == 0


# ---- SIGTERM while units keep sending


def test_sigterm_under_load_loses_nothing_acknowledged(make_daemon):
    d = make_daemon()
    acked = {}
    errors = []
    units = []
    for uid in ("HP-001", "HP-002", "HP-003", "HP-004"):
        u = d.unit(uid)
        u.hello()
        units.append(u)
        acked[uid] = []

    def run(u):
        n = 0
        try:
            while True:
                batch = ["EVENT s%d TEST" % (n + k) for k in range(20)]
                n += 20
                try:
                    u.send("\n".join(batch))
                except (OSError, ValueError):
                    return
                for _ in batch:
                    line = u.readline(timeout=10.0)
                    if line is None:
                        return
                    if line.startswith("ACK "):
                        acked[u.cert].append(line[4:])
                    elif not line.startswith("CMD "):
                        errors.append("%s: %r" % (u.cert, line))
        except AssertionError as e:	# no answer in time
            errors.append("%s: %s" % (u.cert, e))

    threads = [threading.Thread(target=run, args=(u,), daemon=True) for u in units]
    for t in threads:
        t.start()
    wait_for(lambda: all(len(v) >= 40 for v in acked.values()), timeout=10,
             message="units not acknowledged before SIGTERM")
    t0 = time.monotonic()
    d.proc.send_signal(signal.SIGTERM)
    try:
        status = d.proc.wait(5.0)
    except Exception:
        raise AssertionError("refuged still running 5 s after SIGTERM")
    assert status == 0, status
    assert time.monotonic() - t0 < 5.0
    for t in threads:
        t.join(10)
    for u in units:
        u.close()
    assert not errors, errors
    for uid, ids in acked.items():
        stored = {r["unit_event_id"] for r in d.events(uid)}
        missing = [i for i in ids if i not in stored]
        assert not missing, "%s: %d ACKed events not stored, e.g. %r" % (
            uid, len(missing), missing[:5])
