"""EVENT, ACK and NAK; STATE; what lands in the database."""

import time

import pytest

from helpers import wait_for

UNIT_TYPES = ["BUTTON", "TAMPER", "TAMPER_RESTORE", "MAINS_FAIL", "MAINS_RESTORE",
              "BATTERY_LOW", "BATTERY_RESTORE", "CAMERA_FAULT", "CAMERA_RESTORE",
              "LIGHT_FAULT", "LIGHT_RESTORE", "AUDIO_FAULT", "AUDIO_RESTORE", "TEST"]


@pytest.fixture
def unit(daemon):
    u = daemon.unit("HP-001")
    u.hello()
    return u


def test_event_is_acked_after_commit(daemon, unit):
    before = int(time.time() * 1000)
    assert unit.event("e1", "BUTTON", "at=1700000000123", "zone=front") == "ACK e1"
    # ACK means committed: the row must be readable now, without waiting.
    rows = daemon.events("HP-001")
    assert len(rows) == 1
    row = rows[0]
    assert row["unit_event_id"] == "e1"
    assert row["type"] == "BUTTON"
    assert row["source"] == "unit"
    assert row["unit_time_ms"] == 1700000000123
    assert before - 1000 <= row["received_ms"] <= int(time.time() * 1000) + 1000
    assert "zone=front" in row["attributes"]
    assert "at=" not in row["attributes"]
    assert isinstance(row["priority"], int)


def test_button_outranks_test_event(daemon, unit):
    assert unit.event("p1", "BUTTON") == "ACK p1"
    assert unit.event("p2", "TEST") == "ACK p2"
    prio = {r["type"]: r["priority"] for r in daemon.events("HP-001")}
    # 1 is the highest priority; 0 means no alarm.
    assert prio["BUTTON"] >= 1
    assert prio["TEST"] == 0 or prio["TEST"] > prio["BUTTON"]


def test_duplicate_event_is_acked_once_stored(daemon, unit):
    assert unit.event("e1", "BUTTON", "at=1700000000000") == "ACK e1"
    assert unit.event("e1", "BUTTON", "at=1700000000000") == "ACK e1"
    assert unit.event("e1", "BUTTON", "at=1700000000000") == "ACK e1"
    rows = daemon.events("HP-001")
    assert [r["unit_event_id"] for r in rows] == ["e1"]


def test_duplicate_over_new_connection_is_acked_once_stored(daemon, unit):
    assert unit.event("e7", "TAMPER") == "ACK e7"
    unit.close()
    again = daemon.unit("HP-001")
    again.hello()
    assert again.event("e7", "TAMPER") == "ACK e7"
    assert len(daemon.events("HP-001")) == 1


def test_same_event_id_from_two_units_is_two_events(daemon, unit):
    other = daemon.unit("HP-002")
    other.hello()
    assert unit.event("e1", "BUTTON") == "ACK e1"
    assert other.event("e1", "BUTTON") == "ACK e1"
    assert len(daemon.events("HP-001")) == 1
    assert len(daemon.events("HP-002")) == 1


def test_every_unit_event_type_is_accepted(daemon, unit):
    for n, t in enumerate(UNIT_TYPES):
        assert unit.event("t%d" % n, t) == "ACK t%d" % n
    rows = daemon.events("HP-001")
    assert sorted(r["type"] for r in rows) == sorted(UNIT_TYPES)
    assert {r["source"] for r in rows} == {"unit"}


def test_unknown_event_type_is_naked(daemon, unit):
    assert unit.event("e9", "EXPLODE") == "NAK e9 unknown event type"
    unit.send("HB 1")
    assert unit.readline() == "HBACK 1"
    assert daemon.events("HP-001") == []


@pytest.mark.parametrize("type_", ["UNIT_OFFLINE", "UNIT_ONLINE", "button"])
def test_receiver_and_lowercase_types_are_naked(daemon, unit, type_):
    reply = unit.event("r1", type_)
    assert reply.startswith("NAK r1 "), reply
    assert unit.event("r2", "TEST") == "ACK r2"
    assert [r["unit_event_id"] for r in daemon.events("HP-001")] == ["r2"]


def test_bad_time_is_naked(daemon, unit):
    reply = unit.event("e3", "BUTTON", "at=yesterday")
    assert reply.startswith("NAK e3 "), reply
    assert daemon.events("HP-001") == []
    assert unit.event("e4", "BUTTON") == "ACK e4"


def test_event_without_type_is_refused_and_connection_stays(daemon, unit):
    unit.send("EVENT e5")
    reply = unit.readline()
    assert reply is not None and (reply.startswith("NAK e5 ") or reply.startswith("ERR ")), reply
    unit.send("HB 2")
    assert unit.readline() == "HBACK 2"
    assert daemon.events("HP-001") == []


def test_event_attributes_with_quotes_are_stored(daemon, unit):
    assert unit.event("q1", "TAMPER", 'door="rear panel"', "code=7") == "ACK q1"
    attrs = daemon.events("HP-001")[0]["attributes"]
    assert "rear panel" in attrs and "code=7" in attrs


def test_pipelined_events_are_all_acked_and_stored(daemon, unit):
    ids = ["b%d" % n for n in range(200)]
    unit.send(b"".join(b"EVENT %s TEST n=%d\n" % (i.encode(), n) for n, i in enumerate(ids)))
    acks = [unit.readline() for _ in ids]
    assert sorted(acks) == sorted("ACK " + i for i in ids)
    # Each ACK was sent after its commit, so every row is there now.
    assert sorted(r["unit_event_id"] for r in daemon.events("HP-001")) == sorted(ids)


def test_state_is_stored_without_reply(daemon, unit):
    unit.send("STATE battery=12.6 temp=21 door=closed")
    unit.send("HB 1")
    assert unit.readline() == "HBACK 1"		# nothing came back for STATE
    row = wait_for(lambda: (r := daemon.unit_row("HP-001")) and "battery=12.6" in r["attributes"]
                   and r)
    assert "temp=21" in row["attributes"]
    assert "door=closed" in row["attributes"]


def test_events_from_many_units_at_once(daemon):
    units = []
    for uid in ("HP-001", "HP-002", "HP-003", "HP-004", "HP-005"):
        u = daemon.unit(uid)
        u.hello()
        units.append(u)
    for u in units:
        u.send(b"".join(b"EVENT m%d BUTTON\n" % n for n in range(20)))
    for u in units:
        got = {u.readline() for _ in range(20)}
        assert got == {"ACK m%d" % n for n in range(20)}
    total = daemon.query("SELECT COUNT(*) FROM events WHERE source = 'unit'")[0][0]
    assert total == 100


def test_button_in_a_big_burst_is_committed_and_acked_first(daemon):
    """A burst's priority-1 event gets its own commit ahead of the rest."""
    op = daemon.operator("alice")
    u = daemon.unit("HP-001")
    u.hello()
    burst = b"".join(b"EVENT t%d TEST\n" % n for n in range(200)) + b"EVENT b1 BUTTON\n"
    u.send(burst)
    acks = []
    while len(acks) < 201:
        line = u.readline()
        assert line is not None
        if line.startswith("ACK "):
            acks.append(line[4:])
    assert acks[0] == "b1", acks[:5]
    assert sorted(acks[1:], key=lambda x: int(x[1:])) == ["t%d" % n for n in range(200)]
    op.wait_push("* ALARM", "type=BUTTON", "unit=HP-001")
    daemon.wait_log("priority 1 first")
    assert len(daemon.events("HP-001")) == 201
