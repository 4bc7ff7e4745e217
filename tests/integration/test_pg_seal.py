"""The record that proves itself on PostgreSQL: refuged seals what it writes
there as it does on SQLite, refugectl verify finds a row edited, deleted or
added behind refuged's back, a purge keeps the record provable, and a
database copied over from SQLite (ids kept, SQLite's rowid as rid) verifies
on PostgreSQL: a row's digest is the same from either store."""

import glob
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile

import pytest

import pgcluster
from helpers import CommandedUnit, raise_alarm, wait_for
from test_refugectl import ctl

# Its own PostgreSQL clusters: once, not again in the PostgreSQL rerun.
pytestmark = pytest.mark.own_database

QUIET = {"escalation": {"after": "1h"}}
LEASE_LOCK = 7400001	# STORE_PG_LOCK_LEASE (src/service/store_pg.h)
REPO = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
# Text that is not ASCII, with a quote: its UTF-8 bytes are what is sealed.
NOTE = "Caf\u00e9 caller \u2013 \u201cshaken\u201d, it's ok \u2713"


@pytest.fixture(scope="module")
def pg():
    reason = pgcluster.available()
    if reason:
        pytest.skip(reason)
    # Not under pytest's own temporary tree, which other runs prune.
    cluster = pgcluster.PgCluster(os.path.join(tempfile.mkdtemp(prefix="refuge-pgseal-"),
                                               "cluster")).start()
    yield cluster
    cluster.destroy()
    shutil.rmtree(os.path.dirname(cluster.dir), ignore_errors=True)


def activity(d):
    """A BUTTON alarm with its commands (one done), claimed, noted in
    non-ASCII text and resolved; an open TAMPER; a TEST event."""
    op = d.operator("alice")
    u = CommandedUnit(d, "HP-001")
    u.hello()
    done = raise_alarm(op, u, "b1", "BUTTON")
    light = u.wait_command("LIGHT", "FLASH")
    u.send("DONE %s" % light)
    op.wait_push("CMD %s done" % light)
    assert u.event("t1", "TEST") == "ACK t1"
    # A repeat press: an event attached to the alarm (alarm_events).
    assert u.event("b2", "BUTTON") == "ACK b2"
    op.wait_push("ALARM %d" % done["id"], "count=2")
    assert op.call("CLAIM %d" % done["id"]).startswith("OK")
    assert op.call('NOTE %d "%s"' % (done["id"], NOTE)) == "OK"
    assert op.call("RESOLVE %d genuine action=police" % done["id"]) == "OK"
    still = raise_alarm(op, u, "tm1", "TAMPER")
    assert u.event("t2", "TEST") == "ACK t2"
    u.close()
    op.close()
    return done["id"], still["id"]


def verify(config_path):
    r = ctl("verify", config=config_path)
    lines = r.stdout.splitlines()
    return r.returncode, lines[-1] if lines else r.stderr


def on_pg(make_daemon, pg, name, start=True):
    url = pg.create_database(name)
    return make_daemon(config=dict(QUIET, database=url), start=start), name


def test_sealed_on_postgresql_and_edits_found(make_daemon, pg):
    d, db = on_pg(make_daemon, pg, "seal_edits")
    done, still = activity(d)
    d.stop()
    assert int(pg.psql(db, "SELECT count(*) FROM seal_entries")[0][0]) > 0
    assert pg.psql(db, "SELECT text FROM alarm_notes")[0][0] == NOTE
    code, last = verify(d.config_path)
    assert code == 0 and last.startswith("records intact: "), last

    pg.psql(db, "UPDATE alarms SET outcome = 'false', action = NULL WHERE id = %d" % done)
    code, last = verify(d.config_path)
    assert code == 1
    assert last.startswith("records broken: alarms row %d was changed after it was sealed "
                           "(sealed in audit row " % done), last
    pg.psql(db, "UPDATE alarms SET outcome = 'genuine', action = 'police' WHERE id = %d" % done)
    assert verify(d.config_path)[0] == 0

    # A command's row is named by its rid, as SQLite names it by rowid.
    (rid,) = pg.psql(db, "SELECT rid FROM unit_commands WHERE result = 'done'")[0]
    pg.psql(db, "UPDATE unit_commands SET reason = 'x' WHERE rid = %s" % rid)
    code, last = verify(d.config_path)
    assert code == 1 and last.startswith("records broken: unit_commands row %s was changed"
                                         % rid), last
    pg.psql(db, "UPDATE unit_commands SET reason = NULL WHERE rid = %s" % rid)

    (victim,) = pg.psql(db, "SELECT id FROM events WHERE unit_event_id = 't1'")[0]
    pg.psql(db, "DELETE FROM events WHERE id = %s" % victim)
    code, last = verify(d.config_path)
    assert code == 1 and last.startswith("records broken: events row %s was deleted"
                                         % victim), last

    pg.psql(db, "INSERT INTO alarm_notes (alarm_id, time_ms, \"user\", text) "
                "VALUES (%d, 1, 'alice', 'added later')" % still)
    code, last = verify(d.config_path)
    assert code == 1
    assert re.match(r"records broken: (events row %s was deleted|alarm_notes row \d+ was "
                    r"added outside refuged)" % victim, last), last

    pg.psql(db, "UPDATE seal_entries SET hash = 'x' WHERE tbl = 'alarms' AND first = %d"
            % done)
    code, last = verify(d.config_path)
    assert code == 1 and re.match(r"records broken: audit row \d+ \(seal\): its seal "
                                  r"entries were changed", last), last


def hold_lease(pg, db):
    """A session holding the receivers' lease lock, as an active refuged
    does (STORE_PG_LOCK_LEASE), until killed."""
    argv = [os.path.join(pgcluster.PG_BIN, "psql"), "-X", "-q", "-h", "127.0.0.1",
            "-p", str(pg.port), "-U", "postgres", "-d", db, "-c",
            "SELECT pg_advisory_lock(%d), pg_sleep(60)" % LEASE_LOCK]
    if os.getuid() == 0:
        argv = ["runuser", "-u", pgcluster.RUN_AS, "--"] + argv
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: pg.psql(db, "SELECT count(*) FROM pg_locks WHERE locktype = "
                                 "'advisory' AND objid = %d AND granted" % LEASE_LOCK)
             == [["1"]], message="the lease's lock held")
    return proc


def release_lease(pg, db, proc):
    held = "FROM pg_locks WHERE locktype = 'advisory' AND objid = %d" % LEASE_LOCK
    pg.psql(db, "SELECT pg_terminate_backend(pid) " + held)
    wait_for(lambda: pg.psql(db, "SELECT count(*) " + held) == [["0"]],
             message="the lease's lock given back")
    proc.wait(timeout=10)


def test_purge_on_postgresql_keeps_the_record_provable(make_daemon, pg):
    d, db = on_pg(make_daemon, pg, "seal_purge")
    done, still = activity(d)
    d.stop()
    # Not beside a receiver: it holds the lease's lock, and writes the chain.
    holder = hold_lease(pg, db)
    try:
        r = ctl("purge", "--before", "2099-01-01", config=d.config_path)
    finally:
        release_lease(pg, db, holder)
    assert r.returncode != 0 and "holds the database's lease" in r.stderr, r
    assert pg.psql(db, "SELECT count(*) FROM audit WHERE action = 'purge'") == [["0"]]
    r = ctl("purge", "--before", "2099-01-01", config=d.config_path)
    assert r.returncode == 0, r
    m = re.search(r": (\d+) events, (\d+) alarms \((\d+) notes, (\d+) commands, \d+ attached "
                  r"events\), (\d+) audit rows; checkpoint audit row (\d+)", r.stdout)
    assert m, r.stdout
    events, alarms, notes, commands, audit, checkpoint = map(int, m.groups())
    assert alarms == 1 and notes == 1 and commands >= 1 and events >= 2 and audit > 0
    assert [a[0] for a in pg.psql(db, "SELECT id FROM alarms")] == [str(still)]
    detail = pg.psql(db, "SELECT detail FROM audit WHERE id = %d" % checkpoint)[0][0]
    assert " resume=" in detail and "through=" in detail, detail
    code, last = verify(d.config_path)
    assert code == 0 and last.startswith("records intact: "), last

    # refuged carries on sealing after the purge, and verify still passes.
    d.start()
    op = d.operator("alice")
    assert op.call('NOTE %d "after the purge"' % still) == "OK"
    op.close()
    d.stop()
    code, last = verify(d.config_path)
    assert code == 0, last

    # Any other deletion is still found: a row written after the purge.
    (note,) = pg.psql(db, "SELECT id FROM alarm_notes WHERE alarm_id = %d" % still)[0]
    pg.psql(db, "DELETE FROM alarm_notes WHERE id = %s" % note)
    code, last = verify(d.config_path)
    assert code == 1 and last.startswith("records broken: alarm_notes row %s was deleted"
                                         % note), last


def literal(v):
    if v is None:
        return "NULL"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, bytes):
        return "'\\x%s'::bytea" % v.hex()
    return "'%s'" % v.replace("'", "''")


def copy_table(src, pg, db, table, columns, rowid=None):
    """Rows of an SQLite table into PostgreSQL, in rowid order, rowid kept
    as rid where given."""
    select = ", ".join(([rowid] if rowid else []) + columns)
    cols = ", ".join((["rid"] if rowid else []) + ['"user"' if c == "user" else c
                                                     for c in columns])
    rows = src.execute("SELECT %s FROM %s ORDER BY rowid" % (select, table)).fetchall()
    if rows:
        pg.psql(db, "INSERT INTO %s (%s) VALUES %s" % (
            table, cols, ", ".join("(%s)" % ", ".join(literal(v) for v in row)
                                   for row in rows)))
    return len(rows)


def test_a_database_from_sqlite_verifies_on_postgresql(make_daemon, pg):
    """The same rows give the same digests on either store: what refuged
    sealed on SQLite, copied as refugectl migrate copies it, verifies on
    PostgreSQL, and an edit there is still found."""
    d = make_daemon(config=QUIET)
    done, still = activity(d)
    d.stop()
    assert verify(d.config_path)[0] == 0
    target, db = on_pg(make_daemon, pg, "seal_from_sqlite", start=False)
    schema = sorted(glob.glob(os.path.join(REPO, "schema", "postgresql", "*.sql")))
    for path in schema:
        with open(path) as f:
            pg.psql(db, f.read())
    pg.psql(db, "CREATE TABLE refuge_schema (id INTEGER PRIMARY KEY CHECK (id = 1), "
                "version INTEGER NOT NULL); INSERT INTO refuge_schema VALUES (1, %d)"
            % len(schema))
    src = sqlite3.connect(d.db_path)
    tables = {
        "events": (None, ["id", "unit_id", "unit_event_id", "type", "priority", "source",
                          "unit_time_ms", "received_ms", "attributes"]),
        "alarms": (None, ["id", "event_id", "unit_id", "site_id", "type", "priority",
                          "state", "raised_ms", "count", "restored_ms", "claimed_by",
                          "claimed_ms", "first_claimed_ms", "resolved_by", "resolved_ms",
                          "outcome", "reason", "action", "note"]),
        "alarm_events": ("rowid", ["alarm_id", "event_id"]),
        "alarm_notes": (None, ["id", "alarm_id", "time_ms", "user", "text"]),
        "unit_commands": ("rowid", ["cmd_id", "unit_id", "alarm_id", "user", "command",
                                    "sent_ms", "result", "reason", "done_ms"]),
        "audit": (None, ["id", "time_ms", "user", "alarm_id", "action", "detail",
                         "prev_hash", "hash"]),
        "seal_entries": (None, ["audit_id", "tbl", "first", "last", "hash", "rows"]),
    }
    copied = {t: copy_table(src, pg, db, t, cols, rowid) for t, (rowid, cols) in tables.items()}
    (anchored,) = src.execute("SELECT anchored FROM seal_state").fetchone()
    src.close()
    assert all(copied[t] > 0 for t in tables), copied
    pg.psql(db, "UPDATE seal_state SET anchored = %d" % anchored)
    code, last = verify(target.config_path)
    assert code == 0 and last.startswith("records intact: "), last
    sealed = sum(n for t, n in copied.items() if t not in ("audit", "seal_entries"))
    assert int(last.split()[2]) >= sealed, last

    pg.psql(db, "UPDATE alarm_notes SET text = replace(text, 'Caf\u00e9', 'Cafe')")
    code, last = verify(target.config_path)
    assert code == 1 and re.match(r"records broken: alarm_notes row \d+ was changed", last), \
        last


def test_rows_from_before_sealing_are_anchored_in_pages(make_daemon, pg):
    """Rows there before sealing began (more than a page of rows, more than
    an entry holds) are sealed once, by the anchor, and verify reads them
    back a page at a time."""
    d, db = on_pg(make_daemon, pg, "seal_anchor")
    d.stop()
    pg.psql(db, "INSERT INTO events (unit_id, unit_event_id, type, priority, source, "
                "unit_time_ms, received_ms, attributes) SELECT 'HP-009', 'old' || n, "
                "'TEST', 5, 'unit', CASE WHEN n % 2 = 0 THEN NULL ELSE n END, "
                "1700000000000 + n, 'n=' || n FROM generate_series(1, 5000) AS n; "
                "UPDATE seal_state SET anchored = 0")
    d.start()
    d.stop()
    anchors = pg.psql(db, "SELECT id, detail FROM audit WHERE action = 'anchor'")
    assert len(anchors) == 1 and anchors[0][1].startswith("entries="), anchors
    runs = pg.psql(db, "SELECT last - first + 1 FROM seal_entries WHERE tbl = 'events' "
                       "AND audit_id = %s ORDER BY first" % anchors[0][0])
    assert [int(n) for (n,) in runs][:1] == [4096] and len(runs) >= 2, runs
    code, last = verify(d.config_path)
    assert code == 0 and int(last.split()[2]) >= 5000, last
    (old,) = pg.psql(db, "SELECT id FROM events WHERE unit_event_id = 'old4500'")[0]
    pg.psql(db, "UPDATE events SET attributes = 'n=4501' WHERE id = %s" % old)
    code, last = verify(d.config_path)
    assert code == 1 and last.startswith("records broken: events row %s was changed" % old), \
        last
    # A second start anchors nothing more.
    d.start()
    d.stop()
    assert len(pg.psql(db, "SELECT id FROM audit WHERE action = 'anchor'")) == 1
