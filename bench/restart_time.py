#!/usr/bin/env python3
"""Benchmark: how long refuged takes to start on a large database, after a
clean stop and after kill -9, until it is ready and until an operator is
served again. Loopback only; bounded in count and time.

    bench/restart_time.py [--events 1000000 | --ten-million] [--open-alarms 5000]
                          [--resolved 20000] [--units 1000] [--runs 3]

The database is made by starting refuged once (it creates the schema) and
then writing rows directly with sqlite3, in large transactions: --events
events over 90 days for --units registered units, --resolved resolved
alarms with their events, --open-alarms open alarms (a third claimed) raised
in the last ten minutes, the audit rows of all of them on a valid hash
chain, and each unit's last known state. Each start is timed from exec to
the `ready` log line, and to the first operator's LOGIN answered and ALARMS
returned (an operator client connecting from the moment of exec, as a
console that reconnects would). Before each start after kill -9 a unit has
sent 2,000 events, so the write-ahead log has something in it.

The floor: the same start on an empty database, and sqlite3 opening the
database and counting the events and reading the open alarms. The page cache
is not dropped (the machine is shared): these are warm starts.

Prints figures; asserts nothing."""

import argparse
import hashlib
import os
import random
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

from conftest import PKI, MKPKI, READY_RE, default_config, merge, to_yaml  # noqa: E402
from helpers import Unit  # noqa: E402

DAY_MS = 86400 * 1000
START_LIMIT_S = 120		# a start slower than this is reported as such
WRITER = "HP-0001"		# the unit that writes before each kill -9
# Types that raise an alarm, with their default priorities (src/core/evtype.c).
RAISING = [("BUTTON", 1, "unit"), ("TAMPER", 2, "unit"), ("MAINS_FAIL", 4, "unit"),
           ("BATTERY_LOW", 5, "unit"), ("CAMERA_FAULT", 5, "unit"),
           ("LIGHT_FAULT", 5, "unit"), ("AUDIO_FAULT", 5, "unit"),
           ("UNIT_OFFLINE", 3, "receiver")]
# What fills the history between alarms: mostly daily tests and link changes.
BACKGROUND = [("TEST", 0, "unit")] * 6 + [("UNIT_ONLINE", 0, "receiver"),
                                          ("MAINS_RESTORE", 0, "unit"),
                                          ("TAMPER_RESTORE", 0, "unit"),
                                          ("BATTERY_RESTORE", 0, "unit")]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def refuged_path():
    return os.path.join(os.environ.get("REFUGE_BUILD", os.path.join(ROOT, "build")), "refuged")


class Receiver:
    """refuged on a fixed pair of ports, its output kept with arrival times."""

    def __init__(self, directory, pki, units_port, operators_port):
        self.dir = directory
        self.pki = pki
        self.config_path = os.path.join(directory, "refuge.yaml")
        self.db_path = os.path.join(directory, "refuge.db")
        self.units_port = units_port
        self.operators_port = operators_port
        self.proc = None
        self.reader = None
        self.lines, self.ready, self.stamp = [], threading.Event(), []

    def _read(self, stream, lines, ready, stamp):
        for raw in stream:
            now = time.monotonic()
            line = raw.decode("utf-8", "replace").rstrip("\n")
            lines.append(line)
            if not stamp and READY_RE.search(line):
                stamp.append(now)
                ready.set()
        ready.set()

    def start(self):
        """Starts refuged; returns the monotonic time of the exec. Each start
        has its own lines, ready event and reader, so that the last one's
        end cannot be taken for this one's ready line."""
        self.lines, self.ready, self.stamp = [], threading.Event(), []
        t0 = time.monotonic()
        self.proc = subprocess.Popen([refuged_path(), "-c", self.config_path], cwd="/",
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.reader = threading.Thread(target=self._read, daemon=True, args=(
            self.proc.stdout, self.lines, self.ready, self.stamp))
        self.reader.start()
        return t0

    @property
    def ready_at(self):
        return self.stamp[0] if self.stamp else None

    def wait_ready(self, timeout=START_LIMIT_S):
        if not self.ready.wait(timeout) or self.ready_at is None:
            self.proc.kill()
            self.reader.join(5)
            raise SystemExit("restart_time: refuged not ready within %ss (status %s):\n%s"
                             % (timeout, self.proc.poll(), "\n".join(self.lines[-30:])))

    def stop(self):
        """SIGTERM; returns the seconds until it exited."""
        t0 = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(60)
        took = time.monotonic() - t0
        self.reader.join(5)
        return took

    def kill(self):
        self.proc.kill()
        self.proc.wait()
        self.reader.join(5)


def read_final(sock, deadline):
    """Reads reply lines up to the final OK/ERR line; returns (final, data lines)."""
    buf, count = b"", 0
    while time.monotonic() < deadline:
        data = sock.recv(1 << 18)
        if not data:
            raise OSError("closed by refuged")
        buf += data
        *complete, buf = buf.split(b"\n")
        for line in complete:
            if line.startswith(b"OK") or line.startswith(b"ERR "):
                return line.decode(), count
            if not line.startswith(b"* "):
                count += 1
    raise OSError("no final line in time")


def operator_served(r, t0, password, out):
    """From t0 on, connects as soon as the port takes it, logs in and lists
    the alarms; out gets the times (seconds after t0) and the alarm count."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(r.pki.ca)
    deadline = t0 + START_LIMIT_S
    try:
        while True:
            try:
                raw = socket.create_connection(("127.0.0.1", r.operators_port), timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline or r.proc.poll() is not None:
                    raise
                time.sleep(0.002)
        raw.settimeout(START_LIMIT_S)
        # Without it Nagle holds LOGIN behind the unacknowledged TLS Finished
        # for the peer's delayed ACK, some 40 ms.
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s = ctx.wrap_socket(raw, server_hostname="localhost")
        s.sendall(("LOGIN bob %s\n" % password).encode())
        final, _ = read_final(s, deadline)
        out["login"] = time.monotonic() - t0
        if not final.startswith("OK"):
            raise OSError("LOGIN: %s" % final)
        s.sendall(b"ALARMS\n")
        final, count = read_final(s, deadline)
        out["alarms"] = time.monotonic() - t0
        out["count"] = count
        s.close()
    except (OSError, ssl.SSLError) as e:
        out["error"] = str(e)


def timed_start(r, password):
    out = {}
    t0 = r.start()
    op = threading.Thread(target=operator_served, args=(r, t0, password, out), daemon=True)
    op.start()
    r.wait_ready()
    op.join(START_LIMIT_S)
    if "error" in out:
        raise SystemExit("restart_time: operator: %s\n%s" % (out["error"], "\n".join(r.lines[-20:])))
    out["ready"] = r.ready_at - t0
    return out


def write_before_kill(r, count=2000):
    """A unit sends count events (and one BUTTON) and gets every ACK."""
    u = Unit(r, WRITER)
    u.hello()
    stamp = int(time.time() * 1000)
    for base in range(0, count, 100):
        u.send(b"".join(b"EVENT k%d-%d TEST\n" % (stamp, n) for n in range(base, base + 100)))
        acks = 0
        while acks < 100:
            line = u.readline(30)
            if line is None:
                raise SystemExit("restart_time: the writing unit was closed")
            acks += line.startswith("ACK ")
    u.event("k%d-button" % stamp, "BUTTON", timeout=30)
    u.close()


# ---- the database

def fill(db_path, unit_ids, sites, n_events, n_open, n_resolved):
    """Writes the rows; returns (alarm rows, audit rows, open alarm count)."""
    rng = random.Random(1)
    now = int(time.time() * 1000)
    n_units = len(unit_ids)
    n_events = max(n_events, n_open + n_resolved)
    history = n_events - n_open		# events before the open alarms
    start = now - 90 * DAY_MS
    step = max(1, (90 * DAY_MS - 600 * 1000) // max(1, history))
    every = max(1, history // max(1, n_resolved))	# one resolved alarm per `every` events
    open_step = max(1, 600 * 1000 // max(1, n_open))

    db = sqlite3.connect(db_path, isolation_level=None)
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -262144")
    # Rows go after what the earlier starts wrote (their operators' logins).
    e0, a0, u0 = (db.execute("SELECT coalesce(max(id), 0) FROM %s" % t).fetchone()[0]
                  for t in ("events", "alarms", "audit"))
    last = db.execute("SELECT hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    alarms = []		# (id, event_id, unit, site, type, prio, raised_ms, resolved?)

    def site_of(u):
        return sites[u * len(sites) // n_units]

    def events():
        for i in range(history):
            eid = e0 + i + 1
            u = rng.randrange(n_units)
            ms = start + i * step
            if n_resolved and i % every == every - 1 and len(alarms) < n_resolved:
                typ, prio, src = RAISING[rng.randrange(len(RAISING))]
                alarms.append((a0 + len(alarms) + 1, eid, unit_ids[u], site_of(u), typ, prio, ms,
                               True))
            else:
                typ, prio, src = BACKGROUND[rng.randrange(len(BACKGROUND))]
            yield (eid, unit_ids[u], "b%010d" % eid, typ, prio, src,
                   ms if src == "unit" else None, ms, "")
        for k in range(n_open):	# one open alarm per unit and type
            eid = e0 + history + k + 1
            u = k % n_units
            typ, prio, src = RAISING[(k // n_units) % len(RAISING)]
            ms = now - 600 * 1000 + k * open_step
            alarms.append((a0 + len(alarms) + 1, eid, unit_ids[u], site_of(u), typ, prio, ms,
                           False))
            yield (eid, unit_ids[u], "b%010d" % eid, typ, prio, src,
                   ms if src == "unit" else None, ms, "")

    rows = events()
    sql = ("INSERT INTO events (id, unit_id, unit_event_id, type, priority, source, "
           "unit_time_ms, received_ms, attributes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
    while True:
        chunk = [row for _, row in zip(range(200000), rows)]
        if not chunk:
            break
        db.execute("BEGIN")
        db.executemany(sql, chunk)
        db.execute("COMMIT")

    audit = []
    prev = last[0] if last else ""

    def log(ms, user, alarm_id, action, detail):
        nonlocal prev
        rid = u0 + len(audit) + 1
        text = "%s\n%d\n%d\n%s\n%d\n%s\n%s" % (prev, rid, ms, user, alarm_id, action, detail)
        h = hashlib.sha256(text.encode()).hexdigest()
        audit.append((rid, ms, user, alarm_id, action, detail, prev, h))
        prev = h

    alarm_rows = []
    for n, (aid, eid, unit, site, typ, prio, ms, resolved) in enumerate(alarms):
        log(ms, "", aid, "raise", "type=%s unit=%s prio=%d" % (typ, unit, prio))
        user = ("alice", "carol")[n % 2]
        if resolved:
            log(ms + 20000, user, aid, "claim", "")
            log(ms + 120000, user, aid, "resolve", "outcome=false reason=test")
            alarm_rows.append((aid, eid, unit, site, typ, prio, "resolved", ms, None, ms + 20000,
                               ms + 20000, user, ms + 120000, "false", "test"))
        elif n % 3 == 0:
            log(ms + 1000, user, aid, "claim", "")
            alarm_rows.append((aid, eid, unit, site, typ, prio, "claimed", ms, user, ms + 1000,
                               ms + 1000, None, None, None, None))
        else:
            alarm_rows.append((aid, eid, unit, site, typ, prio, "queued", ms, None, None,
                               None, None, None, None, None))
    audit.sort(key=lambda row: row[0])
    db.execute("BEGIN")
    db.executemany("INSERT INTO alarms (id, event_id, unit_id, site_id, type, priority, state, "
                   "raised_ms, claimed_by, claimed_ms, first_claimed_ms, resolved_by, "
                   "resolved_ms, outcome, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                   "?, ?, ?)", alarm_rows)
    db.executemany("INSERT INTO audit (id, time_ms, user, alarm_id, action, detail, prev_hash, "
                   "hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", audit)
    db.executemany("INSERT INTO units (id, state, last_seen_ms) VALUES (?, ?, ?) "
                   "ON CONFLICT (id) DO UPDATE SET state = excluded.state, "
                   "last_seen_ms = excluded.last_seen_ms",
                   [(uid, "offline", now - 60000) for uid in unit_ids])
    db.execute("COMMIT")
    db.execute("PRAGMA journal_mode = WAL")
    db.close()
    return len(alarm_rows), len(audit), n_open


def commit_floor(directory, n=7):
    """Median seconds of one durable commit (WAL, synchronous=FULL) of one
    row in a scratch database beside the real one: what a LOGIN's audit row
    costs at least."""
    path = os.path.join(directory, "commit-probe.db")
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    took = []
    for i in range(n):
        t0 = time.monotonic()
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t (v) VALUES (?)", ("x" * 100,))
        db.execute("COMMIT")
        took.append(time.monotonic() - t0)
    db.close()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.unlink(path + suffix)
    return statistics.median(took)


def sqlite_floor(db_path):
    """Seconds to open the database and count the events, and to read the
    open alarms as the start-up does."""
    t0 = time.monotonic()
    db = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True)
    n = db.execute("SELECT count(*) FROM events").fetchone()[0]
    t1 = time.monotonic()
    db.execute("SELECT id, unit_id, site_id, type, priority, state, raised_ms, count, "
               "restored_ms IS NOT NULL, coalesce(claimed_by, ''), coalesce(claimed_ms, -1), "
               "coalesce(first_claimed_ms, -1) FROM alarms WHERE state <> 'resolved' "
               "ORDER BY id").fetchall()
    t2 = time.monotonic()
    db.close()
    return t1 - t0, t2 - t1, n


# ---- the run

def summary(name, runs, extra=""):
    def col(key):
        values = [r[key] * 1000 for r in runs]
        return "%8.0f %s" % (statistics.median(values),
                             "[%.0f-%.0f]" % (min(values), max(values)) if len(values) > 1 else "")
    return "%-34s %-18s %-18s %-18s %s" % (name, col("ready"), col("login"), col("alarms"), extra)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 2)[2])
    ap.add_argument("--events", type=int, default=1000000)
    ap.add_argument("--ten-million", action="store_true", help="--events 10000000")
    ap.add_argument("--open-alarms", type=int, default=5000)
    ap.add_argument("--resolved", type=int, default=20000)
    ap.add_argument("--units", type=int, default=1000, help="registered units")
    ap.add_argument("--runs", type=int, default=3, help="starts of each kind")
    args = ap.parse_args()
    if args.ten_million:
        args.events = 10000000
    if not 1 <= args.units <= 9999:
        ap.error("--units must be 1 to 9999")
    if args.open_alarms > args.units * len(RAISING):
        ap.error("--open-alarms: at most %d (one per unit and alarm type)"
                 % (args.units * len(RAISING)))
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    os.environ.setdefault("REFUGE_BUILD", os.path.join(ROOT, "build"))
    if not os.access(refuged_path(), os.X_OK):
        raise SystemExit("restart_time: no %s (run make first)" % refuged_path())

    work = tempfile.mkdtemp(prefix="refuge-bench-")
    r = None
    try:
        unit_ids = ["HP-%04d" % (i + 1) for i in range(args.units)]
        sites = ["site-%02d" % (i + 1) for i in range(min(10, args.units))]
        pki_dir = os.path.join(work, "pki")
        subprocess.run(["sh", MKPKI, pki_dir, WRITER], check=True, capture_output=True)
        pki = PKI(pki_dir)
        password = "secret"
        pw_hash = subprocess.run(["openssl", "passwd", "-6", "-salt", "bench", password],
                                 check=True, capture_output=True, text=True).stdout.strip()
        directory = os.path.join(work, "d")
        os.makedirs(directory)
        r = Receiver(directory, pki, free_port(), free_port())
        config = merge(default_config(pki), {
            "listen": {"units": "127.0.0.1:%d" % r.units_port,
                       "operators": "127.0.0.1:%d" % r.operators_port},
            "log": {"level": "info"},
            "escalation": {"after": "1h"},
        })
        registry = {
            "sites": [{"id": s, "name": "Site %s" % s, "plan": "p"} for s in sites],
            "plans": [{"id": "p", "steps": ["Look at the camera", "Speak to the caller"]}],
            "units": [{"id": uid, "name": "Point %s" % uid,
                       "site": sites[i * len(sites) // args.units],
                       "lat": round(52.0 + i * 0.0001, 4), "lon": -0.9}
                      for i, uid in enumerate(unit_ids)],
            "operators": [{"user": u, "password": pw_hash, "role": role}
                          for u, role in (("alice", "operator"), ("carol", "operator"),
                                          ("bob", "supervisor"))],
        }
        with open(r.config_path, "w") as f:
            f.write(to_yaml(config))
        with open(os.path.join(directory, "units.yaml"), "w") as f:
            f.write(to_yaml(registry))

        # The floor: starts on an empty database (the first creates the schema).
        first = timed_start(r, password)
        r.stop()
        empty = []
        for _ in range(args.runs):
            empty.append(timed_start(r, password))
            empty[-1]["stop"] = r.stop()

        t0 = time.monotonic()
        n_alarms, n_audit, n_open = fill(r.db_path, unit_ids, sites, args.events,
                                         args.open_alarms, args.resolved)
        built = time.monotonic() - t0
        size = os.path.getsize(r.db_path)
        count_s, open_s, n_events = sqlite_floor(r.db_path)
        commit_s = commit_floor(directory)

        clean = []
        for _ in range(args.runs):
            clean.append(timed_start(r, password))
            clean[-1]["stop"] = r.stop()

        killed, wal_sizes = [], []
        r.start()
        r.wait_ready()
        for _ in range(args.runs):
            write_before_kill(r)
            r.kill()
            wal = r.db_path + "-wal"
            wal_sizes.append(os.path.getsize(wal) if os.path.exists(wal) else 0)
            killed.append(timed_start(r, password))
        r.stop()

        print("restart_time: %d events, %d alarms (%d open, a third claimed), %d audit rows,"
              " %d units; database %.0f MB, built in %.1f s"
              % (n_events, n_alarms, n_open, n_audit, args.units, size / 1e6, built))
        print("warm page cache; median of %d starts [min-max], milliseconds from exec:"
              % args.runs)
        print("%-34s %-18s %-18s %-18s" % ("", "   ready", "   LOGIN answered",
                                           "   ALARMS returned"))
        print(summary("empty database (floor)", empty,
                      "stop %.0f ms" % (statistics.median(e["stop"] for e in empty) * 1000)))
        print(summary("%d events, after a clean stop" % n_events, clean,
                      "stop %.0f ms" % (statistics.median(c["stop"] for c in clean) * 1000)))
        print(summary("%d events, after kill -9" % n_events, killed,
                      "WAL %.1f MB at restart" % (statistics.median(wal_sizes) / 1e6)))
        print("ALARMS returned %d alarms; the very first start (creating the schema) was"
              " ready in %.0f ms" % (clean[-1]["count"], first["ready"] * 1000))
        print("floor: sqlite3 opens the database and counts %d events in %.0f ms; reads the"
              " %d open alarms in %.0f ms;\n  one durable commit (WAL, synchronous=FULL) on this"
              " disk takes %.1f ms (a LOGIN writes its audit row)"
              % (n_events, count_s * 1000, n_open, open_s * 1000, commit_s * 1000))
    finally:
        if r is not None and r.proc is not None and r.proc.poll() is None:
            r.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
