"""The operator's record and the shift: DETAIL, SEARCH, location on ALARM
and UNIT lines, WHO, HANDOVER and CLAIM force."""

import sqlite3
import subprocess
import time

import pytest

from conftest import default_config, default_registry, merge, refuged_path, \
    to_yaml, yaml_line_of
from helpers import OPERATOR_PASSWORD, Operator, iso_ms, parse_alarm, parse_line, \
    raise_alarm, wait_for

QUIET = {"escalation": {"after": "1h"}}
ADDRESS = "Racecourse Park, Kettering Road gate, NN2 7BD"
pytestmark = pytest.mark.refuge(config=QUIET,
                                units={"HP-001": {"address": ADDRESS}})

# The longest a name and an address may be: 100 bytes as sent, where a
# quote or a backslash is escaped and counts two.
LONGEST_NAME = '"' * 50
LONGEST_ADDRESS = "\\" * 49 + "xy"
LONG_SITE = "s" * 64


def now_ms():
    return int(time.time() * 1000)


def fits(line):
    """A protocol line within 512 bytes and 40 tokens."""
    raw = line.encode()
    assert len(raw) <= 512, "%d bytes: %r" % (len(raw), line)
    words, fields = parse_line(line)
    assert len(words) + len(fields) + (1 if line.startswith("* ") else 0) <= 40, line


def detail(op, alarm_id):
    data, final = op.request("DETAIL %d" % alarm_id)
    assert final == "OK", (final, data)
    return data


def test_detail_after_resolve_shows_note_author_and_times(daemon):
    alice = daemon.operator("alice")
    unit = daemon.commanded_unit("HP-001")
    unit.hello()
    before = now_ms() - 1000
    a = raise_alarm(alice, unit, "d1", "BUTTON")
    assert alice.call("CLAIM %d" % a["id"]) == "OK"
    assert alice.call('NOTE %d "Caller says a man fell on the steps"' % a["id"]) == "OK"
    assert alice.call('RESOLVE %d genuine action=ambulance "Ambulance sent, 999 ref 4411"'
                      % a["id"]) == "OK"
    after = now_ms() + 1000

    data = detail(alice, a["id"])
    alarm = parse_alarm(data[0])
    assert (alarm["id"], alarm["state"], alarm["outcome"]) == (a["id"], "resolved", "genuine")
    assert (alarm["lat"], alarm["lon"]) == ("52.246000", "-0.887000")
    words, unit_line = parse_line(data[1])
    assert words == ["UNIT", "HP-001"], data[1]
    assert unit_line["address"] == ADDRESS and unit_line["lat"] == "52.246000"
    events = [parse_line(l)[0] for l in data if l.startswith("EVENT ")]
    assert events == [["EVENT", "d1", "BUTTON"]], data
    logs = [parse_line(l) for l in data if l.startswith("LOG ")]
    # The press's activation (light, camera) is on the record too.
    commands = [f for w, f in logs if w[2] == "command"]
    assert commands and all(f["unit"] == "HP-001" for f in commands), data
    logs = [(w, f) for w, f in logs if w[2] not in ("command", "result")]
    assert [w[2] for w, f in logs] == ["raised", "claimed", "note", "resolved"], data
    for w, f in logs:
        assert before <= iso_ms(w[1]) <= after, w
    assert logs[1][1]["by"] == "alice"
    assert logs[2][0][3] == "Caller says a man fell on the steps"
    assert logs[2][1]["by"] == "alice"
    resolved = logs[3]
    assert (resolved[1]["by"], resolved[1]["outcome"], resolved[1]["action"]) == \
        ("alice", "genuine", "ambulance")
    assert resolved[0][3] == "Ambulance sent, 999 ref 4411"
    # Every line of the record keeps to the protocol's bounds.
    for line in data:
        fits(line)

    data, final = alice.request("DETAIL 999999")
    assert final.startswith("ERR notfound"), final
    assert alice.call("DETAIL x").startswith("ERR syntax")


def search(op, line):
    data, final = op.request(line)
    assert final.startswith("OK "), (line, final)
    alarms = [parse_alarm(l) for l in data]
    assert final.split()[1] == str(len(alarms)), (final, data)
    return alarms, final


def test_search_filters(daemon):
    alice = daemon.operator("alice")
    u1 = daemon.commanded_unit("HP-001")
    u1.hello()
    u2 = daemon.commanded_unit("HP-002")
    u2.hello()
    b1 = raise_alarm(alice, u1, "s1", "BUTTON")
    t1 = raise_alarm(alice, u1, "s2", "TAMPER")
    b2 = raise_alarm(alice, u2, "s3", "BUTTON")
    assert alice.call("CLAIM %d" % b1["id"]) == "OK"
    assert alice.call("RESOLVE %d false reason=accidental" % b1["id"]) == "OK"
    bob = daemon.operator("bob")
    assert bob.call("CLAIM %d" % b2["id"]) == "OK"
    assert bob.call("RESOLVE %d genuine action=police" % b2["id"]) == "OK"

    ids = lambda alarms: [a["id"] for a in alarms]
    alarms, final = search(alice, "SEARCH")
    assert ids(alarms) == [b2["id"], t1["id"], b1["id"]], alarms	# newest first
    assert final == "OK 3"
    assert ids(search(alice, "SEARCH unit=HP-002")[0]) == [b2["id"]]
    assert ids(search(alice, "SEARCH site=racecourse type=TAMPER")[0]) == [t1["id"]]
    assert ids(search(alice, "SEARCH site=elsewhere")[0]) == []
    assert ids(search(alice, "SEARCH outcome=open")[0]) == [t1["id"]]
    found = search(alice, "SEARCH outcome=false")[0]
    assert ids(found) == [b1["id"]] and found[0]["outcome"] == "false"
    assert ids(search(alice, "SEARCH outcome=genuine")[0]) == [b2["id"]]
    assert ids(search(alice, "SEARCH outcome=technical")[0]) == []
    assert ids(search(alice, "SEARCH by=bob")[0]) == [b2["id"]]
    assert ids(search(alice, "SEARCH by=alice unit=HP-001")[0]) == [b1["id"]]
    assert ids(search(alice, "SEARCH since=1h")[0]) == [b2["id"], t1["id"], b1["id"]]
    assert ids(search(alice, "SEARCH until=yesterday")[0]) == []
    assert ids(search(alice, "SEARCH since=today until=today")[0]) == \
        [b2["id"], t1["id"], b1["id"]]
    alarms, final = search(alice, "SEARCH limit=2")
    assert ids(alarms) == [b2["id"], t1["id"]] and final == "OK 2 more=1", final
    alarms, final = search(alice, "SEARCH limit=3")
    assert final == "OK 3", final
    for bad in ("SEARCH limit=0", "SEARCH limit=1001", "SEARCH outcome=maybe",
                "SEARCH since=soon", "SEARCH type=NOPE", "SEARCH HP-001",
                "SEARCH colour=red"):
        assert alice.call(bad).startswith("ERR syntax"), bad


@pytest.mark.sqlite_only
def test_a_thousand_row_search_is_sent_as_the_link_drains(daemon, make_daemon):
    """1,001 alarms stored: SEARCH limit=1000 answers 1,000 lines, more=1,
    to a console with a small receive buffer."""
    alice = daemon.operator("alice")
    unit = daemon.commanded_unit("HP-003")
    unit.hello()
    first = raise_alarm(alice, unit, "m0", "BUTTON")
    assert alice.call("CLAIM %d" % first["id"]) == "OK"
    assert alice.call("RESOLVE %d false reason=test" % first["id"]) == "OK"
    alice.close()
    unit.close()
    daemon.stop()
    conn = sqlite3.connect(daemon.db_path)
    with conn:
        conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
            "WHERE i < 1000) INSERT INTO alarms (id, event_id, unit_id, site_id, "
            "type, priority, state, raised_ms, count, resolved_by, resolved_ms, "
            "outcome, reason) SELECT a.id + i, a.event_id, a.unit_id, a.site_id, "
            "a.type, a.priority, 'resolved', a.raised_ms + i, 1, 'alice', "
            "a.resolved_ms + i, 'false', 'test' FROM alarms a, n WHERE a.id = ?",
            (first["id"],))
    conn.close()
    again = make_daemon(directory=daemon.dir)
    op = again.operator("alice", rcvbuf=4096)
    data, final = op.request("SEARCH limit=1000", timeout=30)
    assert final == "OK 1000 more=1", final
    got = [parse_alarm(l)["id"] for l in data]
    assert got == list(range(first["id"] + 1000, first["id"], -1))
    assert op.call("PING") == "OK"


def test_location_keys_on_alarm_and_unit_lines(daemon):
    alice = daemon.operator("alice")
    unit = daemon.commanded_unit("HP-001")
    unit.hello()
    a = raise_alarm(alice, unit, "l1", "BUTTON")
    assert (a["lat"], a["lon"]) == ("52.246000", "-0.887000"), a["line"]
    listed = [x for x in alice.alarms() if x["id"] == a["id"]]
    assert listed and listed[0]["lat"] == "52.246000", listed
    data, final = alice.ok("UNITS")
    rows = {parse_line(l)[0][1]: parse_line(l)[1] for l in data}
    one, two = rows["HP-001"], rows["HP-002"]
    assert (one["lat"], one["lon"], one["address"]) == ("52.246000", "-0.887000", ADDRESS)
    assert "address" not in two and two["lat"] == "52.247000"
    # Heard includes every line the unit sends, a heartbeat too.
    assert iso_ms(one["heard"]) >= iso_ms(one["last_seen"]) - 1000, one
    assert two["heard"] == "-" and two["last_seen"] == "-"
    first = iso_ms(one["heard"])
    time.sleep(0.01)	# the clock moves on; not a wait for the daemon
    unit.send("HB")

    def heard_later():
        data, _ = alice.ok("UNITS")
        row = [parse_line(l)[1] for l in data if " HP-001 " in l + " "][0]
        return iso_ms(row["heard"]) > first
    wait_for(heard_later, message="heard= did not follow a heartbeat")


@pytest.mark.refuge(config=QUIET, registry={"sites": [
    {"id": LONG_SITE, "name": "Racecourse Park", "plan": "park"}]},
    units={uid: {"site": LONG_SITE} for uid in
           ("HP-001", "HP-002", "HP-003", "HP-004", "HP-005", "HP-009")} |
    {"HP-001": {"site": LONG_SITE, "name": LONGEST_NAME, "address": LONGEST_ADDRESS,
                "lat": -89.999999, "lon": -179.999999}})
def test_longest_name_and_address_keep_lines_within_512_bytes(daemon):
    bob = daemon.operator("bob")
    unit = daemon.commanded_unit("HP-001")
    unit.hello()
    unit.event("x1", "BUTTON")
    for n in range(2, 12):		# count= grows
        assert unit.event("x%d" % n, "BUTTON") == "ACK x%d" % n
    push = bob.wait_push("ALARM", "count=11")
    fits(push)
    a = parse_alarm(push)
    assert a["name"] == '\\"' * 50 and a["lat"] == "-89.999999", push
    assert bob.call("CLAIM %d" % a["id"]) == "OK"
    data, _ = bob.ok("ALARMS")
    for line in data:
        fits(line)
    data, _ = bob.ok("UNITS")
    long_unit = [l for l in data if l.startswith("UNIT HP-001 ")]
    assert long_unit, data
    fields = parse_line(long_unit[0])[1]
    assert (fields["name"], fields["address"]) == (LONGEST_NAME, LONGEST_ADDRESS)
    for line in data:
        fits(line)
    for line in detail(bob, a["id"]):
        fits(line)
    data, _ = bob.ok("SEARCH")
    for line in data:
        fits(line)


def run_check(tmp_path, pki, password_hash, unit_over):
    reg = default_registry(password_hash)
    reg["units"][0].update(unit_over)
    text = to_yaml(reg)
    (tmp_path / "units.yaml").write_text(text)
    (tmp_path / "refuge.yaml").write_text(to_yaml(default_config(pki)))
    r = subprocess.run([refuged_path(), "-t", "-c", str(tmp_path / "refuge.yaml")],
                       capture_output=True, text=True, timeout=30, cwd="/")
    return r, text


def test_registry_refuses_a_name_or_address_too_long(tmp_path, pki, password_hash):
    r, _ = run_check(tmp_path, pki, password_hash,
                     {"name": LONGEST_NAME, "address": LONGEST_ADDRESS})
    assert r.returncode == 0, r.stderr
    for key, value, needle in (("name", "n" * 101, "n" * 101),
                               ("address", '"' * 51, '\\"' * 51),
                               ("address", "line\tbreak", "line")):
        r, text = run_check(tmp_path, pki, password_hash, {key: value})
        assert r.returncode == 1, (key, value, r)
        want = "units.yaml:%d:" % yaml_line_of(text, needle[:8])
        assert want in r.stderr, (want, r.stderr)


def test_who_lists_logged_in_operators_and_their_claims(daemon):
    alice = daemon.operator("alice")
    bob = daemon.operator("bob")
    unit = daemon.commanded_unit("HP-001")
    unit.hello()
    a = raise_alarm(alice, unit, "w1", "BUTTON")
    b = raise_alarm(alice, unit, "w2", "TAMPER")
    assert alice.call("CLAIM %d" % a["id"]) == "OK"
    assert alice.call("CLAIM %d" % b["id"]) == "OK"
    data, final = bob.request("WHO")
    assert final == "OK 2", (final, data)
    rows = {parse_line(l)[0][1]: parse_line(l)[1] for l in data}
    assert all(l.startswith("OPERATOR ") for l in data), data
    assert rows["alice"] == {"role": "operator", "desk": "-",
                             "claimed": "%d,%d" % (a["id"], b["id"])}, data
    assert rows["bob"] == {"role": "supervisor", "desk": "-", "claimed": "-"}, data
    assert bob.call("WHO now").startswith("ERR syntax")
    # The desk phone given at LOGIN is shown.
    carol = daemon.operator(None)
    assert carol.call("LOGIN carol %s desk=sip:desk-3@pbx.example"
                      % OPERATOR_PASSWORD).startswith("OK role=operator tz=")
    data, final = bob.request("WHO")
    assert final == "OK 3", (final, data)
    rows = {parse_line(l)[0][1]: parse_line(l)[1] for l in data}
    assert rows["carol"]["desk"] == "sip:desk-3@pbx.example", data


def test_handover_is_pushed_and_sent_after_login(daemon):
    alice = daemon.operator("alice")
    bob = daemon.operator("bob")
    text = 'Gate 3 camera is down; engineer "due" 9am'
    assert alice.call('HANDOVER "%s"' % text.replace('"', '\\"')) == "OK"
    for op in (alice, bob):
        push = op.wait_push("HANDOVER", "by=alice")
        fits(push)
        words, fields = parse_line(push)
        assert words == ["HANDOVER", text], push
        assert abs(iso_ms(fields["at"]) - now_ms()) < 10000
    carol = daemon.operator("carol")
    push = carol.wait_push("HANDOVER", "by=alice")
    assert parse_line(push)[0][1] == text
    rows = daemon.query("SELECT user, text FROM handover")
    assert [(r["user"], r["text"]) for r in rows] == [("alice", text)]
    assert daemon.query("SELECT count(*) AS n FROM audit WHERE action = 'handover' "
                        "AND user = 'alice'")[0]["n"] == 1
    # The latest note is the one sent after a login.
    assert bob.call("HANDOVER Quiet night") == "OK"
    later = daemon.operator("carol")
    assert parse_line(later.wait_push("HANDOVER", "by=bob"))[0][1] == "Quiet night"
    assert later.find_push("HANDOVER", "by=alice") is None
    assert alice.call("HANDOVER").startswith("ERR syntax")
    assert alice.call('HANDOVER "%s"' % ("x" * 429)).startswith("ERR syntax")


def test_supervisor_takes_over_a_claim(daemon):
    alice = daemon.operator("alice")
    carol = daemon.operator("carol")
    bob = daemon.operator("bob")
    unit = daemon.commanded_unit("HP-001")
    unit.hello()
    a = raise_alarm(alice, unit, "f1", "BUTTON")
    assert alice.call("CLAIM %d" % a["id"]) == "OK"
    assert carol.call("CLAIM %d force" % a["id"]).startswith("ERR denied")
    assert bob.call("CLAIM %d" % a["id"]).startswith("ERR claimed")
    assert bob.call("CLAIM %d now" % a["id"]).startswith("ERR syntax")
    assert bob.call("CLAIM %d force" % a["id"]) == "OK"
    assert alice.wait_push("CLAIMED %d" % a["id"], "by=bob")
    rows = daemon.query("SELECT user, detail FROM audit WHERE alarm_id = ? AND "
                        "action = 'claim' ORDER BY id", (a["id"],))
    assert [(r["user"], r["detail"]) for r in rows] == \
        [("alice", ""), ("bob", "force=1 from=alice")]
    record = detail(bob, a["id"])
    open_alarm = parse_alarm(record[0])		# DETAIL of an open alarm
    assert (open_alarm["state"], open_alarm["by"], open_alarm["outcome"]) == \
        ("claimed", "bob", None), record[0]
    logs = [parse_line(l) for l in record if l.startswith("LOG ")]
    forced = [f for w, f in logs if w[2] == "claimed" and f.get("by") == "bob"]
    assert forced == [{"by": "bob", "force": "1", "from": "alice"}], logs
    # Alice no longer holds it: she cannot resolve it, bob can.
    assert alice.call("RESOLVE %d false reason=test" % a["id"]).startswith("ERR ")
    assert bob.call("RESOLVE %d false reason=test" % a["id"]) == "OK"
    assert bob.call("CLAIM 999999 force").startswith("ERR notfound")


def test_detail_shows_the_desks_steps_audio_and_command_results(daemon):
    alice = Operator(daemon)
    assert alice.call("LOGIN alice %s desk=sip:desk-1@127.0.0.1"
                      % OPERATOR_PASSWORD).startswith("OK role=")
    unit = daemon.commanded_unit("HP-002")
    unit.hello()
    a = raise_alarm(alice, unit, "p1", "BUTTON")
    unit.send("DONE %s" % unit.wait_command("LIGHT", "FLASH"))
    assert alice.call("CLAIM %d" % a["id"]) == "OK"
    assert alice.call('STEP %d 1 "Camera shows a cyclist"' % a["id"]) == "OK"
    final = alice.call("CMD HP-002 AUDIO OPEN")
    assert final.startswith("OK cmd="), final
    assert unit.wait_command("AUDIO", "OPEN", "sip:desk-1@127.0.0.1")
    wait_for(lambda: daemon.query("SELECT result FROM unit_commands WHERE "
                                  "command = 'LIGHT FLASH'")[0]["result"] == "done")
    logs = [parse_line(l) for l in detail(alice, a["id"]) if l.startswith("LOG ")]
    steps = [(w, f) for w, f in logs if w[2] == "step"]
    assert steps == [(["LOG", steps[0][0][1], "step", "Camera shows a cyclist"],
                      {"by": "alice", "n": "1"})], logs
    audio = [(w[3], f["by"]) for w, f in logs if w[2] == "audio"]
    assert audio == [("open uri=sip:desk-1@127.0.0.1", "alice")], logs
    results = [f for w, f in logs if w[2] == "result"]
    assert {"result": "done"}.items() <= results[0].items(), logs
    assert [w[2] for w, f in logs].index("raised") == 0
