"""A mass event is told as one: past alarms.flood_threshold alarms of one
type within 10 s, operators get * FLOOD lines instead of an * ALARM line
each; never for priority 1; every alarm is still stored and listed."""

import re

import pytest

from helpers import wait_for

FLOOD_RE = re.compile(r"^\* FLOOD TAMPER count=(\d+) sites=(\d+) "
                      r"since=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.mark.refuge(config={"alarms": {"flood_threshold": 2}})
def test_tamper_flood_is_told_in_one_line(daemon):
    d = daemon
    op = d.operator("alice")
    units = [d.unit(uid) for uid in ("HP-001", "HP-002", "HP-003", "HP-004")]
    for u in units:
        u.hello()
    op.drain()
    op.pushes.clear()
    for n, u in enumerate(units):
        assert u.event("t%d" % n, "TAMPER") == "ACK t%d" % n
    # The first two are alarms of their own; the third starts the flood.
    first = op.wait_push("* FLOOD TAMPER ")
    m = FLOOD_RE.match(first)
    assert m and int(m.group(1)) == 3, first
    # The fourth is counted in an update, within a second or so.
    update = op.wait_push("* FLOOD TAMPER count=4 ", timeout=5)
    assert FLOOD_RE.match(update), update
    tamper_pushes = [p for p in op.seen if p.startswith("* ALARM ") and "type=TAMPER" in p]
    assert len(tamper_pushes) == 2, tamper_pushes
    # Every alarm is still stored and listed.
    assert len([a for a in op.alarms() if a["type"] == "TAMPER"]) == 4
    assert d.query("SELECT count(*) FROM alarms WHERE type = 'TAMPER'")[0][0] == 4
    # A press is never part of a flood.
    p = d.unit("HP-005")
    p.hello()
    assert p.event("b1", "BUTTON") == "ACK b1"
    op.wait_push("* ALARM ", "type=BUTTON", "unit=HP-005")
    # Ten quiet seconds end it, with the count.
    op.wait_push("* FLOOD TAMPER end count=4", timeout=15)
    d.wait_log("flood type=TAMPER ended: 4 alarms")


@pytest.mark.refuge(config={"alarms": {"flood_threshold": 0}})
def test_flood_threshold_zero_tells_every_alarm(daemon):
    d = daemon
    op = d.operator("alice")
    units = [d.unit(uid) for uid in ("HP-001", "HP-002", "HP-003")]
    for n, u in enumerate(units):
        u.hello()
        assert u.event("t%d" % n, "TAMPER") == "ACK t%d" % n
    wait_for(lambda: len([p for p in op.drain(0.1) if p.startswith("* ALARM ")
                          and "type=TAMPER" in p]) == 3, timeout=5)
    op.no_push("* FLOOD ")
