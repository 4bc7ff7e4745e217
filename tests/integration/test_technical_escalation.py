"""Technical alarms apart from activations (RESOLVE technical, outcome lists,
OUTCOMES, auto-resolve on restore, bulk resolve) and escalation that goes
somewhere (two levels, the command, at once without operators, repeats)."""

import os
import re
import urllib.error
import urllib.request

import subprocess

import pytest

from conftest import default_config, default_registry, merge, refuged_path, to_yaml
from helpers import parse_line, raise_alarm, wait_for

METRICS = {"listen": {"metrics": "127.0.0.1:0"}}
QUIET = {"escalation": {"after": "1h", "supervisor_after": "1h"}}


def http_get(d, path):
    port = int(re.search(r"metrics=127\.0\.0\.1:(\d+)",
                         d.wait_log("ready ", "metrics=")).group(1))
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path),
                                    timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def metric(d, name):
    _, body = http_get(d, "/metrics")
    m = re.search(r"^%s (\d+)$" % re.escape(name), body, re.M)
    assert m, "no %s in /metrics" % name
    return int(m.group(1))


def connected(daemon, *ids):
    units = []
    for uid in ids:
        u = daemon.commanded_unit(uid)
        u.hello()
        units.append(u)
    return units


def alarm_row(daemon, alarm_id):
    return daemon.query("SELECT * FROM alarms WHERE id = ?", (alarm_id,))[0]


def stats(op):
    data, final = op.request("STATS")
    assert final == "OK", final
    return [parse_line(l) for l in data]


def outcomes(op):
    data, final = op.request("OUTCOMES")
    assert final == "OK", final
    got = {}
    for line in data:
        words = line.split()
        assert words[0] == "OUTCOME" and len(line.encode()) <= 512, line
        got[words[1]] = words[2:]
    return got


def command_script(tmp_path, name="paged"):
    """An escalation.command that appends its arguments, one run a line."""
    out = str(tmp_path / name)
    return out, ["/bin/sh", "-c", 'echo "$*" >> "$0"', out]


def lines_of(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [l.split() for l in f.read().splitlines()]


@pytest.mark.refuge(config=QUIET)
def test_technical_resolve_and_outcome_mixups(daemon):
    alice = daemon.operator("alice")
    carol = daemon.operator("carol")
    u, = connected(daemon, "HP-001")
    press = raise_alarm(alice, u, "t1", "BUTTON")["id"]
    mains = raise_alarm(alice, u, "t2", "MAINS_FAIL")["id"]
    for a in (press, mains):
        assert alice.call("CLAIM %d" % a).startswith("OK")
    # A press is an activation: genuine or false, never technical ...
    assert alice.call("RESOLVE %d technical action=engineer" % press).startswith("ERR syntax")
    # ... and a technical alarm is never false.
    assert alice.call("RESOLVE %d false reason=fault" % mains).startswith("ERR syntax")
    assert alice.call("RESOLVE %d technical action=police" % mains).startswith("ERR syntax")
    assert alice.call("RESOLVE %d technical reason=fault" % mains).startswith("ERR syntax")
    assert alarm_row(daemon, mains)["state"] == "claimed"

    assert alice.call('RESOLVE %d technical action=engineer "fuse replaced"' % mains) == "OK"
    assert carol.wait_push("RESOLVED %d" % mains) == \
        "* RESOLVED %d outcome=technical by=alice" % mains
    row = alarm_row(daemon, mains)
    assert (row["state"], row["outcome"], row["action"], row["reason"], row["note"]) == \
        ("resolved", "technical", "engineer", None, "fuse replaced")
    audit = daemon.query("SELECT detail FROM audit WHERE alarm_id = ? AND action = 'resolve'",
                         (mains,))
    assert [r["detail"] for r in audit] == ["outcome=technical action=engineer"]
    # The action is optional.
    tamper = raise_alarm(alice, u, "t3", "TAMPER")["id"]
    assert alice.call("CLAIM %d" % tamper).startswith("OK")
    assert alice.call("RESOLVE %d technical" % tamper) == "OK"
    assert alarm_row(daemon, tamper)["outcome"] == "technical"
    assert alice.call("RESOLVE %d false reason=accidental" % press) == "OK"


@pytest.mark.refuge(config=QUIET)
def test_stats_count_technical_and_the_genuine_share_of_presses_only(daemon):
    bob = daemon.operator("bob")
    u1, u2 = connected(daemon, "HP-001", "HP-002")
    p1 = raise_alarm(bob, u1, "s1", "BUTTON")["id"]
    p2 = raise_alarm(bob, u2, "s2", "BUTTON")["id"]
    tamper = raise_alarm(bob, u1, "s3", "TAMPER")["id"]
    mains = raise_alarm(bob, u1, "s4", "MAINS_FAIL")["id"]
    assert bob.call("RESOLVE %d genuine action=police" % p1) == "OK"
    assert bob.call("RESOLVE %d false reason=accidental" % p2) == "OK"
    # Genuine on a technical alarm counts as genuine, not in the share.
    assert bob.call("RESOLVE %d genuine action=police" % tamper) == "OK"
    assert bob.call("RESOLVE %d technical action=engineer" % mains) == "OK"
    lines = stats(bob)
    totals, = [f for w, f in lines if w[:2] == ["STAT", "alarms"]]
    assert {k: totals[k] for k in ("total", "open", "genuine", "false", "technical",
                                   "genuine_share")} == \
        {"total": "4", "open": "0", "genuine": "2", "false": "1", "technical": "1",
         "genuine_share": "50.0"}
    technical = {f["action"]: f["count"] for w, f in lines if w[:2] == ["STAT", "technical"]}
    assert technical == {"engineer": "1"}, lines


@pytest.mark.refuge(config=QUIET)
def test_outcomes_lists_the_defaults(daemon):
    alice = daemon.operator("alice")
    assert outcomes(alice) == {
        "false": ["accidental", "misuse", "test", "no-one-there", "fault", "other"],
        "genuine": ["police", "fire", "ambulance", "advice", "other"],
        "technical": ["engineer", "restored", "none", "other"],
    }


@pytest.mark.refuge(config=QUIET, registry={"outcomes": {
    "false_reasons": ["child-playing", "pocket-press"],
    "genuine_actions": ["directions", "welfare-check", "police"],
    "technical_actions": ["reset-by-phone"]}})
def test_outcome_lists_come_from_units_yaml(daemon):
    alice = daemon.operator("alice")
    # A list given replaces the default; restored is always a technical action.
    assert outcomes(alice) == {
        "false": ["child-playing", "pocket-press"],
        "genuine": ["directions", "welfare-check", "police"],
        "technical": ["reset-by-phone", "restored"],
    }
    u, = connected(daemon, "HP-001")
    a = raise_alarm(alice, u, "o1", "BUTTON")["id"]
    b = raise_alarm(alice, u, "o2", "LIGHT_FAULT")["id"]
    for x in (a, b):
        assert alice.call("CLAIM %d" % x).startswith("OK")
    # A default word the file left out is refused; the file's own is taken.
    assert alice.call("RESOLVE %d false reason=accidental" % a).startswith("ERR syntax")
    assert alice.call("RESOLVE %d technical action=engineer" % b).startswith("ERR syntax")
    assert alice.call("RESOLVE %d false reason=child-playing" % a) == "OK"
    assert alice.call("RESOLVE %d technical action=reset-by-phone" % b) == "OK"
    assert (alarm_row(daemon, a)["reason"], alarm_row(daemon, b)["action"]) == \
        ("child-playing", "reset-by-phone")


def check_files(tmp_path, pki, password_hash, config=None, registry=None):
    """refuged -t on a configuration: (exit status, output)."""
    reg = merge(default_registry(password_hash), registry or {})
    (tmp_path / "refuge.yaml").write_text(to_yaml(merge(default_config(pki), config or {})))
    (tmp_path / "units.yaml").write_text(to_yaml(reg))
    r = subprocess.run([refuged_path(), "-t", "-c", str(tmp_path / "refuge.yaml")],
                       capture_output=True, text=True, timeout=30, cwd="/")
    return r.returncode, r.stdout + r.stderr


@pytest.mark.parametrize("registry, config, message", [
    ({"outcomes": {"false_reasons": ["two words"]}}, None,
     r"units\.yaml:\d+:\d+: outcomes\.false_reasons\[0\]: expected one word"),
    ({"outcomes": {"genuine_actions": []}}, None,
     r"units\.yaml:\d+:\d+: outcomes\.genuine_actions: expected a non-empty list"),
    ({"outcomes": {"technical_actions": ["a", "a"]}}, None,
     r"units\.yaml:\d+:\d+: outcomes\.technical_actions\[1\]: duplicate word 'a'"),
    (None, {"alarms": {"auto_resolve_restored": ["BUTTON"]}},
     r"refuge\.yaml:\d+:\d+: alarms\.auto_resolve_restored\[0\]: BUTTON is not a "
     r"technical alarm"),
    (None, {"escalation": {"command": []}},
     r"refuge\.yaml:\d+:\d+: escalation\.command: expected a list"),
    (None, {"escalation": {"command_max_priority": 0}},
     r"refuge\.yaml:\d+:\d+: escalation\.command_max_priority"),
])
def test_bad_outcome_and_escalation_keys_are_refused(tmp_path, pki, password_hash,
                                                      registry, config, message):
    status, text = check_files(tmp_path, pki, password_hash, config, registry)
    assert status != 0 and re.search(message, text), text


@pytest.mark.refuge(config=dict(QUIET, alarms={"auto_resolve_restored": ["MAINS_FAIL"]}))
def test_restore_closes_an_unclaimed_technical_alarm(daemon):
    alice = daemon.operator("alice")
    u1, u2 = connected(daemon, "HP-001", "HP-002")
    mains = raise_alarm(alice, u1, "r1", "MAINS_FAIL")["id"]
    claimed = raise_alarm(alice, u2, "r2", "MAINS_FAIL")["id"]
    tamper = raise_alarm(alice, u1, "r3", "TAMPER")["id"]
    assert alice.call("CLAIM %d" % claimed).startswith("OK")
    assert u1.event("r4", "MAINS_RESTORE") == "ACK r4"
    assert alice.wait_push("RESOLVED %d" % mains) == \
        "* RESOLVED %d outcome=technical by=receiver" % mains
    row = alarm_row(daemon, mains)
    assert (row["state"], row["outcome"], row["action"], row["resolved_by"]) == \
        ("resolved", "technical", "restored", "receiver")
    assert row["restored_ms"] is not None
    # Not a type listed, and not an alarm an operator has claimed: open still.
    assert u1.event("r5", "TAMPER_RESTORE") == "ACK r5"
    assert u2.event("r6", "MAINS_RESTORE") == "ACK r6"
    alice.wait_push("ALARM %d" % claimed, "restored=1")
    alice.wait_push("ALARM %d" % tamper, "restored=1")
    assert sorted(a["id"] for a in alice.alarms()) == sorted([claimed, tamper])
    audit = daemon.query("SELECT user, detail FROM audit WHERE alarm_id = ? AND "
                         "action = 'resolve'", (mains,))
    assert [(r["user"], r["detail"]) for r in audit] == [("", "outcome=technical action=restored")]


@pytest.mark.refuge(config=QUIET)
def test_supervisor_resolves_restored_technical_alarms_in_bulk(daemon):
    alice = daemon.operator("alice")
    bob = daemon.operator("bob")
    u1, u2, u3 = connected(daemon, "HP-001", "HP-002", "HP-003")
    restored = []
    for n, u in enumerate((u1, u2)):
        restored.append(raise_alarm(bob, u, "m%d" % n, "MAINS_FAIL")["id"])
        assert u.event("mr%d" % n, "MAINS_RESTORE") == "ACK mr%d" % n
        bob.wait_push("ALARM %d" % restored[-1], "restored=1")
    still_off = raise_alarm(bob, u3, "m9", "MAINS_FAIL")["id"]
    other_type = raise_alarm(bob, u1, "t9", "TAMPER")["id"]
    assert u1.event("tr9", "TAMPER_RESTORE") == "ACK tr9"
    bob.wait_push("ALARM %d" % other_type, "restored=1")

    assert alice.call("RESOLVE restored type=MAINS_FAIL technical").startswith("ERR denied")
    assert bob.call("RESOLVE restored type=MAINS_FAIL site=elsewhere technical") == "OK 0"
    assert bob.call("RESOLVE restored type=MAINS_FAIL site=racecourse technical") == "OK 2"
    for a in restored:
        assert alice.wait_push("RESOLVED %d" % a) == "* RESOLVED %d outcome=technical by=bob" % a
        row = alarm_row(daemon, a)
        assert (row["outcome"], row["action"], row["resolved_by"]) == \
            ("technical", "restored", "bob")
    audit = daemon.query("SELECT alarm_id, user FROM audit WHERE action = 'resolve' "
                         "ORDER BY alarm_id")
    assert [(r["alarm_id"], r["user"]) for r in audit] == [(a, "bob") for a in restored]
    assert sorted(a["id"] for a in bob.alarms()) == sorted([still_off, other_type])
    assert bob.call("RESOLVE restored type=BUTTON technical").startswith("ERR syntax")


LEVELS = {"after": "1s", "supervisor_after": "2s", "repeat": "1s"}


def test_second_level_goes_to_supervisors_and_runs_the_command(make_daemon, tmp_path):
    out, command = command_script(tmp_path)
    d = make_daemon(config=dict(METRICS, escalation=dict(LEVELS, command=command)))
    alice = d.operator("alice")
    bob = d.operator("bob")
    u, = connected(d, "HP-001")
    a = raise_alarm(alice, u, "e1", "BUTTON")["id"]
    first = alice.wait_push("ESCALATE %d" % a, timeout=5)
    assert parse_line(first)[1]["level"] == "1", first
    second = bob.wait_push("ESCALATE %d" % a, "level=2", timeout=6)
    assert int(parse_line(second)[1]["waited"]) >= 2, second
    wait_for(lambda: len(lines_of(out)) == 1, timeout=10, message="the command never ran")
    assert lines_of(out)[0][:4] == [str(a), "HP-001", "racecourse", "BUTTON"]
    assert int(lines_of(out)[0][4]) >= 2
    d.wait_log("escalation command alarm=%d" % a, "exited status=0")
    # Repeats: supervisors level=2 again, operators level=1 only, no second run.
    bob.wait_push("ESCALATE %d" % a, "level=2", timeout=5)
    alice.wait_push("ESCALATE %d" % a, "level=1", timeout=5)
    assert alice.find_push("ESCALATE %d" % a, "level=2", take=False) is None
    assert [p for p in alice.seen if "level=2" in p] == []
    assert len(lines_of(out)) == 1
    assert metric(d, "refuge_escalations_total") == 1
    levels = d.query("SELECT detail FROM audit WHERE action = 'escalate' AND alarm_id = ?",
                     (a,))
    assert [r["detail"].split()[0] for r in levels] == ["level=1", "level=2"]
    # A claim ends it.
    assert alice.call("CLAIM %d" % a).startswith("OK")
    bob.pushes = [p for p in bob.pushes if not p.startswith("* ESCALATE")]
    bob.no_push("ESCALATE %d" % a, wait=1.5)


def test_command_only_up_to_its_priority(make_daemon, tmp_path):
    out, command = command_script(tmp_path)
    d = make_daemon(config={"escalation": dict(LEVELS, command=command)})
    bob = d.operator("bob")
    u, = connected(d, "HP-001")
    t = raise_alarm(bob, u, "c1", "TAMPER")["id"]		# priority 2
    bob.wait_push("ESCALATE %d" % t, "level=2", timeout=6)
    p = raise_alarm(bob, u, "c2", "BUTTON")["id"]
    wait_for(lambda: len(lines_of(out)) >= 1, timeout=10, message="no command for the press")
    bob.wait_push("ESCALATE %d" % t, "level=2", timeout=5)
    assert [l[0] for l in lines_of(out)] == [str(p)]


def test_no_operator_logged_in_escalates_at_once(make_daemon, tmp_path):
    out, command = command_script(tmp_path)
    d = make_daemon(config=dict(METRICS, escalation={
        "after": "1s", "supervisor_after": "1h", "repeat": "1h", "command": command}))
    status, body = http_get(d, "/healthz")
    assert status == 200 and "no operator logged in" in body, body
    assert metric(d, "refuge_operators_connected") == 0
    u, = connected(d, "HP-002")
    assert u.event("n1", "BUTTON") == "ACK n1"
    # Level 2 and the command long before supervisor_after.
    wait_for(lambda: len(lines_of(out)) == 1, timeout=8, message="no command without operators")
    a = d.query("SELECT id FROM alarms WHERE type = 'BUTTON'")[0]["id"]
    assert lines_of(out)[0][:4] == [str(a), "HP-002", "racecourse", "BUTTON"]
    assert d.wait_log("alarm=%d escalated unit=" % a, "level=2", "no operator logged in")
    bob = d.operator("bob")
    status, body = http_get(d, "/healthz")
    assert "operators 1 logged in" in body, body
    assert metric(d, "refuge_operators_connected") == 1
    assert [x["id"] for x in bob.alarms()] == [a]


def test_escalation_repeats_at_most_every_repeat(make_daemon):
    d = make_daemon(config={"escalation": {"after": "1s", "supervisor_after": "1h",
                                           "repeat": "2s"}})
    alice = d.operator("alice")
    u, = connected(d, "HP-001")
    a = raise_alarm(alice, u, "p1", "TAMPER")["id"]
    first = alice.wait_push("ESCALATE %d" % a, timeout=5)
    second = alice.wait_push("ESCALATE %d" % a, timeout=6)
    w1, w2 = (int(parse_line(p)[1]["waited"]) for p in (first, second))
    assert w2 - w1 >= 2, (first, second)
    assert parse_line(second)[1]["level"] == "1"


def test_at_most_four_commands_run_at_once(make_daemon, tmp_path):
    out = str(tmp_path / "started")
    # Each run notes its alarm, then outlives the test (killed when refuged stops).
    command = ["/bin/sh", "-c", 'echo "$1" >> "$0"; exec sleep 60', out]
    d = make_daemon(config={"escalation": {"after": "1s", "supervisor_after": "1s",
                                           "repeat": "1h", "command": command}})
    bob = d.operator("bob")
    units = connected(d, "HP-001", "HP-002", "HP-003", "HP-004", "HP-005")
    ids = [raise_alarm(bob, u, "f%d" % n, "BUTTON")["id"] for n, u in enumerate(units)]
    for a in ids:
        bob.wait_push("ESCALATE %d" % a, "level=2", timeout=6)
    d.wait_log("escalation command not run: 4 programs run already", timeout=5)
    wait_for(lambda: len(lines_of(out)) == 4, timeout=10, message="not 4 runs")
    assert len(d.query("SELECT id FROM alarms WHERE state = 'queued'")) == 5
    assert len(lines_of(out)) == 4


def test_a_restart_does_not_page_again(make_daemon, tmp_path):
    out, command = command_script(tmp_path)
    d = make_daemon(config={"escalation": dict(LEVELS, command=command)})
    bob = d.operator("bob")
    u, = connected(d, "HP-001")
    a = raise_alarm(bob, u, "k1", "BUTTON")["id"]
    wait_for(lambda: len(lines_of(out)) == 1, timeout=10, message="the command never ran")
    d.kill()
    again = make_daemon(directory=d.dir)
    bob = again.operator("bob")
    # Told again at the level it had reached, as a repeat: no second page.
    bob.wait_push("ESCALATE %d" % a, "level=2", timeout=5)
    bob.wait_push("ESCALATE %d" % a, "level=2", timeout=5)
    assert len(lines_of(out)) == 1
    assert again.find_log("escalation command alarm=%d" % a) is None


def test_command_once_per_flood(make_daemon, tmp_path):
    out, command = command_script(tmp_path)
    d = make_daemon(config={
        "alarms": {"flood_threshold": 2},
        "escalation": dict(LEVELS, repeat="1h", command=command, command_max_priority=2)})
    bob = d.operator("bob")
    units = connected(d, "HP-001", "HP-002", "HP-003", "HP-004")
    for n, u in enumerate(units):
        assert u.event("fl%d" % n, "TAMPER") == "ACK fl%d" % n
    bob.wait_push("FLOOD TAMPER")
    ids = [r["id"] for r in d.query("SELECT id FROM alarms ORDER BY id")]
    assert len(ids) == 4
    for a in ids:
        bob.wait_push("ESCALATE %d" % a, "level=2", timeout=6)
    wait_for(lambda: len(lines_of(out)) == 1, timeout=10, message="no command for the flood")
    for a in ids[1:]:
        d.wait_log("alarm=%d escalation command not run: part of the TAMPER flood" % a)
    assert [l[0] for l in lines_of(out)] == [str(ids[0])]
