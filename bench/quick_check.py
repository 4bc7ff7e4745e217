#!/usr/bin/env python3
"""How long PRAGMA quick_check takes on a refuge database of N events.

    bench/quick_check.py [--keep] [--dir DIR] N [N ...]

For each N, makes DIR/refuge-N.db (default DIR: a temporary directory)
with this tree's migrations (schema/sqlite/*.sql) and N events spread over
1,000 units, one alarm in every 100 events with its audit row, inserted
directly with sqlite3 (about 40 s a million on a 2-core machine), in WAL
mode as refuged leaves it. Then runs PRAGMA quick_check on a read-only
connection, as refuged does at start-up after an unclean stop and on its
worker thread, with the file in the page cache as it was just written;
--cold asks the kernel to drop its caches first (root only), for the time
a start-up after a power cut takes. --keep keeps the files: then
`refugectl check --database` on a configuration naming one measures the
same through refuged's own code. Prints N, the file's size, the seconds
to build and to check. Not part of `make check`: refuged(8) quotes its
figures.
"""
import argparse
import glob
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BATCH = 50000


def make_database(path, events):
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.unlink(path + suffix)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")	# building, not serving
    migrations = sorted(glob.glob(os.path.join(ROOT, "schema", "sqlite", "*.sql")))
    for n, sql in enumerate(migrations, 1):
        conn.executescript(open(sql).read())
        conn.execute("PRAGMA user_version = %d" % n)
    base = 1700000000000
    conn.execute("BEGIN")
    for start in range(0, events, BATCH):
        rows = []
        for i in range(start, min(events, start + BATCH)):
            rows.append(("HP-%04d" % (i % 1000), "e%d" % i,
                         "BUTTON" if i % 100 == 0 else "HB",
                         1 if i % 100 == 0 else 5, base + i * 37, "zone=gate"))
        conn.executemany(
            "INSERT INTO events (unit_id, unit_event_id, type, priority, source, "
            "received_ms, attributes) VALUES (?, ?, ?, ?, 'unit', ?, ?)", rows)
    conn.execute(
        "INSERT INTO alarms (event_id, unit_id, site_id, type, priority, state, "
        "raised_ms) SELECT id, unit_id, 'site', type, 1, 'resolved', received_ms "
        "FROM events WHERE type = 'BUTTON'")
    conn.execute(
        "INSERT INTO audit (time_ms, user, alarm_id, action, detail, prev_hash, "
        "hash) SELECT raised_ms, 'alice', id, 'raise', '', '', '' FROM alarms")
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def quick_check(path):
    conn = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    began = time.monotonic()
    rows = conn.execute("PRAGMA quick_check").fetchall()
    took = time.monotonic() - began
    conn.close()
    return took, rows[0][0]


def drop_caches():
    subprocess.run(["sync"], check=True)
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("events", type=int, nargs="+")
    p.add_argument("--dir")
    p.add_argument("--keep", action="store_true")
    p.add_argument("--cold", action="store_true")
    args = p.parse_args()
    directory = args.dir or tempfile.mkdtemp(prefix="refuge-qc.")
    print("%12s %10s %9s %9s %s" % ("events", "MiB", "build s", "check s", "result"))
    for n in args.events:
        path = os.path.join(directory, "refuge-%d.db" % n)
        began = time.monotonic()
        make_database(path, n)
        built = time.monotonic() - began
        if args.cold:
            drop_caches()
        took, result = quick_check(path)
        print("%12d %10.1f %9.1f %9.2f %s" % (n, os.path.getsize(path) / 2**20,
                                              built, took, result))
        sys.stdout.flush()
        if not args.keep:
            for suffix in ("", "-wal", "-shm"):	# a reader leaves its WAL files
                if os.path.exists(path + suffix):
                    os.unlink(path + suffix)
    if not args.keep and not args.dir:
        os.rmdir(directory)


if __name__ == "__main__":
    main()
