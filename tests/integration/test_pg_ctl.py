"""Moving over to PostgreSQL with refugectl: migrate copies a SQLite
database whole (ids, audit chain, sequences) and checks it; verify and the
views read either store; backup and restore on PostgreSQL are pg_dump and
pg_restore."""

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile

import pytest

import pgcluster
from helpers import CommandedUnit, parse_alarm, raise_alarm, wait_for
from test_refugectl import ctl

QUIET = {"escalation": {"after": "1h"}}
pytestmark = [pytest.mark.refuge(config=QUIET), pytest.mark.own_database]

TABLES = ("units", "events", "alarms", "alarm_events", "alarm_notes",
          "unit_commands", "unit_tests", "audit", "seal_entries", "seal_state",
          "handover")


@pytest.fixture(scope="module")
def cluster():
    why = pgcluster.available()
    if why is not None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL cannot run here: %s" % why)
        pytest.skip(why)
    # Outside pytest's base directory: another pytest run makes that 0700
    # again, and the cluster's owner (postgres) could no longer reach it.
    top = tempfile.mkdtemp(prefix="refuge-pgctl-")
    c = pgcluster.PgCluster(os.path.join(top, "cluster"))
    try:
        c.start()
        yield c
    finally:
        c.destroy()
        shutil.rmtree(top, ignore_errors=True)


@contextlib.contextmanager
def lease_held(cluster, db, url):
    """A session holding the receivers' lease lock, as an active refuged does."""
    holder = subprocess.Popen(
        [os.path.join(pgcluster.PG_BIN, "psql"), "-X", "-q", "-d", url],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        text=True)
    try:
        holder.stdin.write("SELECT pg_advisory_lock(7400001);\n")
        holder.stdin.flush()
        wait_for(lambda: cluster.psql(db, "SELECT count(*) FROM pg_locks WHERE "
                                      "locktype = 'advisory' AND granted")[0][0] == "1",
                 timeout=10)
        yield
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)


def busy_day(d):
    """Events, alarms claimed, noted and resolved (one left open), unit
    commands, a test window, a handover note: rows in every table."""
    alice = d.operator("alice")
    bob = d.operator("bob")
    u = CommandedUnit(d, "HP-001")
    u.hello()
    a = raise_alarm(alice, u, "b1", "BUTTON")
    light = u.wait_command("LIGHT", "FLASH")
    u.send("DONE %s" % light)
    alice.wait_push("CMD %s done" % light)
    assert alice.call("CLAIM %d" % a["id"]).startswith("OK")
    assert alice.call('NOTE %d "Caller shaken, police on the way"' % a["id"]) == "OK"
    assert alice.call("RESOLVE %d genuine action=police" % a["id"]) == "OK"
    b = raise_alarm(alice, u, "t1", "TAMPER")
    assert u.event("t2", "TAMPER") == "ACK t2"
    alice.wait_push("ALARM %d" % b["id"], "count=2")
    assert alice.call("CLAIM %d" % b["id"]).startswith("OK")
    assert bob.call("TESTMODE HP-002 1h").startswith("OK")
    assert bob.call("HANDOVER \"Quiet night\"") == "OK"
    for i in range(20):
        assert u.event("e%d" % i, "TEST") == "ACK e%d" % i
    u.close()
    alice.close()
    bob.close()
    return a["id"], b["id"]


def sqlite_rows(d, sql):
    conn = sqlite3.connect(d.db_path)
    try:
        return [[("" if v is None else str(v)) for v in row]
                for row in conn.execute(sql).fetchall()]
    finally:
        conn.close()


def pg_config(d, url):
    """A refuge.yaml beside d's naming the PostgreSQL database."""
    with open(d.config_path) as f:
        text = f.read()
    text, n = re.subn(r"(?m)^database:.*$", 'database: "%s"' % url, text)
    assert n == 1, text
    path = os.path.join(d.dir, "refuge-pg.yaml")
    with open(path, "w") as f:
        f.write(text)
    return path


def counts_pg(cluster, db):
    return {t: int(cluster.psql(db, "SELECT count(*) FROM %s" % t)[0][0])
            for t in TABLES}


def counts_sqlite(d):
    return {t: int(sqlite_rows(d, "SELECT count(*) FROM %s" % t)[0][0])
            for t in TABLES}


def migrated(make_daemon, cluster, name, edit=None):
    d = make_daemon()
    ids = busy_day(d)
    d.stop()
    if edit is not None:
        conn = sqlite3.connect(d.db_path)
        with conn:
            conn.execute(edit)
        conn.close()
    url = cluster.create_database(name)
    r = ctl("migrate", "--to", url, config=d.config_path)
    assert r.returncode == 0, r
    assert r.stderr == "", r.stderr
    return d, url, ids, r


def test_migrate_copies_every_table_and_the_chain(make_daemon, cluster):
    # COPY's specials in a text (handover notes are not sealed).
    d, url, (resolved, claimed), r = migrated(
        make_daemon, cluster, "m1", edit="INSERT INTO handover (time_ms, user, text) "
        "VALUES (1, 'bob', 'tab\there' || char(10) || 'line \\N back\\slash')")
    assert "row counts equal in all 11 tables" in r.stdout, r.stdout
    assert re.search(r"audit chain intact on PostgreSQL: \d+ rows, last row \d+ hash "
                     r"[0-9a-f]{64} as on SQLite", r.stdout), r.stdout
    before = counts_sqlite(d)
    assert counts_pg(cluster, "m1") == before
    assert before["events"] > 20 and before["alarm_notes"] == 1
    assert before["unit_commands"] >= 1 and before["unit_tests"] == 1
    assert before["handover"] == 2 and before["audit"] > 5
    assert cluster.psql("m1", "SELECT id, time_ms, \"user\", replace(text, chr(10), '<nl>') "
                        "FROM handover ORDER BY id") == \
        sqlite_rows(d, "SELECT id, time_ms, user, replace(text, char(10), '<nl>') "
                    "FROM handover ORDER BY id")
    # The chain row for row, with its hashes; the rows with their ids.
    assert cluster.psql("m1", 'SELECT id, time_ms, "user", alarm_id, action, detail, '
                        "prev_hash, hash FROM audit ORDER BY id") == \
        sqlite_rows(d, "SELECT id, time_ms, user, alarm_id, action, detail, prev_hash, "
                    "hash FROM audit ORDER BY id")
    assert cluster.psql("m1", "SELECT rid, alarm_id, event_id FROM alarm_events "
                        "ORDER BY rid") == \
        sqlite_rows(d, "SELECT rowid, alarm_id, event_id FROM alarm_events ORDER BY rowid")
    cols = ("id, event_id, unit_id, site_id, type, priority, state, raised_ms, count, "
            "restored_ms, claimed_by, claimed_ms, first_claimed_ms, resolved_by, "
            "resolved_ms, outcome, reason, action, note")
    alarms = sqlite_rows(d, "SELECT %s FROM alarms ORDER BY id" % cols)
    assert cluster.psql("m1", "SELECT %s FROM alarms ORDER BY id" % cols) == alarms
    assert [(a[0], a[6]) for a in alarms] == [(str(resolved), "resolved"),
                                              (str(claimed), "queued")]
    cols = 'cmd_id, unit_id, alarm_id, "user", command, sent_ms, result, reason, done_ms'
    assert cluster.psql("m1", "SELECT rid, %s FROM unit_commands ORDER BY rid" % cols) == \
        sqlite_rows(d, "SELECT rowid, %s FROM unit_commands ORDER BY rowid" % cols)
    assert cluster.psql("m1", "SELECT audit_id, tbl, first, last, hash, encode(rows, 'hex') "
                        "FROM seal_entries ORDER BY audit_id, tbl, first") == \
        sqlite_rows(d, "SELECT audit_id, tbl, first, last, hash, lower(hex(rows)) "
                    "FROM seal_entries ORDER BY audit_id, tbl, first")
    # verify on a refuge.yaml naming the PostgreSQL database passes.
    config = pg_config(d, url)
    r = ctl("verify", config=config)
    assert r.returncode == 0, r
    assert "audit chain intact: %d rows" % before["audit"] in r.stdout, r.stdout
    # The copied seals check out, or the backend says plainly it keeps none.
    last = r.stdout.splitlines()[-1]
    assert last.startswith("records intact: ") or last.startswith(
        "records not checked: the postgresql backend seals no rows"), last
    # The sequences run past the copied ids: the next event gets a new one
    # (a row verify would now find unsealed).
    top = int(sqlite_rows(d, "SELECT max(id) FROM events")[0][0])
    (new,) = cluster.psql("m1", "INSERT INTO events (unit_id, unit_event_id, type, "
                          "priority, source, received_ms) VALUES ('HP-009', 'x', 'TEST', "
                          "5, 'unit', 1) RETURNING id")[0]
    assert int(new) == top + 1
    # The password of a URL is never printed (there is none here, but the user is).
    assert "postgres@127.0.0.1" in ctl("check", "--database", config=config).stdout


def test_views_read_postgresql(make_daemon, cluster):
    d, url, (resolved, claimed), _ = migrated(make_daemon, cluster, "m2")
    config = pg_config(d, url)
    for args, want in ((("alarms",), "TAMPER"), (("units",), "HP-001"),
                       (("history", "HP-001", "5"), "e19"),
                       (("incident", str(resolved)), "Caller shaken"),
                       (("report",), "BUTTON")):
        on_sqlite = ctl(*args, config=d.config_path)
        on_pg = ctl(*args, config=config)
        assert on_pg.returncode == 0, (args, on_pg)
        assert want in on_pg.stdout, (args, on_pg.stdout)
        assert comparable(on_pg.stdout) == comparable(on_sqlite.stdout), args


def comparable(text):
    """A view's text without the time it was printed, and without the
    seals' line while PostgreSQL keeps no seals (said plainly instead)."""
    lines = []
    for line in text.splitlines():
        if line.startswith("Printed ") or " printed " in line.lower():
            continue
        if "records: not checked: the postgresql backend seals no rows" in line or \
                "records: intact" in line:
            continue
        lines.append(line)
    return lines


# More events than one COPY chunk holds (256 KiB), so the stream is sent in parts.
MANY = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 6000) "
        "INSERT INTO events (unit_id, unit_event_id, type, priority, source, received_ms, "
        "attributes) SELECT 'HP-005', 'many' || i, 'TEST', 5, 'unit', i, "
        "'text=\"a longer attribute to fill the chunk sooner, ' || i || '\"' FROM n")


def test_migrate_is_refused_into_a_database_with_rows(make_daemon, cluster):
    d, url, _, _ = migrated(make_daemon, cluster, "m3", edit=MANY)
    assert counts_pg(cluster, "m3") == counts_sqlite(d)
    assert int(cluster.psql("m3", "SELECT count(*) FROM events WHERE unit_id = 'HP-005'")
               [0][0]) == 6000
    before = counts_pg(cluster, "m3")
    r = ctl("migrate", "--to", url, config=d.config_path)
    assert r.returncode == 1
    assert "not empty" in r.stderr and "nothing was copied" in r.stderr, r
    assert counts_pg(cluster, "m3") == before
    # Nor from a database refuged is using.
    d.start()
    other = cluster.create_database("m3b")
    r = ctl("migrate", "--to", other, "--from", d.db_path)
    assert r.returncode == 1 and "stop refuged" in r.stderr, r
    assert cluster.psql("m3b", "SELECT count(*) FROM information_schema.tables "
                        "WHERE table_name = 'events'") == [["0"]]


def test_backup_and_restore_round_trip_on_postgresql(make_daemon, cluster, tmp_path):
    d, url, _, _ = migrated(make_daemon, cluster, "m4")
    config = pg_config(d, url)
    before = counts_pg(cluster, "m4")
    dump = str(tmp_path / "refuge.dump")
    r = ctl("backup", dump, config=config)
    assert r.returncode == 0, r
    assert os.stat(dump).st_mode & 0o077 == 0
    with open(dump, "rb") as f:
        assert f.read(5) == b"PGDMP"
    assert ctl("backup", dump, config=config).returncode == 1	# never overwritten
    cluster.psql("m4", "DELETE FROM alarm_notes; DELETE FROM handover")
    assert counts_pg(cluster, "m4") != before
    # Refused while a receiver holds the lease (its advisory lock).
    with lease_held(cluster, "m4", url):
        r = ctl("restore", dump, config=config)
        assert r.returncode == 1 and "holds" in r.stderr and "stop refuged" in r.stderr, r
        assert counts_pg(cluster, "m4") != before
    r = ctl("restore", dump, config=config)
    assert r.returncode == 0, r
    assert counts_pg(cluster, "m4") == before
    r = ctl("verify", config=config)
    assert r.returncode == 0, r


def test_a_failed_copy_leaves_nothing(make_daemon, cluster):
    # A note of an alarm that does not exist: PostgreSQL's reference check
    # stops the copy half-way, and the whole transaction goes.
    d = make_daemon()
    busy_day(d)
    d.stop()
    conn = sqlite3.connect(d.db_path)
    with conn:
        conn.execute(MANY)
        conn.execute("INSERT INTO alarm_notes (alarm_id, time_ms, user, text) "
                     "VALUES (999, 1, 'alice', 'orphan')")
    conn.close()
    url = cluster.create_database("m5")
    r = ctl("migrate", "--to", url, config=d.config_path)
    assert r.returncode == 1
    assert "alarm_notes" in r.stderr and "nothing was copied" in r.stderr, r
    assert "\n;" not in r.stderr
    counts = counts_pg(cluster, "m5")
    assert counts.pop("seal_state") == 1 and set(counts.values()) == {0}, counts
    # Nor into a database a receiver is active on.
    other = cluster.create_database("m5b")
    with lease_held(cluster, "m5b", other):
        r = ctl("migrate", "--to", other, config=d.config_path)
        assert r.returncode == 1 and "stop refuged" in r.stderr, r


def test_refuged_carries_on_from_the_migrated_database(make_daemon, cluster):
    d, url, (resolved, queued), _ = migrated(make_daemon, cluster, "m6")
    chain = int(cluster.psql("m6", "SELECT count(*) FROM audit")[0][0])
    top = int(cluster.psql("m6", "SELECT max(id) FROM events")[0][0])
    pg = make_daemon(config=dict(QUIET, database=url))
    alice = pg.operator("alice")
    # The stack rebuilt from what was copied: the alarm left open is there.
    assert [a["id"] for a in alice.alarms()] == [queued]
    u = pg.unit("HP-003")
    u.hello()
    a = raise_alarm(alice, u, "after1", "BUTTON")
    assert a["id"] > queued
    assert alice.call("CLAIM %d" % a["id"]).startswith("OK")
    assert alice.call("RESOLVE %d false reason=test" % a["id"]) == "OK"
    u.close()
    alice.close()
    pg.stop()
    (new,) = cluster.psql("m6", "SELECT id FROM events WHERE unit_event_id = 'after1'")[0]
    assert int(new) > top
    r = ctl("verify", config=pg.config_path)
    assert r.returncode == 0, r
    m = re.search(r"audit chain intact: (\d+) rows", r.stdout)
    assert m and int(m.group(1)) > chain, r.stdout
