"""The record that proves itself: refugectl verify finds an edit, a deletion
or an insertion in the events, alarms, notes and commands (not only in the
audit table), and, given a head refuged logged earlier, a cut tail. Rows
written by a release before sealing are anchored at the upgrade."""

import os
import re
import shutil
import sqlite3

import pytest

from test_refugectl import ctl
from test_upgrade import FIXTURE, QUIET
from helpers import CommandedUnit, raise_alarm, wait_for


def handled(d):
    """A press claimed, noted and resolved genuine, and a TEST event."""
    op = d.operator("alice")
    u = CommandedUnit(d, "HP-002")
    u.hello()
    a = raise_alarm(op, u, "b1", "BUTTON")
    assert u.event("t1", "TEST") == "ACK t1"
    assert op.call("CLAIM %d" % a["id"]).startswith("OK")
    assert op.call('NOTE %d "Caller shaken, police on the way"' % a["id"]) == "OK"
    assert op.call("RESOLVE %d genuine action=police" % a["id"]) == "OK"
    u.close()
    op.close()
    return a["id"]


def edit(d, sql):
    conn = sqlite3.connect(d.db_path)
    with conn:
        conn.execute(sql)
    conn.close()


def verify(d, *args):
    r = ctl("verify", *args, config=d.config_path)
    lines = r.stdout.splitlines()
    return r.returncode, lines[-1] if lines else r.stderr


@pytest.mark.sqlite_only
def test_intact_then_an_edited_outcome_is_found(make_daemon):
    d = make_daemon()
    alarm = handled(d)
    d.stop()
    code, last = verify(d)
    assert code == 0 and last.startswith("records intact: "), last
    edit(d, "UPDATE alarms SET outcome = 'false', reason = 'accidental', action = NULL "
            "WHERE id = %d" % alarm)
    code, last = verify(d)
    assert code == 1
    assert last.startswith("records broken: alarms row %d was changed after it was sealed "
                           "(sealed in audit row " % alarm), last


@pytest.mark.sqlite_only
def test_a_deleted_event_is_found(make_daemon):
    d = make_daemon()
    handled(d)
    d.stop()
    (victim,) = d.query("SELECT id FROM events WHERE unit_event_id = 't1'")[0]
    edit(d, "DELETE FROM events WHERE id = %d" % victim)
    code, last = verify(d)
    assert code == 1 and last.startswith("records broken: events row %d was deleted" % victim), last


@pytest.mark.sqlite_only
def test_an_inserted_row_is_found(make_daemon):
    d = make_daemon()
    alarm = handled(d)
    d.stop()
    edit(d, "INSERT INTO alarm_notes (alarm_id, time_ms, user, text) "
            "VALUES (%d, 1, 'alice', 'added later')" % alarm)
    code, last = verify(d)
    assert code == 1
    assert re.match(r"records broken: alarm_notes row \d+ was added outside refuged", last), last


@pytest.mark.sqlite_only
def test_edited_seal_entries_are_found(make_daemon):
    d = make_daemon()
    alarm = handled(d)
    d.stop()
    # Re-sealing an edit by hand: the seal's digest in the chain no longer matches.
    edit(d, "UPDATE alarms SET note = 'nothing happened' WHERE id = %d" % alarm)
    edit(d, "UPDATE seal_entries SET hash = 'x' WHERE tbl = 'alarms' AND first = %d" % alarm)
    code, last = verify(d)
    assert code == 1 and re.match(r"records broken: audit row \d+ \(seal\): its seal entries "
                                  r"were changed", last), last


@pytest.mark.sqlite_only
def test_the_head_refuged_logs_catches_a_cut_tail(make_daemon):
    d = make_daemon()
    handled(d)
    # refuged logs the head on every resolution.
    m = wait_for(lambda: re.findall(r"audit head id=(\d+) hash=([0-9a-f]{64})", d.log_text()),
                 message="the audit head in the log")
    head_id, head = m[-1]
    d.stop()
    code, last = verify(d, "--head", head)
    assert code == 0, last
    assert "head %s is row %s: nothing cut from the end" % (head, head_id) in \
        ctl("verify", "--head", head, config=d.config_path).stdout
    edit(d, "DELETE FROM audit WHERE id >= %s" % head_id)
    code, last = verify(d, "--head", head)
    assert code == 1 and last.startswith("audit chain cut: the head %s" % head), last
    r = ctl("verify", "--head", "abc", config=d.config_path)
    assert r.returncode == 2 and "--head wants the 64 hex digits" in r.stderr


@pytest.mark.sqlite_only
def test_rows_from_before_sealing_are_anchored(make_daemon):
    d = make_daemon(config=QUIET, start=False)
    shutil.copyfile(FIXTURE, d.db_path)
    d.start()
    d.stop()
    anchors = d.query("SELECT id, detail FROM audit WHERE action = 'anchor'")
    assert len(anchors) == 1 and anchors[0][1].startswith("entries="), anchors
    code, last = verify(d)
    assert code == 0, last
    # A row written by the old release is covered by the anchor.
    (old_event,) = d.query("SELECT min(id) FROM events")[0]
    edit(d, "UPDATE events SET type = 'TEST' WHERE id = %d" % old_event)
    code, last = verify(d)
    assert code == 1 and last.startswith("records broken: events row %d was changed" %
                                         old_event), last
    # A second start anchors nothing more.
    edit(d, "UPDATE events SET type = (SELECT type FROM events WHERE 0) WHERE 0")
    d.start()
    d.stop()
    assert len(d.query("SELECT id FROM audit WHERE action = 'anchor'")) == 1


def test_alarm_lines_in_the_log(make_daemon):
    """Each alarm raised, claimed and resolved is one info line naming the
    alarm, the unit and who; lines begin with the local time off systemd."""
    d = make_daemon()
    alarm = handled(d)
    raised = d.wait_log("alarm=%d raised unit=HP-002 site=racecourse type=BUTTON priority=1"
                        % alarm)
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d refuged: alarm=",
                    raised), raised
    d.wait_log("alarm=%d claimed unit=HP-002 type=BUTTON by=alice" % alarm)
    d.wait_log("alarm=%d resolved unit=HP-002 type=BUTTON by=alice outcome=genuine "
               "action=police" % alarm)
