"""A database of the release before (tests/fixtures/refuge-0.1.0.db, made by
tests/fixtures/make-refuge-0.1.0-db.py) starts on this build with no manual
step: its schema is brought up to date, its alarms, claims and events are
there, new ones follow on, and its audit chain goes on unbroken."""

import glob
import os
import shutil
import sqlite3
import subprocess

import pytest

from conftest import ROOT, SANITIZER_MARKS, build_dir
from helpers import parse_line, raise_alarm

pytestmark = pytest.mark.sqlite_only	# about the SQLite file itself

FIXTURE = os.path.join(ROOT, "tests", "fixtures", "refuge-0.1.0.db")
MIGRATIONS = sorted(glob.glob(os.path.join(ROOT, "schema", "sqlite", "[0-9]*.sql")))
# Carol's stored claim stays hers while the receiver has run less than this.
QUIET = {"escalation": {"after": "1h"}}


def ctl(config, *args):
    path = os.path.join(build_dir(), "refugectl")
    if not os.access(path, os.X_OK):
        pytest.fail("no executable %s (set REFUGE_BUILD to the build directory)" % path)
    r = subprocess.run([path, "-c", config] + list(args), capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=30, cwd="/")
    for mark in SANITIZER_MARKS:
        assert mark not in r.stderr, r.stderr
    return r


def read(path, sql):
    conn = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_a_0_1_0_database_starts_on_this_build(make_daemon):
    assert read(FIXTURE, "PRAGMA user_version") == [(2,)]
    old_audit = read(FIXTURE, "SELECT * FROM audit ORDER BY id")
    old_events = read(FIXTURE, "SELECT id, unit_id, unit_event_id FROM events")
    assert len(old_audit) > 5 and len(old_events) == 7

    d = make_daemon(config=QUIET, start=False)
    shutil.copyfile(FIXTURE, d.db_path)
    d.start()
    assert d.query("PRAGMA user_version")[0][0] == len(MIGRATIONS)

    alice = d.operator("alice")
    stack = [(a["type"], a["unit"], a["state"], a["restored"], a["by"]) for a in alice.alarms()]
    assert stack == [("BUTTON", "HP-002", "claimed", False, "carol"),
                     ("TAMPER", "HP-001", "queued", True, None)], stack
    data, final = alice.request("HISTORY HP-001")
    assert final == "OK %d" % len(data), final
    history = [parse_line(l) for l in data]
    assert [(w[1], w[2]) for w, f in history if "source" not in f] == \
        [("f4", "BUTTON"), ("f3", "TAMPER_RESTORE"), ("f2", "TAMPER"), ("f1", "TEST")]
    assert {w[1]: f for w, f in history}["f2"]["door"] == "forced"
    data, final = alice.request("STATS")
    assert final == "OK", final
    totals = [parse_line(l)[1] for l in data if l.startswith("STAT alarms ")][0]
    assert (totals["total"], totals["open"], totals["genuine"], totals["false"]) == \
        ("3", "2", "1", "0"), totals
    units = alice.units()
    # Last heard as the old release stored it; HP-004 never connected.
    assert [units[u]["last_seen"] != "-" for u in ("HP-001", "HP-002", "HP-004")] == \
        [True, True, False], units

    # A resend of an event the old release stored is not stored again; new
    # events, alarms and their handling follow on the old rows.
    hp1 = d.commanded_unit("HP-001")
    hp1.hello(fw="1.1")
    assert hp1.event("f2", "TAMPER", "at=1764000001000", "door=forced") == "ACK f2"
    press = raise_alarm(alice, hp1, "f5", "BUTTON")
    assert alice.call("CLAIM %d" % press["id"]).startswith("OK")
    assert alice.call("RESOLVE %d false reason=test" % press["id"]) == "OK"
    tamper = [a for a in alice.alarms() if a["type"] == "TAMPER"][0]
    assert alice.call("CLAIM %d" % tamper["id"]).startswith("OK")
    assert alice.call("RESOLVE %d genuine action=advice" % tamper["id"]) == "OK"
    assert [(a["type"], a["by"]) for a in alice.alarms()] == [("BUTTON", "carol")]
    hp1.close()
    alice.close()
    assert d.stop() == 0

    rows = d.query("SELECT id, unit_id, unit_event_id FROM events ORDER BY id")
    assert [tuple(r) for r in rows[:len(old_events)]] == sorted(old_events)
    assert [r["unit_event_id"] for r in d.events("HP-001")] == ["f1", "f2", "f3", "f4", "f5"]
    assert d.query("SELECT count FROM alarms WHERE type = 'TAMPER'")[0][0] == 1
    assert [tuple(r) for r in d.query("SELECT * FROM audit ORDER BY id")][:len(old_audit)] \
        == old_audit, "the old audit rows changed"

    r = ctl(d.config_path, "verify")
    audit = d.query("SELECT id, hash FROM audit ORDER BY id")
    assert len(audit) > len(old_audit)
    assert r.returncode == 0 and r.stdout.splitlines() == [
        "audit chain intact: %d rows" % len(audit),
        "last row %d hash %s" % (audit[-1][0], audit[-1][1]),
        # The old release's rows are covered by the anchor made at the upgrade.
        "records intact: %d rows of events, alarms, notes and commands match their "
        "seals" % sum(d.query("SELECT count(*) FROM %s" % t)[0][0] for t in
                      ("events", "alarm_events", "alarm_notes", "alarms",
                       "unit_commands"))], r
    r = ctl(d.config_path, "alarms")
    assert r.returncode == 0, r
    open_rows = [l.split() for l in r.stdout.splitlines()[1:]]
    assert [row[2:5] for row in open_rows] == [["claimed", "BUTTON", "HP-002"]], r.stdout
