"""Pushes to an operator wait in a priority queue in refuged, not in the
socket: a press overtakes the lower-priority lines queued for a console
that fell behind, a unit's lines keep their order, and a reply comes before
the pushes it causes. These tests check the order, never the timing."""

import pytest

from helpers import parse_alarm, parse_line, raise_alarm

# Every alarm its own line (no FLOOD), and no escalation pushes meanwhile.
QUIET = {"alarms": {"flood_threshold": 0}, "escalation": {"after": "1h"}}


def send_events(unit, prefix, type_, count, chunk=250):
    """The unit sends count events, chunk at a time, each chunk's ACKs read
    before the next: all are stored (and pushed) when this returns."""
    sent = 0
    while sent < count:
        n = min(chunk, count - sent)
        unit.send(("".join("EVENT %s%d %s\n" % (prefix, sent + k, type_)
                           for k in range(n))).encode())
        for k in range(n):
            reply = unit.readline(10)
            assert reply == "ACK %s%d" % (prefix, sent + k), reply
        sent += n


def read_lines_until(op, wanted, timeout=30.0):
    """Reads lines (pushes and replies' final lines) until every
    (substring, count) of wanted has been seen that many times; returns
    every line read, in order."""
    import time
    lines = []
    left_to_see = dict(wanted)
    deadline = time.monotonic() + timeout
    while any(n > 0 for n in left_to_see.values()):
        left = deadline - time.monotonic()
        assert left > 0, "%r: still waiting for %r after %d lines, last %r" \
            % (op, left_to_see, len(lines), lines[-3:])
        line = op.readline(left)
        assert line is not None, "%r: EOF after %d lines (%r)" % (op, len(lines), op.error)
        lines.append(line)
        for text in left_to_see:
            if text in line:
                left_to_see[text] -= 1
    return lines


def alarm_lines(lines, type_, unit=None):
    """(index, parsed) of the ALARM pushes of type_ (and unit) in lines."""
    out = []
    for n, line in enumerate(lines):
        if line.startswith("* ALARM ") and " type=%s " % type_ in line:
            a = parse_alarm(line)
            if unit is None or a["unit"] == unit:
                out.append((n, a))
    return out


def in_order(found, total):
    """One alarm's pushes, in arrival order, are total lines whose count=
    never goes down and ends at total (a batch's lines all show the
    count at its commit)."""
    counts = [a["count"] for _, a in found]
    return len(counts) == total and counts == sorted(counts) and counts[-1] == total


@pytest.mark.refuge(config=QUIET)
def test_press_overtakes_queued_lower_priority_pushes(daemon):
    d = daemon
    per_unit = 1500
    senders = ["HP-001", "HP-002", "HP-003", "HP-004"]
    # Kernel buffers as they come: a tiny receive buffer would leave TCP
    # probing a zero window for seconds once reading resumes.
    slow = d.operator("alice")
    units = [d.unit(uid) for uid in senders]
    for u in units:
        u.hello()
    # alice stops reading: 6,000 MAINS_FAIL pushes (a raise and its
    # repeats per unit, ~900 KB) pile up, far more than the sockets hold.
    for u in units:
        send_events(u, "m", "MAINS_FAIL", per_unit)
    presser = d.unit("HP-005")
    presser.hello()
    assert presser.event("b1", "BUTTON") == "ACK b1"
    # A request's reply also goes ahead of the queued pushes.
    slow.send("PING")
    total = per_unit * len(senders)
    lines = read_lines_until(slow, {" type=MAINS_FAIL ": total, " type=BUTTON ": 1,
                                    "OK": 1})
    press = [n for n, _ in alarm_lines(lines, "BUTTON", "HP-005")]
    assert len(press) == 1, press
    mains = alarm_lines(lines, "MAINS_FAIL")
    before = [n for n, _ in mains if n < press[0]]
    after = [n for n, _ in mains if n > press[0]]
    # Only what was already in the socket and TLS buffers (a few hundred
    # KB on loopback) went before the press; the queue's backlog came after.
    assert len(after) >= total // 2, \
        "the press came after %d lower lines, before %d" % (len(before), len(after))
    assert len(before) < total // 2, len(before)
    ok = lines.index("OK")
    assert len([n for n in after if n > ok]) >= total // 4, \
        "PING's reply waited behind the queued pushes"
    # Each unit's pushes arrived whole and in order (count=1, 2, ... n).
    for uid in senders:
        assert in_order(alarm_lines(lines, "MAINS_FAIL", uid), per_unit), uid
    d.wait_log("unit=HP-005 event=b1 type=BUTTON stored links_before=")
    slow.close()


@pytest.mark.refuge(config=QUIET)
def test_press_keeps_its_own_units_earlier_lines_before_it(daemon):
    """A press cannot be reordered before an earlier line about the same
    unit (the same alarm): those go just ahead of it, the others after."""
    d = daemon
    per_other, mine_n = 1000, 500
    others = ["HP-002", "HP-003", "HP-004"]
    theirs_n = per_other * len(others)
    slow = d.operator("alice")
    own = d.unit("HP-001")
    own.hello()
    # The others' TAMPER lines (priority 2) fill the sockets and the queue
    # (a unit link is read at a capped rate: they share the work); then
    # HP-001's BATTERY_LOW lines (priority 5) queue behind them.
    for uid in others:
        u = d.unit(uid)
        u.hello()
        send_events(u, "o", "TAMPER", per_other)
    send_events(own, "m", "BATTERY_LOW", mine_n)
    assert own.event("b1", "BUTTON") == "ACK b1"
    lines = read_lines_until(slow, {" type=TAMPER ": theirs_n,
                                    " type=BATTERY_LOW ": mine_n, " type=BUTTON ": 1})
    press = alarm_lines(lines, "BUTTON")[0][0]
    mine = alarm_lines(lines, "BATTERY_LOW", "HP-001")
    theirs = alarm_lines(lines, "TAMPER")
    # Every line of the pressing unit came before its press, in order,
    # though they have a lower priority than the other unit's queued ones.
    assert all(n < press for n, _ in mine), \
        "HP-001's line %d came after its press (%d)" % (max(n for n, _ in mine), press)
    assert in_order(mine, mine_n)
    for uid in others:
        assert in_order(alarm_lines(lines, "TAMPER", uid), per_other), uid
    # The others' backlog went after the press and HP-001's lines.
    after = [n for n, _ in theirs if n > press]
    assert len(after) >= theirs_n // 8, \
        "the press did not overtake the others' queued pushes (%d after)" % len(after)
    assert min(after) > max(n for n, _ in mine)


@pytest.mark.refuge(config=QUIET)
def test_reply_comes_before_the_pushes_it_causes(daemon):
    d = daemon
    alice, bob = d.operator("alice"), d.operator("bob")
    unit = d.commanded_unit("HP-001")
    unit.hello()
    alarm = raise_alarm(alice, unit, "e1", "TAMPER")
    bob.wait_push("* ALARM %d " % alarm["id"])
    alice.drain(0.2)
    alice.pushes.clear()
    # reply() keeps the pushes met before the final line: none of its own.
    final = alice.call("CLAIM %d" % alarm["id"])
    assert final == "OK", final
    assert alice.find_push("* CLAIMED %d" % alarm["id"], take=False) is None, alice.pushes
    assert alice.find_push("* ALARM %d" % alarm["id"], take=False) is None, alice.pushes
    alice.wait_push("* ALARM %d " % alarm["id"], "state=claimed", "by=alice")
    alice.wait_push("* CLAIMED %d by=alice" % alarm["id"])
    bob.wait_push("* CLAIMED %d by=alice" % alarm["id"])
    # The same for a resolve: OK first, then the push.
    final = alice.call("RESOLVE %d genuine action=police" % alarm["id"])
    assert final == "OK", final
    assert alice.find_push("* RESOLVED %d" % alarm["id"], take=False) is None, alice.pushes
    alice.wait_push("* RESOLVED %d outcome=genuine by=alice" % alarm["id"])
    words, _ = parse_line(bob.wait_push("* RESOLVED %d" % alarm["id"]))
    assert words[:2] == ["RESOLVED", str(alarm["id"])], words


@pytest.mark.refuge(config=dict(QUIET, limits={"operator_output": "64KB"}))
def test_queue_is_bounded_by_operator_output(daemon):
    """limits.operator_output bounds the pushes waiting for a console: one
    that stops reading is closed once more is waiting, with a log line; a
    console that reads gets every push."""
    d = daemon
    stalled = d.operator("alice", rcvbuf=4096)
    reader = d.operator("carol")
    units = [d.unit(uid) for uid in ("HP-001", "HP-002", "HP-003", "HP-004")]
    for u in units:
        u.hello()
    got = []
    for n, u in enumerate(units):
        send_events(u, "m", "MAINS_FAIL", 500)
        got += read_lines_until(reader, {" unit=%s " % u.cert: 500})
    line = d.wait_log("operator=alice", stalled.peer, 'closed reason="output buffer full"')
    assert "bytes of pushes waiting" in line, line
    assert len([l for l in got if " type=MAINS_FAIL " in l]) == 2000
    assert reader.call("PING") == "OK"
    # What it had been sent already may still come; then the link ends.
    stalled.expect_eof(timeout=10)
