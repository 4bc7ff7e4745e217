"""The alarm stack as operators see it: ALARMS, UNITS, pushes, CLAIM,
RELEASE, RESOLVE, NOTE, PLAN; repeats, restores and TEST."""

import time

import pytest

from helpers import iso_ms, parse_alarm, parse_line, raise_alarm, wait_for

QUIET = {"escalation": {"after": "1h"}}
pytestmark = pytest.mark.refuge(config=QUIET)


def now_ms():
    return int(time.time() * 1000)


def alarm_row(daemon, alarm_id):
    rows = daemon.query("SELECT * FROM alarms WHERE id = ?", (alarm_id,))
    assert rows, "alarm %s is not in the database" % alarm_id
    return rows[0]


def connected(daemon, *uids):
    units = []
    for uid in uids:
        u = daemon.commanded_unit(uid)
        u.hello()
        units.append(u)
    return units


def test_burst_is_stacked_by_priority_then_arrival(daemon):
    alice = daemon.operator("alice")
    u, = connected(daemon, "HP-001")
    before = now_ms()
    # One write, so one TLS record, one read and one transaction.
    u.send(b"EVENT m1 MAINS_FAIL\nEVENT t1 TAMPER\nEVENT b1 BUTTON\n")
    assert {u.reply() for _ in range(3)} == {"ACK m1", "ACK t1", "ACK b1"}
    # Of alarms stored together, the priority-1 one is pushed first.
    button = parse_alarm(alice.wait_push("ALARM"))
    assert button["type"] == "BUTTON", "first push is %r" % button["line"]
    # Committed before pushed: the row is there the moment the push is.
    row = alarm_row(daemon, button["id"])
    assert (row["type"], row["unit_id"], row["state"], row["priority"]) == \
        ("BUTTON", "HP-001", "queued", 1)
    assert button["prio"] == 1 and button["state"] == "queued"
    assert button["unit"] == "HP-001" and button["site"] == "racecourse"
    assert button["name"] == "Racecourse Park point 1"
    assert button["count"] == 1 and not button["restored"] and button["by"] is None
    assert before - 1000 <= button["at_ms"] <= now_ms() + 1000
    assert abs(button["at_ms"] - row["raised_ms"]) < 1000
    alice.wait_push("ALARM", "type=TAMPER ")
    alice.wait_push("ALARM", "type=MAINS_FAIL ")

    alarms = alice.alarms()
    assert [(a["type"], a["prio"]) for a in alarms] == \
        [("BUTTON", 1), ("TAMPER", 2), ("MAINS_FAIL", 4)]
    assert len({a["id"] for a in alarms}) == 3
    # The reply shows the alarm exactly as the push did.
    assert alarms[0]["line"] == button["line"]


DEFAULT_PRIORITIES = [("BUTTON", 1), ("TAMPER", 2), ("MAINS_FAIL", 4), ("BATTERY_LOW", 5),
                      ("CAMERA_FAULT", 5), ("LIGHT_FAULT", 5), ("AUDIO_FAULT", 5)]
RESTORES = {"TAMPER": "TAMPER_RESTORE", "MAINS_FAIL": "MAINS_RESTORE",
            "BATTERY_LOW": "BATTERY_RESTORE", "CAMERA_FAULT": "CAMERA_RESTORE",
            "LIGHT_FAULT": "LIGHT_RESTORE", "AUDIO_FAULT": "AUDIO_RESTORE"}


def test_default_priorities_and_their_restores(daemon):
    alice = daemon.operator("alice")
    u, = connected(daemon, "HP-004")
    raised = {}
    for n, (type_, prio) in enumerate(reversed(DEFAULT_PRIORITIES)):
        a = raise_alarm(alice, u, "y%d" % n, type_)
        assert a["prio"] == prio, a["line"]
        raised[type_] = a["id"]
    # Priority first; equal priorities (the faults) in arrival order.
    want = [raised[t] for t, _ in DEFAULT_PRIORITIES[:3]] + \
        [raised[t] for t in ("AUDIO_FAULT", "LIGHT_FAULT", "CAMERA_FAULT", "BATTERY_LOW")]
    assert [a["id"] for a in alice.alarms()] == want
    # Each restore marks the alarm of the type it restores, and only that one.
    for n, (type_, restore) in enumerate(RESTORES.items()):
        assert u.event("z%d" % n, restore) == "ACK z%d" % n
        r = parse_alarm(alice.wait_push("ALARM", "restored=1", "type=%s " % type_))
        assert r["id"] == raised[type_]
    restored = {a["type"]: a["restored"] for a in alice.alarms()}
    assert restored == {t: t != "BUTTON" for t, _ in DEFAULT_PRIORITIES}


@pytest.mark.refuge(config=QUIET, registry={"priorities": {"MAINS_FAIL": 1}})
def test_registry_priorities_override_the_defaults(daemon):
    alice = daemon.operator("alice")
    u1, u2 = connected(daemon, "HP-001", "HP-002")
    b2 = raise_alarm(alice, u2, "x1", "BUTTON")
    t1 = raise_alarm(alice, u1, "x2", "TAMPER")
    m1 = raise_alarm(alice, u1, "x3", "MAINS_FAIL")
    b1 = raise_alarm(alice, u1, "x4", "BUTTON")
    assert m1["prio"] == 1
    # Equal priorities keep their arrival order, whatever the unit.
    assert [a["id"] for a in alice.alarms()] == [b2["id"], m1["id"], b1["id"], t1["id"]]


def test_every_operator_gets_the_button_push(daemon):
    ops = [daemon.operator(user) for user in ("alice", "carol", "bob")]
    u, = connected(daemon, "HP-002")
    assert u.event("e1", "BUTTON") == "ACK e1"
    lines = [op.wait_push("ALARM", "type=BUTTON ") for op in ops]
    assert len(set(lines)) == 1, lines
    a = parse_alarm(lines[0])
    assert (a["unit"], a["name"], a["prio"]) == ("HP-002", "Racecourse Park point 2", 1)


def test_claim_race_has_one_winner(daemon):
    alice = daemon.operator("alice")
    carol = daemon.operator("carol")
    u, = connected(daemon, "HP-001")
    a = raise_alarm(alice, u, "r1", "BUTTON")
    carol.wait_push("ALARM", "type=BUTTON ")
    alice.send("CLAIM %d" % a["id"])
    carol.send("CLAIM %d" % a["id"])
    results = {"alice": alice.reply()[1], "carol": carol.reply()[1]}
    winners = [u for u, r in results.items() if r == "OK" or r.startswith("OK ")]
    assert len(winners) == 1, results
    winner = winners[0]
    loser = "carol" if winner == "alice" else "alice"
    assert results[loser].startswith("ERR claimed"), results
    for op in (alice, carol):
        assert op.wait_push("CLAIMED %d" % a["id"]) == "* CLAIMED %d by=%s" % (a["id"], winner)
    row = alarm_row(daemon, a["id"])
    assert (row["state"], row["claimed_by"]) == ("claimed", winner)
    assert row["first_claimed_ms"] is not None and row["claimed_ms"] is not None
    got = alice.alarms()[0]
    assert (got["state"], got["by"]) == ("claimed", winner)
    assert got["line"].endswith(" by=%s" % winner)


def test_claim_and_release_rules(daemon):
    alice = daemon.operator("alice")
    carol = daemon.operator("carol")
    bob = daemon.operator("bob")
    u, = connected(daemon, "HP-001")
    a = raise_alarm(alice, u, "c1", "TAMPER")
    aid = a["id"]
    assert carol.call("CLAIM 99999").startswith("ERR notfound")
    assert alice.call("RELEASE %d" % aid).startswith("ERR state")	# not claimed
    assert alice.call("CLAIM %d" % aid).startswith("OK")
    assert alice.call("CLAIM %d" % aid).startswith("OK")		# again: fine
    assert carol.call("CLAIM %d" % aid).startswith("ERR claimed")
    assert carol.call("RELEASE %d" % aid).startswith("ERR ")
    assert alarm_row(daemon, aid)["claimed_by"] == "alice"

    assert alice.call("RELEASE %d" % aid).startswith("OK")
    for op in (alice, carol, bob):
        assert op.wait_push("RELEASED %d" % aid) == "* RELEASED %d" % aid
    row = alarm_row(daemon, aid)
    assert row["state"] == "queued" and row["claimed_by"] is None
    assert alice.alarms()[0]["state"] == "queued"

    # A supervisor may release anyone's claim.
    assert carol.call("CLAIM %d" % aid).startswith("OK")
    bob.wait_push("CLAIMED %d" % aid, "by=carol")
    assert bob.call("RELEASE %d" % aid).startswith("OK")
    carol.wait_push("RELEASED %d" % aid)
    assert alarm_row(daemon, aid)["state"] == "queued"
    # Unclaimed again, so anyone may claim it.
    assert alice.call("CLAIM %d" % aid).startswith("OK")


def test_claim_and_release_push_the_changed_alarm(daemon):
    alice = daemon.operator("alice")
    carol = daemon.operator("carol")
    u, = connected(daemon, "HP-002")
    a = raise_alarm(carol, u, "c3", "BUTTON")
    assert alice.call("CLAIM %d" % a["id"]).startswith("OK")
    claimed = parse_alarm(carol.wait_push("ALARM %d" % a["id"], "state=claimed"))
    assert claimed["by"] == "alice"
    assert claimed["line"] == a["line"].replace("state=queued", "state=claimed") + " by=alice"
    assert alice.call("RELEASE %d" % a["id"]).startswith("OK")
    queued = parse_alarm(carol.wait_push("ALARM %d" % a["id"], "state=queued"))
    assert queued["line"] == a["line"]


def test_release_of_another_operators_claim_is_a_state_error(daemon):
    # The contract: RELEASE of an alarm not claimed by you -> ERR state.
    alice = daemon.operator("alice")
    carol = daemon.operator("carol")
    u, = connected(daemon, "HP-001")
    a = raise_alarm(alice, u, "c2", "TAMPER")
    assert alice.call("CLAIM %d" % a["id"]).startswith("OK")
    final = carol.call("RELEASE %d" % a["id"])
    assert final.startswith("ERR state"), final
    assert alarm_row(daemon, a["id"])["claimed_by"] == "alice"


def test_claim_goes_back_when_the_last_session_of_the_claimer_drops(daemon):
    alice1 = daemon.operator("alice")
    alice2 = daemon.operator("alice")
    carol = daemon.operator("carol")
    u, = connected(daemon, "HP-001")
    a = raise_alarm(carol, u, "d1", "BUTTON")
    assert alice1.call("CLAIM %d" % a["id"]).startswith("OK")
    carol.wait_push("CLAIMED %d" % a["id"], "by=alice")
    # alice is still logged in elsewhere: the claim stays.
    alice1.close()
    carol.no_push("RELEASED", wait=0.5)
    assert carol.alarms()[0]["by"] == "alice"
    alice2.close()
    assert carol.wait_push("RELEASED %d" % a["id"]) == "* RELEASED %d" % a["id"]
    row = alarm_row(daemon, a["id"])
    assert row["state"] == "queued" and row["claimed_by"] is None
    assert carol.alarms()[0]["state"] == "queued"
    assert carol.call("CLAIM %d" % a["id"]).startswith("OK")


def test_claim_goes_back_when_the_claimer_logs_out(daemon):
    alice = daemon.operator("alice")
    bob = daemon.operator("bob")
    u, = connected(daemon, "HP-002")
    a = raise_alarm(bob, u, "d2", "TAMPER")
    assert alice.call("CLAIM %d" % a["id"]).startswith("OK")
    assert alice.call("LOGOUT") == "OK"
    bob.wait_push("RELEASED %d" % a["id"])
    assert bob.alarms()[0]["state"] == "queued"


def test_resolve_rules(daemon):
    alice = daemon.operator("alice")
    carol = daemon.operator("carol")
    bob = daemon.operator("bob")
    u, = connected(daemon, "HP-001")
    a = raise_alarm(alice, u, "v1", "BUTTON")["id"]
    b = raise_alarm(alice, u, "v2", "TAMPER")["id"]
    c = raise_alarm(alice, u, "v3", "MAINS_FAIL")["id"]
    assert alice.call("CLAIM %d" % a).startswith("OK")

    # Only the claimer (or a supervisor) resolves; an operator never an unclaimed one.
    assert carol.call("RESOLVE %d false reason=accidental" % a).startswith("ERR ")
    assert carol.call("RESOLVE %d false reason=accidental" % b).startswith("ERR state")
    # The classification must be complete and right.
    for bad in ("false", "false reason=bogus", "genuine", "genuine action=dance",
                "genuine reason=accidental", "false action=police"):
        final = alice.call("RESOLVE %d %s" % (a, bad))
        assert final.startswith("ERR syntax"), "RESOLVE %s -> %r" % (bad, final)
    assert alarm_row(daemon, a)["state"] == "claimed"
    assert [x["id"] for x in alice.alarms()] == [a, b, c]

    assert alice.call('RESOLVE %d false reason=accidental "kids pressed it"' % a) == "OK"
    for op in (alice, carol, bob):
        assert op.wait_push("RESOLVED %d" % a) == "* RESOLVED %d outcome=false by=alice" % a
    row = alarm_row(daemon, a)
    assert (row["state"], row["outcome"], row["reason"], row["resolved_by"]) == \
        ("resolved", "false", "accidental", "alice")
    assert row["note"] == "kids pressed it"
    assert row["resolved_ms"] is not None
    assert [x["id"] for x in alice.alarms()] == [b, c]

    # Resolved is final.
    assert alice.call("RESOLVE %d false reason=accidental" % a).startswith("ERR ")
    assert bob.call("RESOLVE %d genuine action=police" % a).startswith("ERR ")
    assert carol.call("CLAIM %d" % a).startswith("ERR ")
    assert alarm_row(daemon, a)["resolved_by"] == "alice"

    # A supervisor resolves an unclaimed alarm, and one claimed by someone else.
    assert bob.call("RESOLVE %d genuine action=police" % b) == "OK"
    carol.wait_push("RESOLVED %d" % b, "outcome=genuine", "by=bob")
    assert carol.call("CLAIM %d" % c).startswith("OK")
    # A technical alarm (MAINS_FAIL) resolves technical, not false.
    assert bob.call("RESOLVE %d technical action=engineer" % c) == "OK"
    carol.wait_push("RESOLVED %d" % c, "outcome=technical", "by=bob")
    rb, rc = alarm_row(daemon, b), alarm_row(daemon, c)
    assert (rb["outcome"], rb["action"], rb["resolved_by"]) == ("genuine", "police", "bob")
    assert (rc["outcome"], rc["action"], rc["reason"]) == ("technical", "engineer", None)
    assert alice.alarms() == []


def test_operator_resolving_anothers_claim_is_a_state_error(daemon):
    # The contract: only the claimer or a supervisor, else ERR state.
    alice = daemon.operator("alice")
    carol = daemon.operator("carol")
    u, = connected(daemon, "HP-001")
    a = raise_alarm(alice, u, "v4", "BUTTON")
    assert alice.call("CLAIM %d" % a["id"]).startswith("OK")
    final = carol.call("RESOLVE %d false reason=accidental" % a["id"])
    assert final.startswith("ERR state"), final
    assert alarm_row(daemon, a["id"])["state"] == "claimed"


def test_resolved_alarm_cannot_be_resolved_or_claimed_again(daemon):
    # The contract: resolved -> ERR state, for CLAIM and RESOLVE alike.
    alice = daemon.operator("alice")
    bob = daemon.operator("bob")
    u, = connected(daemon, "HP-001")
    a = raise_alarm(alice, u, "v5", "BUTTON")
    assert alice.call("CLAIM %d" % a["id"]).startswith("OK")
    assert alice.call("RESOLVE %d genuine action=ambulance" % a["id"]) == "OK"
    got = {"resolve again": alice.call("RESOLVE %d genuine action=ambulance" % a["id"]),
           "supervisor resolve": bob.call("RESOLVE %d false reason=other" % a["id"]),
           "claim": bob.call("CLAIM %d" % a["id"])}
    assert all(v.startswith("ERR state") for v in got.values()), got
    row = alarm_row(daemon, a["id"])
    assert (row["outcome"], row["action"], row["resolved_by"]) == ("genuine", "ambulance", "alice")


@pytest.mark.parametrize("classification", [
    "false reason=accidental", "false reason=misuse", "false reason=test",
    "false reason=no-one-there", "false reason=fault", "false reason=other",
    "genuine action=police", "genuine action=fire", "genuine action=ambulance",
    "genuine action=advice", "genuine action=other"])
def test_every_listed_reason_and_action_is_accepted(daemon, classification):
    bob = daemon.operator("bob")
    u, = connected(daemon, "HP-003")
    a = raise_alarm(bob, u, "w1", "BUTTON")
    assert bob.call("RESOLVE %d %s" % (a["id"], classification)) == "OK"


def test_repeated_button_counts_on_the_same_alarm(daemon):
    alice = daemon.operator("alice")
    u, = connected(daemon, "HP-001")
    first = raise_alarm(alice, u, "b1", "BUTTON")
    assert alice.call("CLAIM %d" % first["id"]).startswith("OK")
    assert u.event("b2", "BUTTON") == "ACK b2"
    again = parse_alarm(alice.wait_push("ALARM %d" % first["id"], "count=2"))
    # Still the same alarm, still alice's.
    assert (again["state"], again["by"], again["type"]) == ("claimed", "alice", "BUTTON")
    assert again["at"] == first["at"]
    alarms = alice.alarms()
    assert len(alarms) == 1 and alarms[0]["count"] == 2 and alarms[0]["id"] == first["id"]
    rows = daemon.query("SELECT id, count FROM alarms")
    assert [tuple(r) for r in rows] == [(first["id"], 2)]
    assert u.event("b3", "BUTTON") == "ACK b3"
    alice.wait_push("ALARM %d" % first["id"], "count=3")
    # Once resolved, the next press raises a new alarm.
    assert alice.call("RESOLVE %d genuine action=advice" % first["id"]) == "OK"
    fresh = raise_alarm(alice, u, "b4", "BUTTON")
    assert fresh["id"] != first["id"] and fresh["count"] == 1 and fresh["state"] == "queued"


def test_restore_attaches_to_the_open_alarm(daemon):
    alice = daemon.operator("alice")
    u, = connected(daemon, "HP-002")
    a = raise_alarm(alice, u, "s1", "TAMPER")
    assert not a["restored"]
    assert u.event("s2", "TAMPER_RESTORE") == "ACK s2"
    r = parse_alarm(alice.wait_push("ALARM %d" % a["id"], "restored=1"))
    assert (r["state"], r["type"], r["count"]) == ("queued", "TAMPER", 1)
    # Still open, and nothing new was raised.
    alarms = alice.alarms()
    assert [(x["id"], x["restored"]) for x in alarms] == [(a["id"], True)]
    assert alarm_row(daemon, a["id"])["restored_ms"] is not None
    # A restore with nothing open raises nothing.
    assert u.event("s3", "MAINS_RESTORE") == "ACK s3"
    alice.no_push("ALARM", "type=MAINS", wait=0.3)
    assert len(alice.alarms()) == 1
    assert daemon.query("SELECT COUNT(*) FROM alarms")[0][0] == 1


def test_test_event_raises_nothing(daemon):
    alice = daemon.operator("alice")
    u, = connected(daemon, "HP-001")
    assert u.event("t1", "TEST") == "ACK t1"
    alice.no_push("ALARM", wait=0.4)
    assert alice.alarms() == []
    assert daemon.query("SELECT COUNT(*) FROM alarms")[0][0] == 0
    assert [r["type"] for r in daemon.events("HP-001")] == ["TEST"]
    assert u.drain_commands(0.2) == []


def test_units_lists_every_registered_unit(daemon):
    alice = daemon.operator("alice")
    before = now_ms()
    u, = connected(daemon, "HP-001")
    wait_for(lambda: alice.units()["HP-001"]["state"] == "online")
    units = alice.units()
    assert sorted(units) == ["HP-001", "HP-002", "HP-003", "HP-004", "HP-005", "HP-009"]
    one = units["HP-001"]
    assert one["site"] == "racecourse" and one["name"] == "Racecourse Park point 1"
    assert before - 1000 <= iso_ms(one["last_seen"]) <= now_ms() + 1000
    two = units["HP-002"]
    assert (two["state"], two["last_seen"]) == ("unknown", "-")
    assert two["name"] == "Racecourse Park point 2"
    assert all("test_until" not in f for f in units.values())


@pytest.mark.refuge(config={"escalation": {"after": "1h"},
                            "supervision": {"heartbeat": "1s", "missed": 2}})
def test_unit_going_offline_and_back_is_pushed_and_raises(daemon):
    alice = daemon.operator("alice")
    u, = connected(daemon, "HP-001")
    alice.wait_push("UNIT HP-001 online")
    # Silent for heartbeat * missed: offline, and an alarm of priority 3.
    assert alice.wait_push("UNIT HP-001 offline", timeout=8) == "* UNIT HP-001 offline"
    a = parse_alarm(alice.wait_push("ALARM", "type=UNIT_OFFLINE ", "unit=HP-001 "))
    assert a["prio"] == 3 and a["state"] == "queued"
    assert alice.units()["HP-001"]["state"] == "offline"
    # Back online: the same alarm shows restored, still open.
    u.close()
    v, = connected(daemon, "HP-001")
    assert alice.wait_push("UNIT HP-001 online") == "* UNIT HP-001 online"
    r = parse_alarm(alice.wait_push("ALARM %d" % a["id"], "restored=1"))
    assert r["state"] == "queued"
    assert a["id"] in [x["id"] for x in alice.alarms()]


def test_plan_lists_the_site_steps(daemon):
    alice = daemon.operator("alice")
    u, = connected(daemon, "HP-001")
    a = raise_alarm(alice, u, "p1", "BUTTON")
    data, final = alice.request("PLAN %d" % a["id"])
    assert final in ("OK", "OK %d" % len(data)), final
    assert data == ["PLAN park site=racecourse steps=2 contacts=0",
                    'STEP 1 "Look at the camera"', 'STEP 2 "Speak to the caller"']
    assert alice.call("PLAN 99999").startswith("ERR notfound")


def test_note_is_stored(daemon):
    alice = daemon.operator("alice")
    u, = connected(daemon, "HP-001")
    a = raise_alarm(alice, u, "n1", "BUTTON")
    assert alice.call('NOTE %d "caller says \\"fine\\", no help needed"' % a["id"]) == "OK"
    rows = daemon.query("SELECT * FROM alarm_notes WHERE alarm_id = ?", (a["id"],))
    assert len(rows) == 1
    assert rows[0]["user"] == "alice"
    assert rows[0]["text"] == 'caller says "fine", no help needed'
    assert alice.call('NOTE 99999 "x"').startswith("ERR notfound")


def test_reply_data_is_never_split_by_pushes(daemon):
    alice = daemon.operator("alice")
    carol = daemon.operator("carol")
    units = connected(daemon, "HP-001", "HP-002", "HP-003", "HP-004", "HP-005")
    for n, u in enumerate(units):
        raise_alarm(alice, u, "q%d" % n, "TAMPER")
    # Repeats push on every event while alice asks for ALARMS again and
    # again; Operator.reply() fails on a push inside a reply.
    for n in range(10):
        for u in units:
            u.send("EVENT z%d TAMPER" % n)
        for _ in range(5):
            data, final = alice.request("ALARMS")
            assert final == "OK 5", final
        for u in units:
            assert u.reply() == "ACK z%d" % n
    carol.wait_push("ALARM", "count=11")
    assert all(a["count"] == 11 for a in alice.alarms())
