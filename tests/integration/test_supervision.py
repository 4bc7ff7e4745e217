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
def test_silent_unit_goes_offline(daemon):
    u = daemon.unit("HP-001")
    assert u.hello()[0] == 1
    last = now_ms()
    wait_for(lambda: daemon.unit_row("HP-001")["state"] == "online")
    rows = wait_for(lambda: offline_rows(daemon, "HP-001"), timeout=8)
    assert len(rows) == 1
    row = rows[0]
    assert row["source"] == "receiver"
    # Not before heartbeat * missed of silence (with a little slack).
    assert row["received_ms"] - last >= 1700, row["received_ms"] - last
    assert daemon.unit_row("HP-001")["state"] == "offline"


@pytest.mark.refuge(config=FAST)
def test_heartbeats_keep_unit_online(daemon):
    u = daemon.unit("HP-001")
    u.hello()
    end = time.monotonic() + 3.5		# well past the 2 s window
    n = 0
    while time.monotonic() < end:
        n += 1
        u.send("HB %d" % n)
        assert u.readline() == "HBACK %d" % n
        time.sleep(0.4)
    assert offline_rows(daemon, "HP-001") == []
    assert daemon.unit_row("HP-001")["state"] == "online"
    # Meanwhile a registered unit that never connected did go offline.
    assert offline_rows(daemon, "HP-003")


@pytest.mark.refuge(config=FAST)
def test_events_and_state_count_as_traffic(daemon):
    u = daemon.unit("HP-001")
    u.hello()
    end = time.monotonic() + 3.5
    n = 0
    while time.monotonic() < end:
        n += 1
        if n % 2:
            assert u.event("k%d" % n, "TEST") == "ACK k%d" % n
        else:
            u.send("STATE n=%d" % n)
        time.sleep(0.4)
    assert offline_rows(daemon, "HP-001") == []


@pytest.mark.refuge(config=FAST)
def test_unit_that_never_connects_goes_offline_once(daemon):
    rows = wait_for(lambda: offline_rows(daemon, "HP-003"), timeout=8)
    assert rows[0]["source"] == "receiver"
    assert rows[0]["received_ms"] - daemon.started_ms >= 1500
    assert daemon.unit_row("HP-003")["state"] == "offline"
    # It stays offline without a fresh UNIT_OFFLINE every period.
    time.sleep(2.5)
    assert len(offline_rows(daemon, "HP-003")) == 1


@pytest.mark.refuge(config=FAST)
def test_hello_after_offline_makes_unit_online(daemon):
    u = daemon.unit("HP-002")
    u.hello()
    off = wait_for(lambda: offline_rows(daemon, "HP-002"), timeout=8)[0]
    assert daemon.unit_row("HP-002")["state"] == "offline"
    u.close()
    again = daemon.unit("HP-002")
    again.hello()
    rows = wait_for(lambda: online_rows(daemon, "HP-002", off["id"]), timeout=5)
    assert len(rows) == 1
    assert rows[0]["source"] == "receiver"
    assert daemon.unit_row("HP-002")["state"] == "online"


@pytest.mark.refuge(config=FAST)
def test_reconnect_while_quiet_session_open_makes_online(daemon):
    # The old connection stays up but quiet; a new one replaces it.
    u = daemon.unit("HP-001")
    u.hello()
    off = wait_for(lambda: offline_rows(daemon, "HP-001"), timeout=8)[0]
    v = daemon.unit("HP-001")
    v.hello()
    wait_for(lambda: online_rows(daemon, "HP-001", off["id"]), timeout=5)
    assert daemon.unit_row("HP-001")["state"] == "online"
    v.send("HB 1")
    assert v.readline() == "HBACK 1"


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
