"""Commands to units: activation on a BUTTON alarm, and CMD from an
operator with its DONE, FAIL or timeout pushed to every operator."""

import time

import pytest

from helpers import raise_alarm, wait_for

QUIET = {"escalation": {"after": "1h"}}
pytestmark = pytest.mark.refuge(config=QUIET)


def command_row(daemon, cmd_id):
    rows = daemon.query("SELECT * FROM unit_commands WHERE cmd_id = ?", (cmd_id,))
    assert rows, "command %s is not in unit_commands" % cmd_id
    return rows[0]


def send_cmd(op, line):
    data, final = op.request(line)
    assert data == [] and final.startswith("OK cmd="), "%r -> %r %r" % (line, data, final)
    cmd_id = final[len("OK cmd="):]
    assert cmd_id and " " not in cmd_id, final
    return cmd_id


def test_button_alarm_flashes_the_light_and_turns_the_camera(daemon):
    alice = daemon.operator("alice")
    u1 = daemon.commanded_unit("HP-001")	# camera_preset: 2
    u1.hello()
    u3 = daemon.commanded_unit("HP-003")	# no camera_preset
    u3.hello()
    a = raise_alarm(alice, u1, "a1", "BUTTON")
    light = u1.wait_command("LIGHT", "FLASH")
    camera = u1.wait_command("CAMERA", "PRESET", "2")
    assert light != camera
    for cmd_id, words in ((light, "LIGHT FLASH"), (camera, "CAMERA PRESET 2")):
        row = command_row(daemon, cmd_id)
        assert (row["unit_id"], row["alarm_id"]) == ("HP-001", a["id"])
        assert words in row["command"]
    u1.send("DONE %s" % light)
    alice.wait_push("CMD %s done" % light)
    wait_for(lambda: command_row(daemon, light)["result"] == "done")

    raise_alarm(alice, u3, "a2", "BUTTON")
    u3.wait_command("LIGHT", "FLASH")
    assert u3.drain_commands(0.3) == [], "a camera command for a unit without a preset"
    # A repeat press, or another type of alarm, activates nothing.
    assert u1.event("a3", "BUTTON") == "ACK a3"
    alice.wait_push("ALARM %d" % a["id"], "count=2")
    raise_alarm(alice, u1, "a4", "TAMPER")
    assert u1.drain_commands(0.3) == []


def test_cmd_done_and_fail_are_pushed_to_every_operator(daemon):
    alice = daemon.operator("alice")
    carol = daemon.operator("carol")
    u = daemon.commanded_unit("HP-001")
    u.hello()
    cid = send_cmd(alice, "CMD HP-001 LIGHT ON")
    assert u.wait_command("LIGHT", "ON") == cid
    row = command_row(daemon, cid)
    assert (row["unit_id"], row["user"], row["result"]) == ("HP-001", "alice", None)
    u.send("DONE %s" % cid)
    for op in (alice, carol):
        assert op.wait_push("CMD %s" % cid) == "* CMD %s done" % cid
    row = command_row(daemon, cid)
    assert row["result"] == "done" and row["done_ms"] is not None

    cid = send_cmd(carol, "CMD HP-001 CAMERA PRESET 5")
    assert u.wait_command("CAMERA", "PRESET", "5") == cid
    u.send("FAIL %s motor stuck" % cid)
    for op in (alice, carol):
        assert op.wait_push("CMD %s" % cid) == "* CMD %s fail motor stuck" % cid
    row = command_row(daemon, cid)
    assert (row["result"], row["reason"], row["user"]) == ("fail", "motor stuck", "carol")

    ids = set()
    for line, words in (("LIGHT FLASH", ("LIGHT", "FLASH")), ("LIGHT OFF", ("LIGHT", "OFF")),
                        ("AUDIO CLOSE", ("AUDIO", "CLOSE")), ("RESET", ("RESET",))):
        cid = send_cmd(alice, "CMD HP-001 " + line)
        assert u.wait_command(*words) == cid
        u.send("DONE %s" % cid)
        carol.wait_push("CMD %s done" % cid)
        ids.add(cid)
    assert len(ids) == 4, "command ids are reused"


def test_audio_open_uses_the_registry_uri(daemon):
    alice = daemon.operator("alice")
    u = daemon.commanded_unit("HP-002")	# audio_uri: sip:hp-002@127.0.0.1
    u.hello()
    cid = send_cmd(alice, "CMD HP-002 AUDIO OPEN")
    assert u.wait_command("AUDIO", "OPEN", "sip:hp-002@127.0.0.1") == cid
    cid = send_cmd(alice, "CMD HP-002 AUDIO OPEN sip:desk@10.1.2.3")
    assert u.wait_command("AUDIO", "OPEN", "sip:desk@10.1.2.3") == cid


@pytest.mark.refuge(config={"escalation": {"after": "1h"}, "limits": {"command_timeout": "1s"}})
def test_unanswered_cmd_times_out(daemon):
    alice = daemon.operator("alice")
    u = daemon.commanded_unit("HP-001")
    u.hello()
    start = time.monotonic()
    cid = send_cmd(alice, "CMD HP-001 RESET")
    assert u.wait_command("RESET") == cid
    assert alice.wait_push("CMD %s" % cid, timeout=4) == "* CMD %s timeout" % cid
    took = time.monotonic() - start
    assert took >= 0.8, "timed out after %.2fs, before command_timeout" % took
    assert command_row(daemon, cid)["result"] == "timeout"
    # A late answer changes nothing.
    u.send("DONE %s" % cid)
    alice.no_push("CMD %s" % cid, wait=0.3)
    assert command_row(daemon, cid)["result"] == "timeout"


def test_cmd_to_a_unit_not_connected_is_refused(daemon):
    alice = daemon.operator("alice")
    assert alice.call("CMD HP-003 LIGHT ON").startswith("ERR offline")
    u = daemon.commanded_unit("HP-003")
    u.hello()
    cid = send_cmd(alice, "CMD HP-003 LIGHT ON")
    assert u.wait_command("LIGHT", "ON") == cid
    u.close()
    wait_for(lambda: alice.call("CMD HP-003 LIGHT OFF").startswith("ERR offline"), timeout=5)
    final = alice.call("CMD HP-777 LIGHT ON")
    assert final.startswith("ERR "), final


def test_command_ids_are_not_reused_after_a_restart(make_daemon):
    d = make_daemon(config=QUIET)
    alice = d.operator("alice")
    u = d.commanded_unit("HP-001")
    u.hello()
    first = send_cmd(alice, "CMD HP-001 LIGHT ON")
    assert u.wait_command("LIGHT", "ON") == first
    u.send("DONE %s" % first)
    alice.wait_push("CMD %s done" % first)
    assert d.stop() == 0

    again = make_daemon(directory=d.dir)
    alice = again.operator("alice")
    v = again.commanded_unit("HP-001")
    v.hello()
    second = send_cmd(alice, "CMD HP-001 LIGHT OFF")
    assert second != first, "command id %s given out again after a restart" % first
    assert v.wait_command("LIGHT", "OFF") == second
    # Both are on record, each as sent.
    assert "LIGHT OFF" in command_row(again, second)["command"]
    assert "LIGHT ON" in command_row(again, first)["command"]
    v.send("DONE %s" % second)
    alice.wait_push("CMD %s done" % second)
    wait_for(lambda: command_row(again, second)["result"] == "done")
    assert again.find_log("not recorded") is None, again.find_log("not recorded")
