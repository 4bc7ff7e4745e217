"""A press is never invisible: when the store cannot commit (a locked
database, a full disk), a BUTTON is still pushed to operators at once,
marked stored=no, kept in memory and stored, then acknowledged, as soon as
the store works; /healthz and the RECEIVER push tell the truth meanwhile."""

import os
import re
import shutil
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from helpers import parse_alarm, unpaired, wait_for

METRICS = {"listen": {"metrics": "127.0.0.1:0"}}


def healthz(d):
    port = int(re.search(r"metrics=127\.0\.0\.1:(\d+)",
                         d.wait_log("ready ", "metrics=")).group(1))
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port,
                                    timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def no_line(unit, prefix, wait):
    """Reads the unit's lines for wait seconds: none may start with prefix."""
    deadline = time.monotonic() + wait
    seen = []
    while time.monotonic() < deadline:
        try:
            line = unit.readline(max(0.05, deadline - time.monotonic()))
        except AssertionError:	# nothing more within the wait
            break
        if line:
            seen.append(line)
    assert not any(l.startswith(prefix) for l in seen), seen
    return seen


def test_receiver_state_follows_login(daemon):
    op = daemon.operator("alice")
    push = op.wait_push("* RECEIVER ")
    assert unpaired(push) == "* RECEIVER active store=ok", push


@pytest.mark.sqlite_only
@pytest.mark.refuge(config=METRICS)
def test_press_shown_unstored_while_database_locked(daemon):
    d = daemon
    op = d.operator("alice")
    op.wait_push("* RECEIVER active store=ok")
    u = d.unit("HP-001")
    u.hello()
    assert u.event("t1", "TEST") == "ACK t1"

    blocker = sqlite3.connect(d.db_path, timeout=0, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        u.send("EVENT p1 BUTTON")
        alarm_line = op.wait_push("* ALARM ", "type=BUTTON", "stored=no")
        alarm = parse_alarm(alarm_line[2:])
        state = op.wait_push("* RECEIVER active store=failing")
        assert "database writes are failing" in state, state
        status, body = healthz(d)
        assert status == 503 and body.startswith("database writes are failing"), body
        # Not stored, not acknowledged; heartbeats still answered.
        u.send("HB 1")
        seen = no_line(u, "ACK p1", 0.5)
        assert "HBACK 1" in seen, seen

        # The alarm's id is final: it can be claimed and noted now ...
        assert op.call("CLAIM %d" % alarm["id"]) == "OK"
        op.wait_push("* CLAIMED %d by=alice" % alarm["id"])
        assert op.call('NOTE %d "caller says a man follows her"' % alarm["id"]) == "OK"
        # ... but resolved only once stored.
        assert op.call("RESOLVE %d false reason=test" % alarm["id"]) == \
            "ERR state alarm not yet stored"
        # A retransmission joins it: no second alarm.
        op.drain()
        op.pushes.clear()
        u.send("EVENT p1 BUTTON")
        op.no_push("* ALARM ", "state=queued", wait=0.5)
        ids = {a["id"] for a in op.alarms() if a["type"] == "BUTTON"}
        assert ids == {alarm["id"]}, ids
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()

    # The store works again: stored, acknowledged, shown again without stored=.
    assert u.expect("ACK p1", timeout=5)
    stored = op.wait_push("* ALARM %d " % alarm["id"], timeout=5)
    assert "stored=" not in stored and "by=alice" in stored, stored
    op.wait_push("* RECEIVER active store=ok", timeout=5)
    assert healthz(d)[0] == 200
    rows = [tuple(r) for r in d.query(
        "SELECT id, state, claimed_by FROM alarms WHERE type = 'BUTTON'")]
    assert rows == [(alarm["id"], "claimed", "alice")], rows
    notes = [tuple(r) for r in d.query(
        "SELECT user, text FROM alarm_notes WHERE alarm_id = ?", (alarm["id"],))]
    assert notes == [("alice", "caller says a man follows her")], notes
    actions = [r[0] for r in d.query(
        "SELECT action FROM audit WHERE alarm_id = ? ORDER BY id", (alarm["id"],))]
    assert actions == ["raise", "claim", "note"], actions
    assert len(d.events("HP-001", "BUTTON")) == 1
    # And it resolves like any other alarm.
    assert op.call("RESOLVE %d false reason=test" % alarm["id"]) == "OK"


def namespace_tools():
    return os.geteuid() == 0 and shutil.which("unshare") and shutil.which("nsenter")


@pytest.mark.sqlite_only
def test_press_shown_while_disk_full(make_daemon):
    """The database on a 2 MB tmpfs in a private mount namespace, filled up."""
    if not namespace_tools():
        pytest.skip("needs root, unshare and nsenter for a private tmpfs")
    d = make_daemon(config=METRICS, start=False)
    dbdir = os.path.join(d.dir, "full")
    os.makedirs(dbdir)
    d.db_path = os.path.join(dbdir, "refuge.db")
    config_text = open(d.config_path).read()
    config_text = re.sub(r"(?m)^database: .*$", "database: %s" % d.db_path,
                         config_text)
    with open(d.config_path, "w") as f:
        f.write(config_text)
    d.wrap = lambda cmd: ["unshare", "-m", "--propagation", "private", "sh", "-c",
                          'mount -t tmpfs -o size=2m tmpfs "$0" && exec "$@"',
                          dbdir] + cmd
    d.start()

    def inside(*cmd):
        return subprocess.run(["nsenter", "-t", str(d.proc.pid), "-m"] + list(cmd),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    op = d.operator("alice")
    op.wait_push("* RECEIVER active store=ok")
    u = d.unit("HP-002")
    u.hello()
    assert u.event("f0", "TEST") == "ACK f0"
    inside("dd", "if=/dev/zero", "of=%s/filler" % dbdir, "bs=64k")
    u.send("EVENT f1 BUTTON")
    line = op.wait_push("* ALARM ", "unit=HP-002", "type=BUTTON", "stored=no",
                        timeout=5)
    alarm = parse_alarm(line[2:])
    status, body = healthz(d)
    assert status == 503, (status, body)
    no_line(u, "ACK f1", 0.5)
    inside("rm", "-f", "%s/filler" % dbdir)
    assert u.expect("ACK f1", timeout=5)
    op.wait_push("* ALARM %d " % alarm["id"], timeout=5)
    wait_for(lambda: healthz(d)[0] == 200, timeout=5)
