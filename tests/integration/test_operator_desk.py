"""The operator's desk: audio to the operator's desk phone (LOGIN desk=,
ERR nodesk) recorded on the alarm, the unit back to normal when its press
is resolved, and the plan step by step (shown on CLAIM, STEP, night plans,
contacts)."""

import time

import pytest

from helpers import OPERATOR_PASSWORD, Operator, parse_line, raise_alarm

QUIET = {"escalation": {"after": "1h"}}
pytestmark = pytest.mark.refuge(config=QUIET)

DESK = "sip:desk-alice@127.0.0.1"


def desk_operator(daemon, user, desk):
    op = Operator(daemon)
    final = op.call("LOGIN %s %s desk=%s" % (user, OPERATOR_PASSWORD, desk))
    assert final.startswith("OK role="), final
    return op


def send_cmd(op, line):
    final = op.call(line)
    assert final.startswith("OK cmd="), "%r -> %r" % (line, final)
    return final[len("OK cmd="):]


def audit(daemon, alarm_id, action):
    return daemon.query("SELECT time_ms, user, detail FROM audit "
                        "WHERE alarm_id = ? AND action = ? ORDER BY id",
                        (alarm_id, action))


def take_activation(unit):
    unit.wait_command("LIGHT", "FLASH")


def test_audio_rings_the_operators_desk_and_is_recorded(daemon):
    alice = desk_operator(daemon, "alice", DESK)
    carol = daemon.operator("carol")		# no desk
    u1 = daemon.commanded_unit("HP-001")	# no audio_uri
    u1.hello()
    u2 = daemon.commanded_unit("HP-002")	# audio_uri: sip:hp-002@127.0.0.1
    u2.hello()
    u3 = daemon.commanded_unit("HP-003")	# neither
    u3.hello()
    tamper = raise_alarm(alice, u1, "t1", "TAMPER")
    press = raise_alarm(alice, u1, "b1", "BUTTON")
    take_activation(u1)

    # The unit calls the desk of whoever opened audio, before its own uri.
    cid = send_cmd(alice, "CMD HP-001 AUDIO OPEN")
    assert u1.wait_command("AUDIO", "OPEN", DESK) == cid
    row = daemon.query("SELECT command FROM unit_commands WHERE cmd_id = ?", (cid,))
    assert row[0]["command"] == "AUDIO OPEN " + DESK
    cid = send_cmd(carol, "CMD HP-002 AUDIO OPEN")
    assert u2.wait_command("AUDIO", "OPEN", "sip:hp-002@127.0.0.1") == cid
    assert carol.call("CMD HP-003 AUDIO OPEN") == \
        "ERR nodesk log in with desk=<sip-uri>"
    assert u3.drain_commands(0.3) == []
    # A uri given still wins over the desk.
    cid = send_cmd(alice, "CMD HP-003 AUDIO OPEN sip:other@127.0.0.1")
    assert u3.wait_command("AUDIO", "OPEN", "sip:other@127.0.0.1") == cid

    # Open and close are on the press (not the older tamper), with times.
    cid = send_cmd(alice, "CMD HP-001 AUDIO CLOSE")
    assert u1.wait_command("AUDIO", "CLOSE") == cid
    rows = audit(daemon, press["id"], "audio")
    assert [(r["user"], r["detail"]) for r in rows] == [
        ("alice", "open uri=" + DESK), ("alice", "close")], rows
    assert rows[0]["time_ms"] <= rows[1]["time_ms"]
    assert audit(daemon, tamper["id"], "audio") == []
    # Without a press the newest open alarm has it.
    other = raise_alarm(carol, u2, "t2", "TAMPER")
    assert audit(daemon, other["id"], "audio") == []
    send_cmd(carol, "CMD HP-002 AUDIO CLOSE")
    assert [r["detail"] for r in audit(daemon, other["id"], "audio")] == ["close"]


def test_login_refuses_a_bad_desk(daemon):
    op = Operator(daemon)
    final = op.call("LOGIN alice %s desk=http://desk" % OPERATOR_PASSWORD)
    assert final.startswith("ERR syntax bad desk"), final
    final = op.call("LOGIN alice %s desk=sip:%s" % (OPERATOR_PASSWORD, "a" * 130))
    assert final.startswith("ERR syntax bad desk"), final
    final = op.call("LOGIN alice %s desk=tel:+441604000000" % OPERATOR_PASSWORD)
    assert final.startswith("OK role="), final


@pytest.mark.refuge(config=QUIET, units={"HP-001": {"camera_home": 5},
                                         "HP-003": {"light_idle": "off"}})
def test_resolving_a_press_returns_the_unit_to_normal(daemon):
    alice = desk_operator(daemon, "alice", DESK)
    u1 = daemon.commanded_unit("HP-001")	# camera_preset: 2, camera_home: 5
    u1.hello()
    u3 = daemon.commanded_unit("HP-003")	# light_idle: off, no camera
    u3.hello()
    a = raise_alarm(alice, u1, "b1", "BUTTON")
    take_activation(u1)
    u1.wait_command("CAMERA", "PRESET", "2")
    send_cmd(alice, "CMD HP-001 AUDIO OPEN")
    u1.wait_command("AUDIO", "OPEN", DESK)
    assert alice.call("CLAIM %d" % a["id"]) == "OK"
    assert alice.call("RESOLVE %d genuine action=advice" % a["id"]) == "OK"
    close = u1.wait_command("AUDIO", "CLOSE")
    light = u1.wait_command("LIGHT", "ON")
    camera = u1.wait_command("CAMERA", "PRESET", "5")
    assert len({close, light, camera}) == 3
    rows = audit(daemon, a["id"], "audio")
    assert [(r["user"], r["detail"]) for r in rows] == [
        ("alice", "open uri=" + DESK), ("", "close")], rows
    for cmd_id in (close, light, camera):
        row = daemon.query("SELECT alarm_id FROM unit_commands WHERE cmd_id = ?",
                           (cmd_id,))
        assert row[0]["alarm_id"] == a["id"]

    # Dark at rest, no camera home, no call open: only LIGHT OFF.
    b = raise_alarm(alice, u3, "b2", "BUTTON")
    take_activation(u3)
    assert alice.call("CLAIM %d" % b["id"]) == "OK"
    assert alice.call("RESOLVE %d false reason=accidental" % b["id"]) == "OK"
    u3.wait_command("LIGHT", "OFF")
    assert u3.drain_commands(0.3) == []
    # Another type of alarm resolved changes nothing on the unit.
    t = raise_alarm(alice, u3, "t3", "TAMPER")
    assert alice.call("CLAIM %d" % t["id"]) == "OK"
    assert alice.call("RESOLVE %d genuine action=police" % t["id"]) == "OK"
    assert u3.drain_commands(0.3) == []


PLANS = {
    "sites": [
        {"id": "racecourse", "name": "Racecourse Park", "plan": "park"},
    ],
    "plans": [
        {"id": "park", "steps": ["Look at the camera", "Speak to the caller",
                                 "Call 999 and give the location"],
         "contacts": [{"name": "Park warden", "phone": "01604 000000"},
                      {"name": "Police \"control\"", "phone": "+44 (0)101"}]},
    ],
}


@pytest.mark.refuge(config=QUIET, registry=PLANS)
def test_claim_shows_the_plan_and_steps_are_ticked(daemon):
    alice = daemon.operator("alice")
    carol = daemon.operator("carol")
    u = daemon.commanded_unit("HP-001")
    u.hello()
    a = raise_alarm(alice, u, "b1", "BUTTON")
    carol.wait_push("ALARM %d" % a["id"])
    assert alice.call("CLAIM %d" % a["id"]) == "OK"
    # The plan follows the OK at once, to the claimer only.
    head = alice.wait_push("PLAN %d" % a["id"])
    assert head == "* PLAN %d park site=racecourse steps=3 contacts=2" % a["id"]
    assert alice.wait_push("STEP %d 1" % a["id"]) == \
        '* STEP %d 1 "Look at the camera"' % a["id"]
    alice.wait_push("STEP %d 3" % a["id"], "Call 999")
    assert alice.wait_push("CONTACT %d" % a["id"], "Park warden") == \
        '* CONTACT %d name="Park warden" phone="01604 000000"' % a["id"]
    alice.wait_push("CONTACT %d" % a["id"], "Police")
    carol.no_push("PLAN")

    before = int(time.time() * 1000)
    assert alice.call("STEP %d 2 \"no answer, line open\"" % a["id"]) == "OK"
    assert alice.call("STEP %d 1" % a["id"]) == "OK"
    assert carol.call("STEP %d 3" % a["id"]) == "OK"
    assert alice.call("STEP %d 4" % a["id"]).startswith("ERR syntax plan park has 3 steps")
    assert alice.call("STEP 99999 1").startswith("ERR notfound")
    assert alice.call("STEP %d 0" % a["id"]).startswith("ERR syntax")
    rows = audit(daemon, a["id"], "step")
    assert [(r["user"], r["detail"]) for r in rows] == [
        ("alice", 'n=2 "no answer, line open"'), ("alice", "n=1"), ("carol", "n=3")]

    data, final = alice.request("PLAN %d" % a["id"])
    assert final == "OK"
    assert data[0] == "PLAN park site=racecourse steps=3 contacts=2"
    steps = [parse_line(line) for line in data[1:4]]
    assert [s[0][:2] for s in steps] == [["STEP", "1"], ["STEP", "2"], ["STEP", "3"]]
    assert [s[1]["by"] for s in steps] == ["alice", "alice", "carol"]
    assert steps[1][1]["note"] == "no answer, line open"
    assert "note" not in steps[0][1]
    for s in steps:
        at = s[1]["at"]
        assert at.endswith("Z") and at >= time.strftime(
            "%Y-%m-%dT%H:%M:%S", time.gmtime(before / 1000 - 1)), at
    assert data[4:] == ['CONTACT name="Park warden" phone="01604 000000"',
                        'CONTACT name="Police \\"control\\"" phone="+44 (0)101"']
    # Ticked again: the newest tick is shown.
    assert carol.call("STEP %d 1 \"done twice\"" % a["id"]) == "OK"
    data, final = alice.request("PLAN %d" % a["id"])
    assert parse_line(data[1])[1]["by"] == "carol"
    assert parse_line(data[1])[1]["note"] == "done twice"


def hhmm(t):
    return time.strftime("%H:%M", time.gmtime(t))


def night_registry(now):
    """racecourse's night contains now; square's excludes it."""
    return {
        "sites": [
            {"id": "racecourse", "name": "Racecourse Park", "plan": "park",
             "night_plan": "park-night",
             "night": "%s-%s" % (hhmm(now - 3600), hhmm(now + 3600))},
            {"id": "square", "name": "Market Square", "plan": "park",
             "night_plan": "park-night",
             "night": "%s-%s" % (hhmm(now + 7200), hhmm(now + 10800))},
        ],
        "plans": [
            {"id": "park", "steps": ["Look at the camera"]},
            {"id": "park-night", "steps": ["Look at the camera",
                                           "Call the night warden"],
             "contacts": [{"name": "Night warden", "phone": "07700 900000"}]},
        ],
    }


def test_the_night_plan_follows_local_time(make_daemon):
    # Windows an hour from their edges: the alarm cannot fall across one.
    now = time.time()
    d = make_daemon(config=dict(QUIET, timezone="UTC"),
                    units={"HP-002": {"site": "square"}},
                    registry=night_registry(now))
    alice = d.operator("alice")
    u1 = d.commanded_unit("HP-001")
    u1.hello()
    u2 = d.commanded_unit("HP-002")
    u2.hello()
    night = raise_alarm(alice, u1, "b1", "BUTTON")
    day = raise_alarm(alice, u2, "b2", "BUTTON")
    data, final = alice.request("PLAN %d" % night["id"])
    assert (data, final) == (["PLAN park-night site=racecourse steps=2 contacts=1 night=1",
                              'STEP 1 "Look at the camera"',
                              'STEP 2 "Call the night warden"',
                              'CONTACT name="Night warden" phone="07700 900000"'], "OK")
    data, final = alice.request("PLAN %d" % day["id"])
    assert (data, final) == (["PLAN park site=square steps=1 contacts=0",
                              'STEP 1 "Look at the camera"'], "OK")
    # STEP counts the steps of the plan the alarm follows.
    assert alice.call("STEP %d 2" % night["id"]) == "OK"
    assert alice.call("STEP %d 2" % day["id"]).startswith("ERR syntax")


def test_ticks_survive_a_restart_and_lines_stay_within_512_bytes(make_daemon):
    longest = "s" * 300			# the most a step may have
    reg = {"plans": [{"id": "park", "steps": [longest, "Speak to the caller"]}]}
    d = make_daemon(config=QUIET, registry=reg)
    alice = d.operator("alice")
    u = d.commanded_unit("HP-001")
    u.hello()
    a = raise_alarm(alice, u, "b1", "BUTTON")
    note = "\u00e9" * 200				# 400 bytes of two-byte characters
    assert alice.call('STEP %d 1 "%s"' % (a["id"], note)) == "OK"
    assert alice.call("CLAIM %d" % a["id"]) == "OK"
    push = alice.wait_push("STEP %d 1" % a["id"])
    data, final = alice.request("PLAN %d" % a["id"])
    for line in [push] + data:
        assert len(line.encode()) <= 512, (len(line.encode()), line[:60])
    fields = parse_line(data[1])[1]
    assert fields["by"] == "alice"
    assert note.startswith(fields["note"]) and len(fields["note"]) > 20
    assert d.stop() == 0

    again = make_daemon(directory=d.dir)
    alice = again.operator("alice")
    data, final = alice.request("PLAN %d" % a["id"])
    assert final == "OK"
    assert parse_line(data[1])[1]["by"] == "alice"
    assert "by" not in parse_line(data[2])[1]


def test_the_night_window_is_in_the_receivers_timezone(make_daemon):
    # India is 5:30 ahead of UTC: a window around the local time there
    # excludes the UTC time, and the other way round.
    now = time.time()
    local = now + 5.5 * 3600
    reg = night_registry(local)
    reg["sites"][1]["night"] = "%s-%s" % (hhmm(now - 3600), hhmm(now + 3600))
    d = make_daemon(config=dict(QUIET, timezone="Asia/Kolkata"),
                    units={"HP-002": {"site": "square"}}, registry=reg)
    alice = d.operator("alice")
    u1 = d.commanded_unit("HP-001")
    u1.hello()
    u2 = d.commanded_unit("HP-002")
    u2.hello()
    local_night = raise_alarm(alice, u1, "b1", "BUTTON")
    utc_night = raise_alarm(alice, u2, "b2", "BUTTON")
    assert alice.request("PLAN %d" % local_night["id"])[0][0].endswith(" night=1")
    assert alice.request("PLAN %d" % utc_night["id"])[0][0] == \
        "PLAN park site=square steps=1 contacts=0"
