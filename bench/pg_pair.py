#!/usr/bin/env python3
"""Benchmark: the receiver pair on PostgreSQL (issue 14). A throw-away
PostgreSQL 15 primary with a synchronous standby, both on loopback and both
with fsync on, and refuged pointed at it; each figure beside its goal.
Loopback only; every process it starts it stops. Not part of `make check`.

    bench/pg_pair.py [--quick] [--kills N]

  press       the calm press on PostgreSQL: BUTTON -> operator `* ALARM`
              push, p50/p99 (goal p99 < 10 ms). Floor: pgbench committing
              one row at a time on the same cluster (so through the
              synchronous standby too), p50/p99.
  throughput  refuge-sim's load mode (as bench/suite.py's throughput): N
              units offering R durable events/s; events ACKed a second, ACK
              p50/p99 (goal at least 20,000/s).
  takeover    two refuged on one database, N units (refuge-sim -H a,b) and
              a probe unit; kill -9 of the active receiver, N times (10;
              quick 3), the killed one started again each time to stand
              by: time from the kill until the probe is welcomed by the
              other receiver ("first unit", goal 10 s) and until all units
              are (refuge-sim's "welcomed again" marker, goal 20 s for
              1,000 units). Floor: the lease, which a standby must see
              lapse.

--quick uses small sizes (a smoke run of a few minutes). Without
PostgreSQL (see tests/integration/pgcluster.py) it says so and measures
nothing. bench/suite.py runs it as its scenario "pg"."""

import argparse
import os
import re
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, HERE)

import pgcluster  # noqa: E402
from conftest import MKPKI, PKI  # noqa: E402
from helpers import CommandedUnit, Operator, Unit  # noqa: E402
import suite  # noqa: E402
from suite import BUILD, PASSWORD, Proc, fits, percentile, report, say  # noqa: E402

PROBE = "PX-001"	# the probe unit, with a certificate from the bench PKI
LEASE = "5s"


class Rx:
    """One refuged of the pair: its directory, configuration and process;
    also what helpers' Unit and Operator need (pki, ports)."""

    def __init__(self, base, name, url, pki, units):
        self.dir = os.path.join(base, name)
        os.makedirs(self.dir)
        self.name = name
        self.pki = PKI(pki)
        self.units_port = pgcluster.free_port()
        self.operators_port = pgcluster.free_port()
        self.proc = None
        shutil.copy(os.path.join(base, "units.yaml"), self.dir)
        n = units + 200
        with open(os.path.join(self.dir, "refuge.yaml"), "w") as f:
            f.write("listen:\n  units: 127.0.0.1:%d\n  operators: 127.0.0.1:%d\n"
                    "  metrics: 127.0.0.1:0\n"
                    "tls:\n  cert: %s/server.crt\n  key: %s/server.key\n"
                    "  unit_ca: %s/ca.crt\n"
                    "database: \"%s\"\nregistry: units.yaml\n"
                    "receiver:\n  name: %s\n  address: \"127.0.0.1:%d\"\n  lease: %s\n"
                    "supervision:\n  heartbeat: 60s\n"
                    "limits:\n  connections_per_address: %d\n  max_connections: %d\n"
                    "  handshake_timeout: 30s\n"
                    "escalation:\n  after: 1h\nlog:\n  level: info\n"
                    % (self.units_port, self.operators_port, pki, pki, pki, url,
                       name, self.units_port, LEASE, n, n))

    def start(self, timeout=120):
        """Starts it; a standby says "ready" too, once it listens."""
        self.proc = Proc([os.path.join(BUILD, "refuged"), "-c",
                          os.path.join(self.dir, "refuge.yaml")], cwd=self.dir)
        if self.proc.wait_line(r"ready units=", timeout) is None:
            raise SystemExit("pg_pair: refuged %s did not start:\n%s" % (
                self.name, "\n".join(t for _, _, t in self.proc.lines[-20:])))
        return self

    def kill(self):
        self.proc.stop(signal.SIGKILL)

    def stop(self):
        if self.proc is not None:
            self.proc.stop()


def hello(port, pki, timeout=5.0):
    """The first reply of the receiver on port to the probe's HELLO, or
    None when it cannot be reached."""
    class At:
        pass
    at = At()
    at.pki, at.units_port = pki, port
    try:
        u = Unit(at, PROBE, timeout=timeout)
    except (OSError, ssl.SSLError):
        return None
    try:
        u.send("HELLO %s 1" % PROBE)
        return u.readline(timeout)
    except (OSError, AssertionError):
        return None
    finally:
        u.close()


def active_of(rxs, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for rx in rxs:
            line = hello(rx.units_port, rx.pki)
            if line is not None and line.startswith("WELCOME "):
                return rx
        time.sleep(0.2)
    return None


def sim(rxs, base, count, *args):
    hosts = ",".join("127.0.0.1:%d" % rx.units_port for rx in rxs)
    pki = os.path.join(base, "pki")
    return Proc([os.path.join(BUILD, "refuge-sim"), "-H", hosts, "--ca", pki + "/ca.crt",
                 "--issuer-cert", pki + "/ca.crt", "--issuer-key", pki + "/ca.key",
                 "--count", str(count), "--source-addrs", "127.0.0.2-127.0.0.9",
                 "--json", "--report", "1h"] + list(args))


# ---- press

def pgbench_floor(cluster, db, n):
    """Latencies (ms) of n one-row commits by pgbench on the cluster."""
    script = os.path.join(cluster.dir, "floor.sql")
    with open(script, "w") as f:
        f.write("INSERT INTO bench_floor (v) VALUES (repeat('x', 100));\n")
    cluster.psql(db, "CREATE TABLE IF NOT EXISTS bench_floor (id bigserial PRIMARY KEY,"
                     " v text)")
    prefix = os.path.join(cluster.dir, "pgb")
    cluster._run([os.path.join(pgcluster.PG_BIN, "pgbench"), "-n", "-h", "127.0.0.1",
                  "-p", str(cluster.port), "-U", "postgres", "-f", script, "-t", str(n),
                  "-l", "--log-prefix", prefix, db], timeout=300)
    took = []
    for name in os.listdir(cluster.dir):
        if name.startswith("pgb."):
            with open(os.path.join(cluster.dir, name)) as f:
                took += [int(line.split()[2]) / 1000.0 for line in f if line.strip()]
            os.unlink(os.path.join(cluster.dir, name))
    return took


def press(base, cluster, url, presses):
    say("\n== pg press: BUTTON -> operator * ALARM push on PostgreSQL with a synchronous"
        " standby, %d presses" % presses)
    rx = Rx(base, "press", url, os.path.join(base, "pki"), 10).start()
    to_push = []
    try:
        if active_of([rx]) is None:
            raise SystemExit("pg_pair: the press receiver never became active")
        op = Operator(rx, "bob", PASSWORD)
        unit = CommandedUnit(rx, PROBE)
        for s in (op.sock, unit.sock):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        unit.hello()
        for n in range(presses):
            t0 = time.perf_counter()
            unit.send("EVENT p%d BUTTON" % n)
            op.wait_push("* ALARM", "unit=%s" % PROBE, "state=queued", timeout=10)
            to_push.append((time.perf_counter() - t0) * 1000)
            while not unit.readline(10).startswith("ACK"):
                pass
            alarm = op.alarms()[0]
            op.call("CLAIM %d" % alarm["id"])
            op.call("RESOLVE %d false reason=test" % alarm["id"])
            op.drain(0)
            time.sleep(0.01)
        op.close()
        unit.close()
    finally:
        rx.stop()
    floor = pgbench_floor(cluster, "floor", presses)
    p50, p99 = percentile(to_push, 50), percentile(to_push, 99)
    f50, f99 = percentile(floor, 50), percentile(floor, 99)
    report("pg press", "BUTTON -> * ALARM push p50 %.2f ms, p99 %.2f ms, max %.2f ms"
           % (p50, p99, max(to_push)), "p99 < 10 ms", p99 < 10,
           "pgbench one-row commit on the same cluster (synchronous standby, fsync on)"
           " p50 %.2f ms, p99 %.2f ms" % (f50, f99),
           "p50 %.2fx, p99 %.2fx" % (p50 / f50, p99 / f99))


# ---- throughput

def throughput(base, url, units, rate, seconds):
    say("\n== pg throughput: %d units offer %d durable events/s for %d s" % (units, rate, seconds))
    if not fits(units, "pg throughput"):
        return
    rx = Rx(base, "load", url, os.path.join(base, "pki"), units).start()
    got, res, cpu = 0.0, None, 0.0
    try:
        if active_of([rx]) is None:
            raise SystemExit("pg_pair: the load receiver never became active")
        s = sim([rx], base, units, "--events", "TEST=%d/s" % rate, "--hb", "60s",
                "--connect-rate", "2000/s", "--report", "1s",
                "--duration", "%ds" % (seconds + 3), "--drain", "10s", "--retry", "60s")
        time.sleep(3)	# connecting
        c0, t0 = suite.cpu_s(rx.proc.pid), time.monotonic()
        time.sleep(seconds)
        cpu, t1 = suite.cpu_s(rx.proc.pid) - c0, time.monotonic()
        s.p.wait(seconds + 60)
        s.stop()

        def acked(t):
            best = None
            for when, _, text in s.lines:
                m = re.search(r"refuge-sim: \d+s connected=\S+ sent=\d+ acked=(\d+)", text)
                if m and when <= t:
                    best = (when, int(m.group(1)))
            return best
        a0, a1 = acked(t0), acked(t1)
        got = (a1[1] - a0[1]) / (a1[0] - a0[0]) if a0 and a1 and a1[0] > a0[0] else 0.0
        res = s.json()
    finally:
        rx.stop()
    lat = res["ack_latency_ms"]
    goal = 20000 if rate >= 20000 else rate * 0.98
    report("pg throughput", "%.0f durable events/s ACKed of %d offered, ACK p50 %.1f p99 %.1f"
           " ms, %d pending after the drain; refuged CPU %.1f s over %d s"
           % (got, rate, lat["p50"], lat["p99"], res["events_pending"], cpu, seconds),
           ">= 20,000/s%s" % ("" if rate >= 20000 else
                              " (quick: the %d/s offered)" % rate), got >= goal,
           "none measured (pgbench's rows/s depend on its batching, not refuged's)",
           "%.2fx the offered rate" % (got / rate))


# ---- takeover

def takeover(base, url, units, kills):
    say("\n== pg takeover: kill -9 of the active receiver %d times, %d units"
        " (refuge-sim -H a,b) and a probe" % (kills, units))
    if not fits(units, "pg takeover"):
        return
    pki = os.path.join(base, "pki")
    rxs = [Rx(base, "rx-a", url, pki, units), Rx(base, "rx-b", url, pki, units)]
    rxs[0].start()
    if active_of(rxs[:1]) is None:
        raise SystemExit("pg_pair: rx-a never became active")
    rxs[1].start()
    firsts, alls = [], []
    s = sim(rxs, base, units, "--hb", "60s", "--connect-rate", "2000/s")
    try:
        if s.wait_line(r"all %d units welcomed$" % units, 120) is None:
            raise SystemExit("pg_pair: the units did not all connect:\n%s" % "\n".join(
                t for _, _, t in s.lines[-20:]))
        for k in range(kills):
            active = active_of(rxs)
            if active is None:
                suite.NOTES.append("pg takeover: no active receiver before kill %d" % (k + 1))
                break
            other = rxs[1 - rxs.index(active)]
            time.sleep(1)
            mark = len(s.lines)
            killed = time.monotonic()
            active.kill()
            first = None
            while first is None and time.monotonic() - killed < 60:
                line = hello(other.units_port, other.pki, 2.0)
                if line is not None and line.startswith("WELCOME "):
                    first = time.monotonic() - killed
                else:
                    time.sleep(0.05)
            back = s.wait_line(r"all %d units welcomed again" % units, 90, mark)
            firsts.append(first if first is not None else float("inf"))
            alls.append(back[0] - killed if back else float("inf"))
            say("  kill %d of %s: probe welcomed by %s %.2f s after, all %d units %.2f s"
                % (k + 1, active.name, other.name, firsts[-1], units, alls[-1]))
            active.start()	# it stands by for the next round
    finally:
        s.stop()
        for rx in rxs:
            rx.stop()
    if not firsts:
        return
    goal_all = 20.0		# for 1,000 units; fewer in the quick run
    report("pg takeover", "over %d kills: first unit welcomed by the other receiver median"
           " %.2f s, max %.2f s; all %d units median %.2f s, max %.2f s"
           % (len(firsts), statistics.median(firsts), max(firsts), units,
              statistics.median(alls), max(alls)),
           "first unit within 10 s, %d units within %.0f s (1,000 within 20 s)"
           % (units, goal_all), max(firsts) <= 10 and max(alls) <= goal_all,
           "the lease, %s: a standby takes over once it lapses" % LEASE,
           "first unit %.2fx the lease" % (statistics.median(firsts) / float(LEASE[:-1])))


# ---- the cluster

def run(base, quick, kills=None):
    """The three measures in base (a scratch directory); bench/suite.py's
    scenario "pg"."""
    why = pgcluster.available()
    if why is not None:
        suite.NOTES.append("pg: PostgreSQL cannot run here (%s): not measured" % why)
        say("\n== pg: cannot run: %s" % why)
        return
    base = os.path.join(base, "pg")
    os.makedirs(base)
    subprocess.run(["sh", MKPKI, os.path.join(base, "pki"), PROBE], check=True,
                   capture_output=True)
    units = 100 if quick else 1000
    load_units = 300 if quick else 2000
    registry = subprocess.run([os.path.join(BUILD, "refuge-sim"), "--print-registry",
                               str(max(units, load_units))], check=True,
                              capture_output=True, text=True).stdout
    pw = subprocess.run(["openssl", "passwd", "-6", "-salt", "bench", PASSWORD],
                        check=True, capture_output=True, text=True).stdout.strip()
    registry += ("  - id: %s\n    name: \"Probe\"\n    site: simulated\n"
                 "    lat: 52.5\n    lon: -0.9\n" % PROBE)
    registry += "operators:\n" + "".join(
        "  - user: %s\n    password: \"%s\"\n    role: %s\n" % (u, pw, r)
        for u, r in (("alice", "operator"), ("bob", "supervisor")))
    with open(os.path.join(base, "units.yaml"), "w") as f:
        f.write(registry)
    say("\n== pg: a PostgreSQL 15 primary and its synchronous standby, fsync on, loopback")
    primary = pgcluster.PgCluster(os.path.join(base, "pg1"), fsync=True).start()
    standby = None
    try:
        urls = {db: primary.create_database(db) for db in ("press", "load", "pair", "floor")}
        standby = primary.make_standby(os.path.join(base, "pg2"))
        deadline = time.monotonic() + 60
        while primary.psql("postgres", "SELECT sync_state FROM pg_stat_replication") \
                != [["sync"]]:
            if time.monotonic() > deadline:
                raise SystemExit("pg_pair: the standby did not become synchronous")
            time.sleep(0.2)
        press(base, primary, urls["press"], 30 if quick else 300)
        throughput(base, urls["load"], load_units, 3000 if quick else 25000, 4 if quick else 15)
        takeover(base, urls["pair"], units, kills or (3 if quick else 10))
    finally:
        for c in (standby, primary):
            if c is not None:
                c.destroy()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 2)[2])
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    ap.add_argument("--kills", type=int, help="kill -9s of the takeover (10; quick 3)")
    args = ap.parse_args()
    q = args.quick or os.environ.get("BENCH_QUICK", "0") not in ("", "0")
    for p in ("refuged", "refuge-sim"):
        if not os.access(os.path.join(BUILD, p), os.X_OK):
            raise SystemExit("pg_pair: no %s/%s (run make first)" % (BUILD, p))
    say("pg_pair: %s mode, %d cores, load average %s" % (
        "quick" if q else "full", os.cpu_count(),
        " ".join(open("/proc/loadavg").read().split()[:3])))
    base = tempfile.mkdtemp(prefix="refuge-pg.")
    try:
        run(base, q, args.kills)
    finally:
        for child in suite.CHILDREN:
            if child.p.poll() is None:
                child.p.kill()
                child.p.wait()
        shutil.rmtree(base, ignore_errors=True)
    say("\n== summary (%s mode)" % ("quick" if q else "full"))
    for name, figure, goal, verdict in suite.SUMMARY:
        say("  %-16s %-8s %s" % (name, verdict, goal))
    for note in suite.NOTES:
        say("  could not: %s" % note)


if __name__ == "__main__":
    main()
