#!/usr/bin/env python3
"""The benchmark suite of the storms issue: each scenario's figure, its goal
and its ratio to a floor measured in the same run. Loopback only; every
process it starts it stops. Not part of `make check`.

    bench/suite.py [--quick] [SCENARIO ...]

SCENARIO (default all): storm avalanche throughput idle restart press pg

  storm       N units connect at once (refuge-sim --storm): time until all
              are welcomed, and meanwhile the heartbeat round trip of 20
              units already connected (a separate refuge-sim, so the storm's
              own client work does not delay them). Floors: a bare
              handshake loop (Python ssl, client and server in memory, one
              process per core) and the same storm against floor_rx.
  avalanche   N units each send MAINS_FAIL within 100 ms, 10 times: time
              until all are answered, and a BUTTON pressed every 20 ms by
              a separate refuge-sim meanwhile (EVENT -> ACK). The operator
              push is bench/avalanche_press.py's (run.sh runs it). Floors:
              the same against floor_rx --db; a bare SQLite commit.
  throughput  2,000 units offer 25,000 events/s (12.5 a unit a second,
              within a unit link's share of 16 lines a second, see
              refuged(8)): events ACKed a second, ACK p50/p99, both
              processes' CPU. Floor: the same against floor_rx --db (TLS
              read and write plus a batched insert).
  idle        RSS per connected unit at 1,000, 5,000, 10,000 and 19,000
              units (a line fitted through them), and refuged's CPU per
              heartbeat at 10,000 units heartbeating every second. Floor:
              floor_rx, the bare TLS echo, at 10,000.
  restart     kill -9 with 10,000,000 stored events and 10,000 open alarms
              while 10,000 units are connected: time from the new exec until
              an operator is served (LOGIN, ALARMS) and until all units are
              back. Floor: sqlite3 opening the database, counting the
              events and reading the open alarms.
  press       the calm press: BUTTON -> operator `* ALARM` push, p50/p99,
              against a bare durable SQLite commit (WAL, synchronous=FULL)
              on the same disk, measured back to back.
  pg          the receiver pair on PostgreSQL (bench/pg_pair.py): the press
              with a synchronous standby, durable events/s, and the
              takeover time over 10 kill -9s of the active receiver.

--quick uses small sizes (a smoke run of about two minutes). BENCH_EVENTS
overrides the restart scenario's stored events, BENCH_IDLE_SIZES (e.g.
"1000,5000") the idle scenario's sizes, BENCH_STORM_SIZES the storm's. Units beyond the open file
limit are not run, and the suite says so."""

import argparse
import json
import multiprocessing
import os
import re
import resource
import shutil
import signal
import socket
import sqlite3
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, HERE)

# bench/pg_pair.py imports this module as "suite": the same one, not a copy,
# so that its figures land in this run's summary.
sys.modules.setdefault("suite", sys.modules[__name__])

from conftest import (REGISTERED, Daemon, PKI, MKPKI, default_config,  # noqa: E402
                      default_registry, merge, to_yaml)

BUILD = os.path.abspath(os.environ.get("BUILD", os.path.join(ROOT, "build")))
PASSWORD = "secret"
PROBES = 20
SUMMARY = []		# (scenario, figure, goal, verdict)
CHILDREN = []		# every Proc, stopped at the end even after an error
NOTES = []		# what could not be done


def say(*args):
    print(*args, flush=True)


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100.0 * (len(ordered) - 1))))]


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def fits(n, what):
    """Whether n connections fit the open file limit (refuged holds one each)."""
    limit = nofile()
    if n + 150 <= limit:
        return True
    NOTES.append("%s: %d units need %d open files, the limit is %d: not run"
                 % (what, n, n + 150, limit))
    say("  cannot: %d units need %d open files, the limit here is %d" % (n, n + 150, limit))
    return False


def report(name, figure, goal, met, floor, ratio):
    """The four lines every scenario prints, and its row of the summary."""
    verdict = "met" if met else "NOT met"
    say("  figure  %s" % figure)
    say("  goal    %s: %s" % (goal, verdict))
    say("  floor   %s" % floor)
    say("  ratio   %s" % ratio)
    SUMMARY.append((name, figure, goal, verdict))


# ---- processes

class Proc:
    """A child with its output lines kept, each with its arrival time."""

    def __init__(self, argv, cwd=None, stdin=None):
        self.argv = argv
        self.lines = []		# (monotonic time, stream, text)
        self.cond = threading.Condition()
        self.t0 = time.monotonic()
        self.p = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        CHILDREN.append(self)
        self.readers = [threading.Thread(target=self._read, args=(s, n), daemon=True)
                        for s, n in ((self.p.stdout, "out"), (self.p.stderr, "err"))]
        for r in self.readers:
            r.start()

    def _read(self, stream, name):
        for raw in stream:
            with self.cond:
                self.lines.append((time.monotonic(), name, raw.decode("utf-8", "replace").rstrip()))
                self.cond.notify_all()

    def wait_line(self, pattern, timeout, since=0):
        """(time, match) of the first line from index since matching, or None."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cond:
            i = since
            while True:
                while i < len(self.lines):
                    m = rx.search(self.lines[i][2])
                    if m:
                        return self.lines[i][0], m
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0 or self.p.poll() is not None and i >= len(self.lines):
                    return None
                self.cond.wait(min(left, 0.2))

    @property
    def pid(self):
        return self.p.pid

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.p.poll() is None:
            self.p.send_signal(sig)
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        for r in self.readers:
            r.join(5)

    def json(self):
        for _, stream, text in reversed(self.lines):
            if stream == "out" and text.startswith("{"):
                return json.loads(text)
        raise SystemExit("suite: no summary from %s:\n%s" % (
            " ".join(self.argv[:3]), "\n".join(t for _, _, t in self.lines[-20:])))


class Env:
    """One scenario's directory: a PKI, a registry of n units (and PROBES
    probes, ids after them) with operators, refuged and floor_rx."""

    def __init__(self, base, name, n, probes=PROBES):
        self.dir = os.path.join(base, name)
        os.makedirs(self.dir)
        self.n = n
        self.pki = os.path.join(base, "pki")
        self.refuged = None
        registry = subprocess.run([os.path.join(BUILD, "refuge-sim"), "--print-registry",
                                   str(n + probes)], check=True, capture_output=True,
                                  text=True).stdout
        pw = subprocess.run(["openssl", "passwd", "-6", "-salt", "bench", PASSWORD],
                            check=True, capture_output=True, text=True).stdout.strip()
        registry += "operators:\n" + "".join(
            "  - user: %s\n    password: \"%s\"\n    role: %s\n" % (u, pw, r)
            for u, r in (("alice", "operator"), ("bob", "supervisor")))
        with open(os.path.join(self.dir, "units.yaml"), "w") as f:
            f.write(registry)

    def config(self, extra=""):
        n = self.n + PROBES + 100
        with open(os.path.join(self.dir, "refuge.yaml"), "w") as f:
            f.write("listen:\n  units: 127.0.0.1:%s\n  operators: 127.0.0.1:%s\n"
                    "  metrics: 127.0.0.1:0\n"
                    "tls:\n  cert: %s/server.crt\n  key: %s/server.key\n  unit_ca: %s/ca.crt\n"
                    "database: refuge.db\nregistry: units.yaml\n"
                    "supervision:\n  heartbeat: 60s\n"
                    "limits:\n  connections_per_address: %d\n  max_connections: %d\n"
                    "  handshake_timeout: 30s\n"
                    "escalation:\n  after: 1h\nlog:\n  level: info\n%s"
                    % (getattr(self, "uport", 0), getattr(self, "oport", 0),
                       self.pki, self.pki, self.pki, n, n, extra))

    def start(self):
        self.refuged = Proc([os.path.join(BUILD, "refuged"), "-c",
                             os.path.join(self.dir, "refuge.yaml")], cwd=self.dir)
        got = self.refuged.wait_line(r"ready units=127\.0\.0\.1:(\d+) operators=127\.0\.0\.1:(\d+)",
                                     600)
        if got is None:
            raise SystemExit("suite: refuged did not start:\n%s" % "\n".join(
                t for _, _, t in self.refuged.lines[-20:]))
        self.port = int(got[1].group(1))
        self.oport = int(got[1].group(2))
        return self.refuged

    def floor(self, db=False, hb=60):
        argv = [os.path.join(BUILD, "bench", "floor_rx"), "--cert", self.pki + "/server.crt",
                "--key", self.pki + "/server.key", "--ca", self.pki + "/ca.crt",
                "--hb", str(hb)]
        if db:
            argv += ["--db", os.path.join(self.dir, "floor.db")]
        f = Proc(argv)
        got = f.wait_line(r"ready port=(\d+)", 10)
        if got is None:
            raise SystemExit("suite: floor_rx did not start")
        f.port = int(got[1].group(1))
        return f

    def sim(self, port, count, *args, first=1, sources="127.0.0.2-127.0.0.9"):
        return Proc([os.path.join(BUILD, "refuge-sim"), "-H", "127.0.0.1:%d" % port,
                     "--ca", self.pki + "/ca.crt", "--issuer-cert", self.pki + "/ca.crt",
                     "--issuer-key", self.pki + "/ca.key", "--count", str(count),
                     "--first", str(first), "--source-addrs", sources, "--json",
                     "--report", "1h"] + list(args))

    def probes(self, port, *args):
        """PROBES units after the n, heartbeating every 100 ms; returns once welcomed."""
        p = self.sim(port, PROBES, "--probes", str(PROBES), "--probe-interval", "100ms",
                     *args, first=self.n + 1, sources="127.0.0.10")
        if p.wait_line(r"all %d units welcomed$" % PROBES, 30) is None:
            raise SystemExit("suite: the probes did not connect")
        time.sleep(1)	# calm samples first
        return p

    def close(self):
        if self.refuged is not None:
            self.refuged.stop()


def toggle(p):
    p.p.send_signal(signal.SIGUSR1)


# ---- floors

def _handshake_worker(pki, seconds, out):
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(pki + "/server.crt", pki + "/server.key")
    server.load_verify_locations(pki + "/ca.crt")
    server.verify_mode = ssl.CERT_REQUIRED
    server.options |= ssl.OP_NO_TICKET
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.load_verify_locations(pki + "/ca.crt")
    client.load_cert_chain(pki + "/units/FLOOR-1.crt", pki + "/units/FLOOR-1.key")
    n = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
        c = client.wrap_bio(c_in, c_out, server_hostname="localhost")
        s = server.wrap_bio(s_in, s_out, server_side=True)
        done_c = done_s = False
        while not (done_c and done_s):
            for obj, out_bio, peer_in, flag in ((c, c_out, s_in, "c"), (s, s_out, c_in, "s")):
                try:
                    obj.do_handshake()
                    if flag == "c":
                        done_c = True
                    else:
                        done_s = True
                except ssl.SSLWantReadError:
                    pass
                data = out_bio.read()
                if data:
                    peer_in.write(data)
        n += 1
    out.put(n)


def handshake_floor(pki, seconds=2.0):
    """Full TLS handshakes a second (client certificate verified, no tickets)
    with client and server in one process over memory, one process per core."""
    mp = multiprocessing.get_context("fork")
    q = mp.Queue()
    procs = [mp.Process(target=_handshake_worker, args=(pki, seconds, q))
             for _ in range(os.cpu_count() or 1)]
    for p in procs:
        p.start()
    total = sum(q.get(timeout=seconds + 30) for _ in procs)
    for p in procs:
        p.join()
    return total / seconds


def commit_floor(directory, n):
    """Milliseconds of n durable one-row commits on directory's disk."""
    path = os.path.join(directory, "commit-floor.db")
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    db.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)")
    took = []
    for _ in range(n):
        t0 = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t (v) VALUES (?)", ("x" * 100,))
        db.execute("COMMIT")
        took.append((time.perf_counter() - t0) * 1000)
    db.close()
    return took


# ---- (a) storm

def storm(base, n, quick):
    say("\n== storm: %d units connect at once (refuge-sim --storm)" % n)
    if not fits(n + PROBES, "storm"):
        return
    goal_s = 8.0 if n <= 10000 else 16.0 * n / 19000
    env = Env(base, "storm-%d" % n, n)
    env.config()
    rx = env.start()
    try:
        probes = env.probes(env.port)
        cpu0 = cpu_s(rx.pid)
        toggle(probes)
        s = env.sim(env.port, n, "--storm", "--hb", "60s", "--drain", "1s")
        got = s.wait_line(r"storm: all \d+ units welcomed ([\d.]+) s", goal_s * 4 + 30)
        toggle(probes)
        cpu = cpu_s(rx.pid) - cpu0
        sim_cpu = cpu_s(s.pid)
        s.stop()
        probes.stop()
        took = float(got[1].group(1)) if got else None
        hb = probes.json()["probe_hb_during_ms"]
        calm = probes.json()["probe_hb_calm_ms"]
        rss = rss_kb(rx.pid)
    finally:
        env.close()
    f = env.floor()
    fs = env.sim(f.port, n, "--storm", "--hb", "60s", "--drain", "1s")
    fgot = fs.wait_line(r"storm: all \d+ units welcomed ([\d.]+) s", goal_s * 4 + 30)
    fs.stop()
    f.stop()
    ftook = float(fgot[1].group(1)) if fgot else None
    rate = handshake_floor(env.pki, 1.0 if quick else 2.0)
    ideal = n / rate
    figure = ("%s; established units' HB p99 %.1f ms (p50 %.1f, %d samples; calm p99 %.1f);"
              " refuged CPU %.1f s (%.2f ms a unit), refuge-sim CPU %.1f s, refuged RSS %d MB"
              % ("all %d welcomed in %.2f s (%.0f/s)" % (n, took, n / took) if took
                 else "NOT all %d welcomed within %.0f s" % (n, goal_s * 4 + 30),
                 hb["p99"], hb["p50"], hb["count"], calm["p99"], cpu, 1000 * cpu / n,
                 sim_cpu, rss // 1024))
    report("storm %d" % n, figure, "%d within %.0f s, HB p99 < 5 ms" % (n, goal_s),
           took is not None and took <= goal_s and hb["p99"] < 5,
           "bare handshakes %.0f/s on %d cores (Python ssl in memory, client and server) -> "
           "%.2f s for %d; floor_rx (bare libevent TLS, no admission control) storm %s"
           % (rate, os.cpu_count(), ideal, n, "%.2f s" % ftook if ftook else
              "not all welcomed within %.0f s" % (goal_s * 4 + 30)),
           "%.2fx the handshake loop%s" % ((took or float("nan")) / ideal,
                                           ", %.2fx floor_rx" % ((took or float("nan")) / ftook)
                                           if ftook else ""))


# ---- (b) avalanche

def avalanche(base, n, quick):
    repeat = 3 if quick else 10
    say("\n== avalanche: %d units send MAINS_FAIL within 100 ms, %d times, a BUTTON every"
        " 20 ms meanwhile" % (n, repeat))
    if not fits(n + PROBES, "avalanche"):
        return
    env = Env(base, "avalanche", n)
    env.config()
    rx = env.start()
    args = ["--avalanche", "MAINS_FAIL", "--window", "100ms", "--repeat", str(repeat),
            "--gap", "2s", "--hb", "60s", "--connect-rate", "2000/s", "--drain", "30s"]
    try:
        probes = env.probes(env.port, "--press-every", "20ms")
        a = env.sim(env.port, n, *args)
        cpu0 = cpu_s(rx.pid)
        i = 0
        for k in range(repeat):
            # The probes' "during": from a round's first event to its last answer.
            got = a.wait_line(r"avalanche %d: sending" % (k + 1), 120, i)
            if got is None:
                break
            toggle(probes)
            done = a.wait_line(r"avalanche %d: .* all answered" % (k + 1), 120, i)
            toggle(probes)
            if done is None:
                break
            i = len(a.lines)
        cpu = cpu_s(rx.pid) - cpu0
        a.stop()
        probes.stop()
        res, pr = a.json(), probes.json()
    finally:
        env.close()
    f = env.floor(db=True)
    fa = env.sim(f.port, n, *args)
    fa.wait_line(r"avalanche %d: .* all answered" % repeat, 300)
    fa.stop()
    f.stop()
    fres = fa.json()
    floor_ms = commit_floor(env.dir, 50)
    rounds, frounds = res["avalanche_ms"], fres["avalanche_ms"]
    press, calm = pr["press_ack_during_ms"], pr["press_ack_calm_ms"]
    figure = ("%d avalanches all answered in median %.0f ms (max %.0f); MAINS_FAIL ACK p50 %.0f"
              " p99 %.0f ms; BUTTON during them EVENT -> ACK p50 %.1f p99 %.1f ms (%d presses;"
              " calm p50 %.1f p99 %.1f); refuged CPU %.1f s"
              % (len(rounds), statistics.median(rounds) if rounds else float("nan"),
                 max(rounds, default=float("nan")), res["avalanche_ack_ms"]["p50"],
                 res["avalanche_ack_ms"]["p99"], press["p50"], press["p99"], press["count"],
                 calm["p50"], calm["p99"], cpu))
    report("avalanche %d" % n, figure, "BUTTON p99 < 100 ms (ACK here; the operator push:"
           " avalanche_press.py)", press["count"] > 0 and press["p99"] < 100,
           "floor_rx --db (bare TLS + batched insert) answers each avalanche in median %.0f ms;"
           " bare commit p50 %.2f p99 %.2f ms" % (statistics.median(frounds) if frounds
                                                  else float("nan"),
                                                  percentile(floor_ms, 50),
                                                  percentile(floor_ms, 99)),
           "avalanche %.2fx floor_rx; press p99 %.1fx the bare commit's p99"
           % ((statistics.median(rounds) / statistics.median(frounds)) if rounds and frounds
              else float("nan"), press["p99"] / percentile(floor_ms, 99)))


# ---- (c) throughput

def throughput(base, units, rate, seconds):
    say("\n== throughput: %d units offer %d durable events/s for %d s" % (units, rate, seconds))
    if not fits(units, "throughput"):
        return
    env = Env(base, "throughput", units, probes=0)
    env.config()
    rx = env.start()
    args = ["--events", "TEST=%d/s" % rate, "--hb", "60s", "--connect-rate", "2000/s",
            "--report", "1s",
            "--duration", "%ds" % (seconds + 3), "--drain", "10s", "--retry", "60s"]

    def acked(s, t):
        """(time, events acked) of the last report line up to t."""
        best = None
        for when, _, text in s.lines:
            m = re.search(r"refuge-sim: \d+s connected=\S+ sent=\d+ acked=(\d+)", text)
            if m and when <= t:
                best = (when, int(m.group(1)))
        return best

    def run(port, pid):
        s = env.sim(port, units, *args)
        time.sleep(3)	# connecting
        c0, s0, t0 = cpu_s(pid), cpu_s(s.pid), time.monotonic()
        time.sleep(seconds)
        c1, s1, t1 = cpu_s(pid) - c0, cpu_s(s.pid) - s0, time.monotonic()
        s.p.wait(seconds + 60)
        s.stop()
        a0, a1 = acked(s, t0), acked(s, t1)
        rate = (a1[1] - a0[1]) / (a1[0] - a0[0]) if a0 and a1 and a1[0] > a0[0] else 0.0
        return s.json(), c1, s1, rate

    try:
        res, cpu, scpu, got = run(env.port, rx.pid)
    finally:
        env.close()
    f = env.floor(db=True)
    fres, fcpu, fscpu, fgot = run(f.port, f.pid)
    f.stop()
    lat, flat = res["ack_latency_ms"], fres["ack_latency_ms"]
    per, fper = 1e6 * cpu / max(1, got * seconds), 1e6 * fcpu / max(1, fgot * seconds)
    figure = ("%.0f events/s ACKed of %d offered, ACK p50 %.1f p99 %.1f ms, %d pending after"
              " the drain; CPU over %d s: refuged %.1f s (%.0f us an event), refuge-sim %.1f s"
              % (got, rate, lat["p50"], lat["p99"], res["events_pending"], seconds, cpu, per,
                 scpu))
    report("throughput", figure, "the %d/s offered (25,000 in the full run), ACK p99 < 100 ms,"
           " CPU an event within 1.5x of the floor" % rate,
           got >= rate * 0.98 and lat["p99"] < 100 and per <= 1.5 * fper,
           "floor_rx --db: %.0f/s, ACK p50 %.1f p99 %.1f ms, CPU %.1f s (%.0f us an event),"
           " refuge-sim %.1f s" % (fgot, flat["p50"], flat["p99"], fcpu, fper, fscpu),
           "%.2fx the floor's CPU an event; %.2fx its ACK p99" % (per / fper,
                                                              lat["p99"] / max(0.001, flat["p99"])))


# ---- (d) idle

def idle(base, sizes, cpu_units, window):
    say("\n== idle: RSS per unit at %s units; CPU per heartbeat at %d units, HB every 1 s"
        % (", ".join(str(s) for s in sizes), cpu_units))
    sizes = [s for s in sizes if fits(s, "idle")]
    if not sizes:
        return
    top = max(sizes)
    env = Env(base, "idle", top, probes=0)
    env.config()
    rx = env.start()
    sims, points = [], []
    have = 0
    hb_cpu, hb_units = None, 0
    try:
        time.sleep(1)
        points.append((0, rss_kb(rx.pid)))
        say("  %6d units: refuged RSS %7d kB" % (0, points[-1][1]))
        for size in sorted(sizes):
            add = size - have
            # Ramped, not a storm: this measures what a connected unit costs.
            t0 = time.monotonic()
            s = env.sim(env.port, add, "--connect-rate", "1000/s",
                        "--hb", "1s" if size <= cpu_units else "60s",
                        "--drain", "1s", first=have + 1,
                        sources="127.0.0.%d" % (2 + len(sims)))
            if s.wait_line(r"all \d+ units welcomed$", add / 100 + 60) is None:
                s.stop()
                last = s.json()
                NOTES.append("idle: of %d more units %d connected within %.0f s (%d connection"
                             " failures)" % (add, last["connected"], add / 100 + 60,
                                             last["connect_failures"]))
                break
            sims.append(s)
            have = size
            time.sleep(3)
            points.append((size, rss_kb(rx.pid)))
            say("  %6d units: refuged RSS %7d kB (%d connected in %.0f s)"
                % (size, points[-1][1], add, time.monotonic() - t0))
            if size == cpu_units or (hb_cpu is None and size == max(s for s in sizes
                                                                     if s <= cpu_units)):
                c0 = cpu_s(rx.pid)
                time.sleep(window)
                hb_cpu = (cpu_s(rx.pid) - c0) / (size * window)
                hb_units = size
    finally:
        for s in sims:
            s.stop()
        env.close()
    if len(points) < 2 or hb_cpu is None:
        NOTES.append("idle: too few sizes measured")
        return
    # The first units reuse what start-up freed (the registry read, the
    # restore), so the cost of a unit is the slope from the first size on:
    # a line through those points, and the cost between each two sizes.
    line = points[1:] if len(points) > 2 else points
    xs, ys = [p[0] for p in line], [p[1] for p in line]
    mx, my = statistics.mean(xs), statistics.mean(ys)
    slope = sum((x - mx) * (y - my) for x, y in line) / sum((x - mx) ** 2 for x in xs)
    worst = max(abs(y - (my + slope * (x - mx))) for x, y in line)
    per_unit = [(x1, (y1 - y0) / (x1 - x0)) for (x0, y0), (x1, y1) in zip(line, line[1:])]
    # The floor: the bare TLS echo with hb_units units heartbeating every second.
    f = env.floor(hb=1)
    frss0 = rss_kb(f.pid)
    fs = env.sim(f.port, hb_units, "--connect-rate", "1000/s", "--hb", "1s", "--drain", "1s")
    fs.wait_line(r"all \d+ units welcomed$", hb_units / 100 + 60)
    time.sleep(3)
    frss = (rss_kb(f.pid) - frss0) / hb_units
    c0 = cpu_s(f.pid)
    time.sleep(window)
    fhb = (cpu_s(f.pid) - c0) / (hb_units * window)
    fs.stop()
    f.stop()
    figure = ("RSS a unit %.1f kB, the slope of a line through %s units (worst point %.0f kB"
              " off it); between sizes: %s kB a unit; CPU %.1f us a heartbeat at %d units"
              % (slope, ", ".join(str(x) for x in xs), worst,
                 ", ".join("%.1f up to %d" % (k, x) for x, k in per_unit),
                 hb_cpu * 1e6, hb_units))
    report("idle", figure, "<= 20 KB a unit, CPU a heartbeat <= 1.3x the bare echo",
           slope <= 20 and hb_cpu <= 1.3 * fhb,
           "floor_rx (bare libevent TLS echo, same TLS settings): %.1f kB a unit, %.1f us a"
           " heartbeat at %d units" % (frss, fhb * 1e6, hb_units),
           "%.2fx the echo's CPU a heartbeat; %.2fx its memory a unit"
           % (hb_cpu / fhb, slope / max(0.1, frss)))
    # The target beyond what this machine can open.
    say("  100,000 units at a 30 s heartbeat, extrapolated (the open file limit %d does not"
        " allow running it): %.2f GiB, %.1f%% of a core (goals 2 GiB, 10%%)"
        % (nofile(), (points[0][1] + slope * 100000) / 2 ** 20, hb_cpu * 100000 / 30 * 100))


# ---- (e) restart

def restart(base, n, events, open_alarms, resolved):
    say("\n== restart: kill -9 with %d events and %d open alarms, %d units connected"
        % (events, open_alarms, n))
    if not fits(n + PROBES, "restart"):
        return
    import restart_time as rt
    env = Env(base, "restart", n)
    env.uport, env.oport = rt.free_port(), rt.free_port()
    env.config()
    env.start()
    env.close()
    unit_ids = ["HP-%06d" % (i + 1) for i in range(n)]
    t0 = time.monotonic()
    db = os.path.join(env.dir, "refuge.db")
    _, _, n_open = rt.fill(db, unit_ids, ["simulated"], events, open_alarms, resolved)
    built = time.monotonic() - t0
    count_s, open_s, n_events = rt.sqlite_floor(db)
    say("  database: %d events, %d open alarms, %.0f MB, built in %.0f s"
        % (n_events, n_open, os.path.getsize(db) / 1e6, built))
    rx = env.start()
    s = env.sim(env.port, n, "--hb", "60s", "--connect-rate", "2000/s")
    sims = [s]
    try:
        if s.wait_line(r"all %d units welcomed$" % n, 120) is None:
            raise SystemExit("suite: restart: the units did not connect")
        time.sleep(1)
        mark = len(s.lines)
        rx.stop(signal.SIGKILL)
        out = {}
        texec = time.monotonic()
        rx = env.refuged = Proc([os.path.join(BUILD, "refuged"), "-c",
                                 os.path.join(env.dir, "refuge.yaml")], cwd=env.dir)

        class R:	# what restart_time.operator_served needs
            pass
        r = R()
        r.operators_port, r.proc = env.oport, rx.p
        r.pki = PKI(env.pki)
        op = threading.Thread(target=rt.operator_served, args=(r, texec, PASSWORD, out))
        op.start()
        ready = rx.wait_line(r"ready units=", 300)
        op.join(300)
        back = s.wait_line(r"all %d units welcomed again" % n, 120, mark)
    finally:
        for x in sims:
            x.stop()
        env.close()
    if "error" in out:
        NOTES.append("restart: the operator was not served: %s" % out["error"])
    served = out.get("alarms", float("nan"))
    units_back = back[0] - texec if back else float("nan")
    figure = ("after kill -9: ready %.2f s, LOGIN answered %.2f s, ALARMS (%s alarms) %.2f s,"
              " all %d units back %.2f s after the exec"
              % (ready[0] - texec if ready else float("nan"), out.get("login", float("nan")),
                 out.get("count", "?"), served, n, units_back))
    report("restart", figure, "operators served within 1 s, all units back within %d s"
           % (8 if n <= 10000 else 16), served <= 1.0 and units_back <= (8 if n <= 10000 else 16),
           "sqlite3 opens the database and counts its %d events in %.2f s, reads the open"
           " alarms in %.3f s" % (n_events, count_s, open_s),
           "operators served %.1fx the floor (%.2f s)" % (served / (count_s + open_s),
                                                          count_s + open_s))


# ---- (f) the calm press

def press(base, presses):
    say("\n== press: the calm press, BUTTON -> operator * ALARM push, %d presses" % presses)
    pki_dir = os.path.join(base, "press-pki")
    subprocess.run(["sh", MKPKI, pki_dir] + REGISTERED, check=True, capture_output=True)
    pki = PKI(pki_dir)
    pw = subprocess.run(["openssl", "passwd", "-6", "-salt", "bench", "secret"],
                        check=True, capture_output=True, text=True).stdout.strip()
    d = Daemon(os.path.join(base, "press"), pki)
    os.makedirs(d.dir)
    d.write(merge(default_config(pki), {"log": {"level": "info"},
                                        "escalation": {"after": "1h"}}), default_registry(pw))
    d.start()
    floor_db = os.path.join(d.dir, "commit-floor.db")
    try:
        op = d.operator("bob")
        unit = d.unit("HP-001")
        for s in (op.sock, unit.sock):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        unit.hello()
        db = sqlite3.connect(floor_db, isolation_level=None)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        to_push, floor = [], []
        for n in range(presses):
            # The floor and the press back to back, so both see the same disk.
            t0 = time.perf_counter()
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO t (v) VALUES (?)", ("x" * 100,))
            db.execute("COMMIT")
            floor.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            unit.send("EVENT p%d BUTTON" % n)
            op.wait_push("* ALARM", "unit=HP-001", "state=queued", timeout=10)
            to_push.append((time.perf_counter() - t0) * 1000)
            while not unit.readline(10).startswith("ACK"):
                pass
            alarm = op.alarms()[0]
            op.call("CLAIM %d" % alarm["id"])
            op.call("RESOLVE %d false reason=test" % alarm["id"])
            op.drain(0)
            time.sleep(0.01)
        db.close()
    finally:
        d.stop()
    p50, p99 = percentile(to_push, 50), percentile(to_push, 99)
    f50, f99 = percentile(floor, 50), percentile(floor, 99)
    report("press", "BUTTON -> * ALARM push p50 %.2f ms, p99 %.2f ms, max %.2f ms"
           % (p50, p99, max(to_push)),
           "p50 within 2x and p99 within 3x of the bare commit", p50 <= 2 * f50 and
           p99 <= 3 * f99,
           "bare commit (WAL, synchronous=FULL, same disk, back to back) p50 %.2f ms, p99 %.2f ms"
           % (f50, f99), "p50 %.2fx, p99 %.2fx" % (p50 / f50, p99 / f99))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 2)[2])
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    ap.add_argument("scenarios", nargs="*",
                    default=["storm", "avalanche", "throughput", "idle", "restart", "press",
                             "pg"])
    args = ap.parse_args()
    q = args.quick or os.environ.get("BENCH_QUICK", "0") not in ("", "0")
    for name in args.scenarios:
        if name not in ("storm", "avalanche", "throughput", "idle", "restart", "press", "pg"):
            ap.error("unknown scenario %r" % name)
    for p in ("refuged", "refuge-sim", "bench/floor_rx"):
        if not os.access(os.path.join(BUILD, p), os.X_OK):
            raise SystemExit("suite: no %s/%s (make bench builds it)" % (BUILD, p))
    events = int(os.environ.get("BENCH_EVENTS") or (200000 if q else 10000000))
    say("suite: %s mode, %d cores, load average %s, open file limit %d%s"
        % ("quick" if q else "full", os.cpu_count(), " ".join(open("/proc/loadavg").read()
                                                           .split()[:3]), nofile(),
           " (the machine may be shared: CPU and latency figures then vary; memory does not)"))
    base = tempfile.mkdtemp(prefix="refuge-suite.")
    try:
        subprocess.run(["sh", MKPKI, os.path.join(base, "pki"), "FLOOR-1"], check=True,
                       capture_output=True)
        for name in args.scenarios:
            if name == "storm":
                sizes = [int(x) for x in os.environ.get("BENCH_STORM_SIZES", "").split(",") if x]
                for n in sizes or ((300,) if q else (10000, 19000)):
                    storm(base, n, q)
            elif name == "avalanche":
                avalanche(base, 300 if q else 10000, q)
            elif name == "throughput":
                throughput(base, 300 if q else 2000, 3000 if q else 25000, 4 if q else 15)
            elif name == "idle":
                sizes = [int(x) for x in os.environ.get("BENCH_IDLE_SIZES", "").split(",") if x]
                sizes = sizes or ([200, 500] if q else [1000, 5000, 10000, 19000])
                idle(base, sizes, min(max(sizes), 500 if q else 10000), 3 if q else 10)
            elif name == "restart":
                restart(base, 300 if q else 10000, events, 300 if q else 10000,
                        1000 if q else 20000)
            elif name == "press":
                press(base, 30 if q else 300)
            elif name == "pg":
                import pg_pair
                pg_pair.run(base, q)
    finally:
        for child in CHILDREN:
            if child.p.poll() is None:
                child.p.kill()
                child.p.wait()
        shutil.rmtree(base, ignore_errors=True)
    say("\n== summary (%s mode)" % ("quick" if q else "full"))
    for name, figure, goal, verdict in SUMMARY:
        say("  %-16s %-8s %s" % (name, verdict, goal))
    for note in NOTES:
        say("  could not: %s" % note)


if __name__ == "__main__":
    main()
