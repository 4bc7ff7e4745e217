"""Heartbeat supervision: UNIT_OFFLINE and UNIT_ONLINE, made by the receiver."""

import time

import pytest

from helpers import wait_for

FAST = {"supervision": {"heartbeat": "1s", "missed": 2}}	# offline after 2 s of silence


def now_ms():
    return int(time.time() * 1000)


def offline_rows(daemon, uid):
    return daemon.events(uid, "UNIT_OFFLINE", source=None)


def online_rows(daemon, uid, after_id=0):
    return [r for r in daemon.events(uid, "UNIT_ONLINE", source=None) if r["id"] > after_id]


@pytest.mark.refuge(config=FAST)
def test_traffic_keeps_units_online_and_silent_ones_go_offline_once(daemon):
    # HP-001 sends heartbeats; HP-002 only events and STATE, which count too.
    hb = daemon.unit("HP-001")
    hb.hello()
    ev = daemon.unit("HP-002")
    ev.hello()
    end = time.monotonic() + 4.5		# past two 2 s windows
    n = 0
    while time.monotonic() < end:
        n += 1
        hb.send("HB %d" % n)
        assert hb.readline() == "HBACK %d" % n
        if n % 2:
            assert ev.event("k%d" % n, "TEST") == "ACK k%d" % n
        else:
            ev.send("STATE n=%d" % n)
        time.sleep(0.4)
    for uid in ("HP-001", "HP-002"):
        assert offline_rows(daemon, uid) == [], uid
        assert daemon.unit_row(uid)["state"] == "online", uid
    # Registered units that never connected went offline, once each.
    for uid in ("HP-003", "HP-004", "HP-005"):
        rows = offline_rows(daemon, uid)
        assert len(rows) == 1, (uid, rows)
        assert rows[0]["source"] == "receiver"
        assert rows[0]["received_ms"] - daemon.started_ms >= 1500, uid
        assert daemon.unit_row(uid)["state"] == "offline", uid


@pytest.mark.refuge(config=FAST)
def test_silent_unit_goes_offline_and_hello_brings_it_back(daemon):
    # HP-001 keeps its quiet connection open; HP-002 closes its connection.
    quiet = daemon.unit("HP-001")
    assert quiet.hello()[0] == 1
    gone = daemon.unit("HP-002")
    gone.hello()
    last = now_ms()
    gone.close()
    wait_for(lambda: (r := daemon.unit_row("HP-001")) and r["state"] == "online")
    offs = {}
    for uid in ("HP-001", "HP-002"):
        rows = wait_for(lambda: offline_rows(daemon, uid), timeout=8)
        assert len(rows) == 1, rows
        assert rows[0]["source"] == "receiver"
        # Not before heartbeat * missed of silence (with a little slack).
        assert rows[0]["received_ms"] - last >= 1700, rows[0]["received_ms"] - last
        assert daemon.unit_row(uid)["state"] == "offline"
        offs[uid] = rows[0]["id"]
    again = {uid: daemon.unit(uid) for uid in ("HP-001", "HP-002")}
    for uid, u in again.items():
        u.hello()
    for uid, u in again.items():
        rows = wait_for(lambda: online_rows(daemon, uid, offs[uid]), timeout=5)
        assert len(rows) == 1, rows
        assert rows[0]["source"] == "receiver"
        assert daemon.unit_row(uid)["state"] == "online"
        u.send("HB 1")
        assert u.readline() == "HBACK 1"
    quiet.expect_eof()		# replaced by the new session


@pytest.mark.refuge(config=FAST, units={"HP-002": {"heartbeat": "2s"}})
def test_registry_heartbeat_overrides_default(daemon):
    a = daemon.unit("HP-001")
    assert a.hello()[0] == 1
    b = daemon.unit("HP-002")
    assert b.hello()[0] == 2
    b_hello = now_ms()
    wait_for(lambda: offline_rows(daemon, "HP-001"), timeout=8)
    # HP-002 has 2 s * 2 = 4 s, so it is still online when HP-001 is not.
    if now_ms() - b_hello < 3500:
        assert offline_rows(daemon, "HP-002") == []
    rows = wait_for(lambda: offline_rows(daemon, "HP-002"), timeout=10)
    assert rows[0]["received_ms"] - b_hello >= 3500, rows[0]["received_ms"] - b_hello


@pytest.mark.refuge(config=FAST)
def test_silent_link_that_speaks_again_brings_the_unit_back(daemon):
    """A unit declared offline while its link stayed open is online again as
    soon as anything arrives on that link, without a new HELLO."""
    op = daemon.operator("alice")
    u = daemon.unit("HP-001")
    u.hello()
    rows = wait_for(lambda: offline_rows(daemon, "HP-001"), timeout=8)
    op.wait_push("* UNIT HP-001 offline")
    u.send("HB 9")
    assert u.readline() == "HBACK 9"
    back = wait_for(lambda: online_rows(daemon, "HP-001", rows[0]["id"]), timeout=5)
    assert len(back) == 1, back
    op.wait_push("* UNIT HP-001 online")
    assert daemon.unit_row("HP-001")["state"] == "online"
    daemon.wait_log("unit=HP-001 online again")
