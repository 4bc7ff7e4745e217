"""refuged on PostgreSQL: one receiver with `database: postgresql://...`
(no receiver pair): events stored once, the alarm's life, the record's
reads (DETAIL, SEARCH, HANDOVER), a restart that restores the stack, and
refugectl's read-only views, each checked in PostgreSQL itself."""

import itertools
import os
import shutil
import subprocess
import tempfile

import pytest

import pgcluster
from conftest import SANITIZER_MARKS, build_dir
from helpers import parse_alarm, parse_line, raise_alarm, wait_for

# Its own PostgreSQL clusters: once, not again in the PostgreSQL rerun.
pytestmark = pytest.mark.own_database

QUIET = {"escalation": {"after": "1h"}}
_names = itertools.count(1)


@pytest.fixture(scope="module")
def cluster():
    why = pgcluster.available()
    if why is not None:
        pytest.skip(why)
    # Not under pytest's base directory: another pytest run starting
    # meanwhile makes /tmp/pytest-of-<user> 0700 again, and the cluster's
    # owner (postgres) could no longer reach its files.
    top = tempfile.mkdtemp(prefix="refuge-pg-")
    c = pgcluster.PgCluster(os.path.join(top, "cluster"))
    try:
        c.start()
        yield c
    finally:
        c.destroy()
        shutil.rmtree(top, ignore_errors=True)


@pytest.fixture
def pg(cluster, make_daemon):
    """A receiver on a database of its own: (daemon, database name)."""
    name = "store%d" % next(_names)
    url = cluster.create_database(name)
    d = make_daemon(config=dict(QUIET, database=url))
    return d, name


def rows(cluster, name, sql):
    return cluster.psql(name, sql)


def ctl(daemon, *args):
    r = subprocess.run([os.path.join(build_dir(), "refugectl"), "-c",
                        daemon.config_path] + list(args), capture_output=True,
                       text=True, timeout=30, cwd="/")
    for mark in SANITIZER_MARKS:
        assert mark not in r.stderr, r.stderr
    return r


def test_started_on_postgresql_without_a_file(pg):
    d, name = pg
    d.wait_log("database:", "no integrity check")
    assert not os.path.exists(d.db_path), "an SQLite file was made beside"


def test_commit_of_a_failed_transaction_fails(cluster):
    """PostgreSQL answers COMMIT of a transaction with a failed statement
    as a success tagged ROLLBACK: the store must call it a failure (so
    nothing is acknowledged), and nothing of it is stored."""
    name = "store%d" % next(_names)
    url = cluster.create_database(name)
    probe = os.path.join(build_dir(), "tests", "pg_commit_probe")
    r = subprocess.run([probe, url], capture_output=True, text=True,
                       timeout=60)
    for mark in SANITIZER_MARKS:
        assert mark not in r.stderr, r.stderr
    assert r.returncode == 0, r
    assert "commit=-1" in r.stdout and "rolled back" in r.stdout, r.stdout
    assert rows(cluster, name,
                "SELECT count(*) FROM units WHERE id = 'HP-PROBE'") == [["0"]]


def test_events_acked_and_stored_once(cluster, pg):
    d, name = pg
    unit = d.unit("HP-001")
    unit.hello(fw="2.1.0")
    assert unit.event("e1", "TEST") == "ACK e1"
    assert unit.event("e2", "BATTERY_LOW", "at=1700000000123", "zone=front") == \
        "ACK e2"
    # A retransmission (the ACK lost) is ACKed again and stored once.
    assert unit.event("e1", "TEST") == "ACK e1"
    again = d.unit("HP-001")
    again.hello()
    assert again.event("e2", "BATTERY_LOW", "at=1700000000123", "zone=front") == \
        "ACK e2"
    got = rows(cluster, name, "SELECT unit_event_id, type, source, "
               "coalesce(unit_time_ms, -1), attributes FROM events "
               "WHERE unit_id = 'HP-001' AND source = 'unit' ORDER BY id")
    assert [r[:4] for r in got] == [["e1", "TEST", "unit", "-1"],
                                    ["e2", "BATTERY_LOW", "unit", "1700000000123"]], got
    assert "zone=front" in got[1][4] and "at=" not in got[1][4], got
    unit_row = rows(cluster, name, "SELECT state, firmware, last_seen_ms > 0 "
                    "FROM units WHERE id = 'HP-001'")
    assert unit_row == [["online", "2.1.0", "t"]], unit_row
    # HISTORY reads them back, newest first.
    op = d.operator("alice")
    data, final = op.ok("HISTORY HP-001")
    ids = [parse_line(l)[0][1] for l in data if l.startswith("EVENT ")]
    assert ids[:2] == ["e2", "e1"], data


def test_alarm_claim_note_resolve_detail_search(cluster, pg):
    d, name = pg
    alice = d.operator("alice")
    unit = d.commanded_unit("HP-001")
    unit.hello()
    a = raise_alarm(alice, unit, "b1", "BUTTON")
    assert a["state"] == "queued" and a["unit"] == "HP-001"
    assert [x["id"] for x in alice.alarms()] == [a["id"]]
    # A repeat attaches to the open alarm: count 2, one alarm_events row.
    assert unit.event("b2", "BUTTON") == "ACK b2"
    wait_for(lambda: rows(cluster, name, "SELECT count FROM alarms WHERE id = %d"
                          % a["id"]) == [["2"]], message="repeat not attached")
    assert rows(cluster, name, "SELECT count(*) FROM alarm_events WHERE "
                "alarm_id = %d" % a["id"]) == [["1"]]

    assert alice.call("CLAIM %d" % a["id"]) == "OK"
    assert rows(cluster, name, "SELECT state, claimed_by, first_claimed_ms > 0 "
                "FROM alarms WHERE id = %d" % a["id"]) == [["claimed", "alice", "t"]]
    assert alice.call('NOTE %d "Caller on the line"' % a["id"]) == "OK"
    assert alice.call('RESOLVE %d genuine action=ambulance "Sent"' % a["id"]) == "OK"
    assert rows(cluster, name, "SELECT state, outcome, action, note, resolved_by, "
                "coalesce(claimed_by, '-') FROM alarms WHERE id = %d" % a["id"]) == \
        [["resolved", "genuine", "ambulance", "Sent", "alice", "-"]]
    assert rows(cluster, name, 'SELECT "user", text FROM alarm_notes WHERE '
                "alarm_id = %d" % a["id"]) == [["alice", "Caller on the line"]]
    actions = [r[0] for r in rows(cluster, name, "SELECT action FROM audit WHERE "
                                  "alarm_id = %d ORDER BY id" % a["id"])]
    assert actions[0] == "raise" and "claim" in actions and "resolve" in actions, \
        actions
    # The activation's command is stored with the alarm, and its result.
    light = unit.wait_command("LIGHT", "FLASH")
    assert rows(cluster, name, "SELECT alarm_id, coalesce(result, '-') FROM "
                "unit_commands WHERE cmd_id = '%s'" % light) == [[str(a["id"]), "-"]]
    unit.send("DONE %s" % light)
    wait_for(lambda: rows(cluster, name, "SELECT result, done_ms > 0 FROM "
                          "unit_commands WHERE cmd_id = '%s'" % light) ==
             [["done", "t"]], message="command result not stored")
    data, final = alice.ok("STATS")
    totals = [parse_line(l)[1]["total"] for l in data
              if parse_line(l)[0][:2] == ["STAT", "alarms"]]
    assert totals == ["1"], data

    data, final = alice.ok("DETAIL %d" % a["id"])
    alarm = parse_alarm(data[0])
    assert (alarm["id"], alarm["state"], alarm["outcome"]) == \
        (a["id"], "resolved", "genuine"), data
    events = [parse_line(l)[0][1] for l in data if l.startswith("EVENT ")]
    assert events == ["b1", "b2"], data
    assert any(l.startswith("LOG ") and " note " in l for l in data), data
    assert alice.call("DETAIL 999999").startswith("ERR ")

    t = raise_alarm(alice, unit, "t1", "TAMPER")
    data, final = alice.ok("SEARCH")
    assert [parse_alarm(l)["id"] for l in data] == [t["id"], a["id"]], data
    data, final = alice.ok("SEARCH outcome=open")
    assert [parse_alarm(l)["id"] for l in data] == [t["id"]], data
    data, final = alice.ok("SEARCH by=alice type=BUTTON since=1h")
    assert [parse_alarm(l)["id"] for l in data] == [a["id"]], data
    data, final = alice.ok("SEARCH unit=HP-002")
    assert data == [] and final == "OK 0", (data, final)


def test_handover(cluster, pg):
    d, name = pg
    alice = d.operator("alice")
    assert alice.call('HANDOVER "Gate 3 camera is down"') == "OK"
    assert rows(cluster, name, 'SELECT "user", text FROM handover') == \
        [["alice", "Gate 3 camera is down"]]
    later = d.operator("carol")
    push = later.wait_push("HANDOVER", "by=alice")
    assert parse_line(push)[0][1] == "Gate 3 camera is down"


def test_restart_restores_open_alarms(cluster, pg, make_daemon):
    d, name = pg
    alice = d.operator("alice")
    unit = d.commanded_unit("HP-002")
    unit.hello()
    a = raise_alarm(alice, unit, "r1", "BUTTON")
    assert alice.call("CLAIM %d" % a["id"]) == "OK"
    b = raise_alarm(alice, unit, "r2", "TAMPER")
    assert unit.event("r3", "TAMPER") == "ACK r3"	# a repeat: count 2
    boss = d.operator("bob")
    assert boss.call("TESTMODE HP-005 1h").startswith("OK")
    boss.close()
    unit.close()
    alice.close()
    # alice's claim goes with her connection (released, stored as queued).
    wait_for(lambda: rows(cluster, name, "SELECT state FROM alarms WHERE id = %d"
                          % a["id"]) == [["queued"]], message="claim not released")
    assert d.stop() == 0

    again = make_daemon(directory=d.dir)
    bob = again.operator("bob")
    got = {x["id"]: x for x in bob.alarms()}
    assert set(got) == {a["id"], b["id"]}, got
    assert got[a["id"]]["state"] == "queued" and got[b["id"]]["state"] == "queued"
    assert (got[a["id"]]["count"], got[b["id"]]["count"]) == (1, 2), got
    assert bob.call("CLAIM %d" % a["id"]) == "OK"
    # The test window and the units' rows came back too.
    units = bob.units()
    assert "test_until" in units["HP-005"] and "test_until" not in units["HP-002"]
    # New alarms carry on from the stored ids; events stay unique.
    unit = again.commanded_unit("HP-003")
    unit.hello()
    c = raise_alarm(bob, unit, "r4", "BUTTON")
    assert c["id"] > b["id"]
    assert rows(cluster, name, "SELECT count(*) FROM alarms") == [["3"]]


def test_refugectl_views(cluster, pg):
    d, name = pg
    alice = d.operator("alice")
    unit = d.commanded_unit("HP-004")
    unit.hello()
    a = raise_alarm(alice, unit, "v1", "BUTTON")
    assert unit.event("v2", "TEST") == "ACK v2"

    r = ctl(d, "alarms")
    assert r.returncode == 0, r
    lines = r.stdout.splitlines()
    assert lines[0].split()[:4] == ["ID", "PRIO", "STATE", "TYPE"], lines
    assert lines[1].split()[:5] == [str(a["id"]), "1", "queued", "BUTTON",
                                    "HP-004"], lines
    r = ctl(d, "history", "HP-004", "1")
    assert r.returncode == 0, r
    lines = r.stdout.splitlines()
    assert len(lines) == 2 and lines[1].split()[1:4] == ["v2", "TEST", "unit"], lines
    r = ctl(d, "units")
    assert r.returncode == 0, r
    assert any(l.split()[:2] == ["HP-004", "online"] for l in r.stdout.splitlines()), \
        r.stdout
    r = ctl(d, "report", "--since", "1h", "--format", "csv")
    assert r.returncode == 0, r
    assert "total,alarms,1" in r.stdout.replace(" ", ""), r.stdout
    r = ctl(d, "check", "--database")
    assert "not checked" in r.stdout, r
