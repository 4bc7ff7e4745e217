"""Escalation of alarms left queued, and the stack after a crash."""

import re
import time

import pytest

from helpers import parse_alarm, parse_line, raise_alarm

QUIET = {"escalation": {"after": "1h"}}


def waited(push):
    value = parse_line(push)[1]["waited"]
    m = re.match(r"^(\d+(?:\.\d+)?)s?$", value)
    assert m, push
    return float(m.group(1))


@pytest.mark.refuge(config={"escalation": {"after": "1s", "repeat": "1s"}})
def test_queued_alarm_escalates_every_period_until_claimed(daemon):
    alice = daemon.operator("alice")
    carol = daemon.operator("carol")
    u = daemon.commanded_unit("HP-001")
    u.hello()
    start = time.monotonic()
    a = raise_alarm(alice, u, "e1", "BUTTON")
    first = alice.wait_push("ESCALATE %d" % a["id"], timeout=4)
    took = time.monotonic() - start
    assert took >= 0.8, "escalated after %.2fs, before escalation.after" % took
    assert 1 <= waited(first) < 4, first
    carol.wait_push("ESCALATE %d" % a["id"], timeout=2)
    second = alice.wait_push("ESCALATE %d" % a["id"], timeout=4)
    assert waited(second) > waited(first), (first, second)
    assert time.monotonic() - start >= 1.8

    assert carol.call("CLAIM %d" % a["id"]).startswith("OK")
    # Whatever carol was sent before the OK came before it; nothing after.
    carol.pushes = [p for p in carol.pushes if not p.startswith("* ESCALATE")]
    carol.no_push("ESCALATE", wait=1.6)


@pytest.mark.refuge(config={"escalation": {"after": "1s"}})
def test_claimed_alarm_does_not_escalate(daemon):
    bob = daemon.operator("bob")
    u = daemon.commanded_unit("HP-002")
    u.hello()
    a = raise_alarm(bob, u, "e2", "TAMPER")
    assert bob.call("CLAIM %d" % a["id"]).startswith("OK")
    bob.pushes = [p for p in bob.pushes if not p.startswith("* ESCALATE")]
    bob.no_push("ESCALATE", wait=1.6)
    # A later alarm, left queued, does escalate meanwhile.
    b = raise_alarm(bob, u, "e3", "MAINS_FAIL")
    bob.wait_push("ESCALATE %d" % b["id"], timeout=4)
    assert bob.find_push("ESCALATE %d" % a["id"], take=False) is None


def test_open_alarms_survive_kill9(make_daemon):
    d = make_daemon(config=QUIET)
    alice = d.operator("alice")
    u1 = d.commanded_unit("HP-001")
    u1.hello()
    u2 = d.commanded_unit("HP-002")
    u2.hello()
    b = raise_alarm(alice, u1, "k1", "BUTTON")
    assert alice.call("CLAIM %d" % b["id"]).startswith("OK")
    t = raise_alarm(alice, u2, "k2", "TAMPER")
    assert u2.event("k3", "TAMPER") == "ACK k3"
    alice.wait_push("ALARM %d" % t["id"], "count=2")
    m = raise_alarm(alice, u1, "k4", "MAINS_FAIL")
    assert u1.event("k5", "MAINS_RESTORE") == "ACK k5"
    alice.wait_push("ALARM %d" % m["id"], "restored=1")
    x = raise_alarm(alice, u2, "k6", "BATTERY_LOW")
    assert alice.call("CLAIM %d" % x["id"]).startswith("OK")
    assert alice.call("RESOLVE %d technical action=engineer" % x["id"]) == "OK"
    before = alice.alarms()
    assert [a["id"] for a in before] == [b["id"], t["id"], m["id"]]
    assert (before[0]["state"], before[0]["by"]) == ("claimed", "alice")
    assert before[1]["count"] == 2 and before[2]["restored"]

    d.kill()
    alice.expect_eof()
    again = make_daemon(directory=d.dir)
    bob = again.operator("bob")
    after = bob.alarms()
    # The same alarms, ids, states, counts, claims and times, in the same order.
    assert [a["line"] for a in after] == [a["line"] for a in before]
    # The claim is alice's still: she may resolve it, carol may not claim it.
    carol = again.operator("carol")
    assert carol.call("CLAIM %d" % b["id"]).startswith("ERR claimed")
    alice = again.operator("alice")
    assert alice.call("RESOLVE %d genuine action=advice" % b["id"]) == "OK"
    # New alarms get new ids, and repeats still find their open alarm.
    v = again.commanded_unit("HP-002")
    v.hello()
    assert v.event("k7", "TAMPER") == "ACK k7"
    assert parse_alarm(bob.wait_push("ALARM %d" % t["id"], "count=3"))["state"] == "queued"
    n = raise_alarm(bob, v, "k8", "BUTTON")
    assert n["id"] > max(b["id"], t["id"], m["id"], x["id"])
    assert [a["id"] for a in bob.alarms()] == [n["id"], t["id"], m["id"]]


def test_claim_restored_at_startup_goes_back_when_its_claimer_stays_away(make_daemon):
    # refuge-protocol(7): once the receiver has run for escalation.after, a
    # claim whose claimer is not logged in goes back to the queue.
    d = make_daemon(config={"escalation": {"after": "1s"}})
    alice = d.operator("alice")
    u = d.commanded_unit("HP-001")
    u.hello()
    a = raise_alarm(alice, u, "o1", "BUTTON")
    assert alice.call("CLAIM %d" % a["id"]).startswith("OK")
    d.kill()
    again = make_daemon(directory=d.dir)
    bob = again.operator("bob")
    assert bob.alarms()[0]["by"] == "alice"
    assert bob.wait_push("RELEASED %d" % a["id"], timeout=5) == "* RELEASED %d" % a["id"]
    row = again.query("SELECT state, claimed_by FROM alarms WHERE id = ?", (a["id"],))[0]
    assert (row["state"], row["claimed_by"]) == ("queued", None)
    bob.wait_push("ESCALATE %d" % a["id"], timeout=4)
    assert bob.alarms()[0]["state"] == "queued"
