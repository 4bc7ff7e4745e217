"""HISTORY, STATS, TESTMODE and the audit hash chain."""

import hashlib
import time

import pytest

from helpers import iso_ms, parse_line, raise_alarm, wait_for

QUIET = {"escalation": {"after": "1h"}}
pytestmark = pytest.mark.refuge(config=QUIET)


def iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + ".%03dZ" % (ms % 1000)


def test_history_lists_a_units_events_newest_first(daemon):
    alice = daemon.operator("alice")
    u = daemon.commanded_unit("HP-001")
    u.hello()
    other = daemon.commanded_unit("HP-002")
    other.hello()
    for eid, t in (("h1", "BUTTON"), ("h2", "TAMPER"), ("h3", "TEST")):
        assert u.event(eid, t) == "ACK " + eid
    assert other.event("o1", "BUTTON") == "ACK o1"

    data, final = alice.request("HISTORY HP-001 2")
    assert final == "OK 2", final
    assert [parse_line(l)[0][:3] for l in data] == [["EVENT", "h3", "TEST"],
                                                    ["EVENT", "h2", "TAMPER"]]
    for l in data:
        iso_ms(parse_line(l)[1]["at"])

    data, final = alice.request("HISTORY HP-001")
    assert final == "OK %d" % len(data), final
    ids = [parse_line(l)[0][1] for l in data]
    assert "o1" not in ids
    assert [i for i in ids if i in ("h1", "h2", "h3")] == ["h3", "h2", "h1"]
    assert alice.call("HISTORY HP-777").startswith("ERR ")


def test_stats_count_a_false_alarm_by_reason(daemon):
    alice = daemon.operator("alice")
    u = daemon.commanded_unit("HP-001")
    u.hello()
    start = int(time.time() * 1000) - 1000
    a = raise_alarm(alice, u, "s1", "BUTTON")
    g = raise_alarm(alice, u, "s2", "TAMPER")
    raise_alarm(alice, u, "s3", "MAINS_FAIL")		# left open, never claimed
    assert alice.call("CLAIM %d" % a["id"]).startswith("OK")
    assert alice.call("RESOLVE %d false reason=accidental" % a["id"]) == "OK"
    assert alice.call("CLAIM %d" % g["id"]).startswith("OK")
    assert alice.call("RESOLVE %d genuine action=police" % g["id"]) == "OK"

    def stats(line):
        data, final = alice.request(line)
        assert final == "OK" or final.startswith("OK "), final
        assert all(l.startswith("STAT ") for l in data), data
        return [parse_line(l) for l in data]

    lines = stats("STATS")
    totals = [f for w, f in lines if w[:2] == ["STAT", "alarms"]]
    assert len(totals) == 1, lines
    assert {k: totals[0].get(k) for k in ("total", "open", "genuine", "false")} == \
        {"total": "3", "open": "1", "genuine": "1", "false": "1"}
    reasons = {f["reason"]: f["count"] for w, f in lines if w[:2] == ["STAT", "false"]}
    assert reasons.get("accidental") == "1", lines
    assert all(v == "0" for r, v in reasons.items() if r != "accidental"), reasons
    to_claim = [f for w, f in lines if w[:2] == ["STAT", "to_claim"]]
    assert len(to_claim) == 1 and to_claim[0]["count"] == "2", lines

    lines = stats("STATS since=%s" % iso(start))
    assert [f["total"] for w, f in lines if w[:2] == ["STAT", "alarms"]] == ["3"]
    lines = stats("STATS since=%s" % iso(int(time.time() * 1000) + 3600 * 1000))
    assert [f["total"] for w, f in lines if w[:2] == ["STAT", "alarms"]] == ["0"]


def test_testmode_is_for_supervisors(daemon):
    alice = daemon.operator("alice")
    assert alice.call("TESTMODE HP-001 1h").startswith("ERR denied")
    assert alice.call("TESTMODE HP-001 off").startswith("ERR denied")
    assert "test_until" not in alice.units()["HP-001"]
    bob = daemon.operator("bob")
    assert bob.call("TESTMODE HP-777 1h").startswith("ERR ")


def test_unit_on_test_signals_instead_of_alarming_until_the_window_ends(daemon):
    bob = daemon.operator("bob")
    alice = daemon.operator("alice")
    u = daemon.commanded_unit("HP-001")
    u.hello()
    before = int(time.time() * 1000)
    assert bob.call("TESTMODE HP-001 1s").startswith("OK")
    assert u.event("t1", "BUTTON") == "ACK t1"
    for op in (alice, bob):
        assert op.wait_push("TESTSIGNAL HP-001") == "* TESTSIGNAL HP-001 BUTTON"
    until = alice.units()["HP-001"].get("test_until")
    assert until is not None, "UNITS shows no test_until for a unit on test"
    assert before + 500 <= iso_ms(until) <= int(time.time() * 1000) + 1500, until
    # Stored, but no alarm and no activation.
    assert [r["unit_event_id"] for r in daemon.events("HP-001", "BUTTON")] == ["t1"]
    alice.no_push("ALARM", wait=0.2)
    assert alice.alarms() == []
    assert daemon.query("SELECT COUNT(*) FROM alarms")[0][0] == 0
    assert u.drain_commands(0.1) == []
    # The window ends by itself.
    wait_for(lambda: "test_until" not in alice.units()["HP-001"], timeout=4, interval=0.1)
    a = raise_alarm(alice, u, "t2", "BUTTON")
    assert a["prio"] == 1
    alice.no_push("TESTSIGNAL", wait=0.1)


def test_testmode_off_ends_the_window(daemon):
    bob = daemon.operator("bob")
    u = daemon.commanded_unit("HP-002")
    u.hello()
    assert bob.call("TESTMODE HP-002 1h").startswith("OK")
    until = bob.units()["HP-002"]["test_until"]
    assert iso_ms(until) > int(time.time() * 1000) + 3000 * 1000
    assert "test_until" not in bob.units()["HP-001"]
    assert u.event("w1", "TAMPER") == "ACK w1"
    bob.wait_push("TESTSIGNAL HP-002 TAMPER")
    assert bob.call("TESTMODE HP-002 off").startswith("OK")
    assert "test_until" not in bob.units()["HP-002"]
    raise_alarm(bob, u, "w2", "TAMPER")


def verify_audit_chain(rows):
    """Walks audit rows in id order; returns the last hash."""
    prev = ""
    for r in rows:
        assert r["prev_hash"] == prev, "audit row %d: prev_hash breaks the chain" % r["id"]
        text = "\n".join([prev, str(r["id"]), str(r["time_ms"]), r["user"] or "",
                          str(r["alarm_id"]), r["action"], r["detail"] or ""])
        digest = hashlib.sha256(text.encode()).hexdigest()
        assert r["hash"] == digest, "audit row %d: hash does not match its content" % r["id"]
        prev = digest
    return prev


def test_audit_chain_is_intact_after_a_scenario_and_a_crash(make_daemon):
    d = make_daemon(config=QUIET)
    alice = d.operator("alice")
    carol = d.operator("carol")
    bob = d.operator("bob")
    u = d.commanded_unit("HP-001")
    u.hello()
    start = int(time.time() * 1000) - 1000
    a = raise_alarm(alice, u, "u1", "BUTTON")["id"]
    b = raise_alarm(alice, u, "u2", "TAMPER")["id"]
    assert alice.call("CLAIM %d" % a).startswith("OK")
    assert alice.call('NOTE %d "spoke to caller"' % a) == "OK"
    assert alice.call("RELEASE %d" % a).startswith("OK")
    assert carol.call("CLAIM %d" % a).startswith("OK")
    assert carol.call('RESOLVE %d false reason=misuse "kids"' % a) == "OK"
    assert bob.call("RESOLVE %d genuine action=police" % b) == "OK"

    rows = d.query("SELECT * FROM audit ORDER BY id")
    assert rows, "no audit rows"
    last = verify_audit_chain(rows)
    done = {(r["user"], r["action"], r["alarm_id"]) for r in rows}
    for want in (("alice", "claim", a), ("alice", "release", a), ("carol", "claim", a),
                 ("carol", "resolve", a), ("bob", "resolve", b)):
        assert want in done, "no audit row %r in %r" % (want, sorted(done))
    times = [r["time_ms"] for r in rows]
    assert times == sorted(times) and times[0] >= start - 60000
    assert len({r["hash"] for r in rows}) == len(rows)

    # The chain goes on across a crash.
    d.kill()
    again = make_daemon(directory=d.dir)
    alice = again.operator("alice")
    v = again.commanded_unit("HP-002")
    v.hello()
    c = raise_alarm(alice, v, "u3", "BUTTON")["id"]
    assert alice.call("CLAIM %d" % c).startswith("OK")
    rows2 = wait_for(lambda: (r := again.query("SELECT * FROM audit ORDER BY id"))
                     and any(x["action"] == "claim" and x["alarm_id"] == c for x in r) and r)
    assert [tuple(r) for r in rows2[:len(rows)]] == [tuple(r) for r in rows]
    verify_audit_chain(rows2)
    assert rows2[len(rows)]["prev_hash"] == last
