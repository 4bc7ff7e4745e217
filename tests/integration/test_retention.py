"""Retention: refugectl purge deletes what is older than --before and writes
a checkpoint into the audit chain, so verify still passes, and still finds
any deletion the purge did not make; the chain's purged start is accepted
only where the checkpoint says it resumes."""

import re
import sqlite3

import pytest

from test_refugectl import ctl
from helpers import CommandedUnit, raise_alarm


def activity(d):
    """A resolved press with a note, an open tamper, and two TEST events."""
    op = d.operator("alice")
    u = CommandedUnit(d, "HP-002")
    u.hello()
    done = raise_alarm(op, u, "b1", "BUTTON")
    assert u.event("t1", "TEST") == "ACK t1"
    assert op.call("CLAIM %d" % done["id"]).startswith("OK")
    assert op.call('NOTE %d "Spoke to the caller"' % done["id"]) == "OK"
    assert op.call("RESOLVE %d false reason=accidental" % done["id"]) == "OK"
    still = raise_alarm(op, u, "tm1", "TAMPER")
    assert u.event("t2", "TEST") == "ACK t2"
    u.close()
    op.close()
    return done["id"], still["id"]


def edit(d, sql):
    conn = sqlite3.connect(d.db_path)
    with conn:
        conn.execute(sql)
    conn.close()


@pytest.mark.sqlite_only
def test_purge_keeps_the_record_provable(make_daemon):
    d = make_daemon()
    done, still = activity(d)
    d.stop()
    r = ctl("purge", "--before", "2099-01-01", config=d.config_path)
    assert r.returncode == 0, r
    m = re.search(r"purged before .*: (\d+) events, (\d+) alarms \((\d+) notes, \d+ commands, "
                  r"\d+ attached events\), (\d+) audit rows; checkpoint audit row (\d+)", r.stdout)
    assert m, r.stdout
    events, alarms, notes, audit, checkpoint = map(int, m.groups())
    assert alarms == 1 and notes == 1 and events >= 2 and audit > 0
    # The open alarm and its event stay; the resolved one is gone.
    assert [a[0] for a in d.query("SELECT id FROM alarms")] == [still]
    assert d.query("SELECT count(*) FROM events WHERE id = (SELECT event_id FROM alarms "
                   "WHERE id = %d)" % still)[0][0] == 1
    # The chain now starts where the checkpoint says it resumes.
    first = d.query("SELECT min(id) FROM audit")[0][0]
    assert first > 1
    detail = d.query("SELECT detail FROM audit WHERE id = %d" % checkpoint)[0][0]
    assert " resume=" in detail and "through=" in detail
    r = ctl("verify", config=d.config_path)
    assert r.returncode == 0, r.stdout
    assert r.stdout.splitlines()[-1].startswith("records intact: ")

    # Any other deletion is still found: a row the purge kept...
    edit(d, "DELETE FROM events WHERE unit_event_id = 'tm1'")
    r = ctl("verify", config=d.config_path)
    assert r.returncode == 1 and "records broken: events row" in r.stdout, r.stdout


@pytest.mark.sqlite_only
def test_cutting_the_chains_start_beyond_the_checkpoint_is_found(make_daemon):
    d = make_daemon()
    activity(d)
    d.stop()
    assert ctl("purge", "--before", "2099-01-01", config=d.config_path).returncode == 0
    first = d.query("SELECT min(id) FROM audit")[0][0]
    edit(d, "DELETE FROM audit WHERE id = %d" % first)
    r = ctl("verify", config=d.config_path)
    assert r.returncode == 1
    assert "audit chain broken at its first row" in r.stdout, r.stdout


def test_purge_refusals(make_daemon):
    d = make_daemon()
    r = ctl("purge", "--before", "2099-01-01", config=d.config_path)
    assert r.returncode == 1 and "refuged purges by itself" in r.stderr, r
    r = ctl("purge", config=d.config_path)
    assert r.returncode == 2 and "--before wants a time" in r.stderr
    r = ctl("purge", "--before", "soon", config=d.config_path)
    assert r.returncode == 2 and "--before wants an ISO date or time" in r.stderr
