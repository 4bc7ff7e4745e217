"""What was acknowledged survives a crash and a restart."""

from helpers import wait_for


def test_event_survives_kill9_and_resend_is_not_duplicated(make_daemon):
    d = make_daemon()
    u = d.unit("HP-001")
    u.hello()
    assert u.event("d1", "BUTTON", "at=1700000000500", "zone=gate") == "ACK d1"
    d.kill()
    u.expect_eof()

    again = make_daemon(directory=d.dir)
    rows = again.events("HP-001")
    assert [(r["unit_event_id"], r["type"], r["unit_time_ms"]) for r in rows] == \
        [("d1", "BUTTON", 1700000000500)]
    v = again.unit("HP-001")
    v.hello()
    # The unit never saw an ACK it trusts after the crash, so it sends again.
    assert v.event("d1", "BUTTON", "at=1700000000500", "zone=gate") == "ACK d1"
    assert len(again.events("HP-001", "BUTTON")) == 1
    assert v.event("d2", "TAMPER") == "ACK d2"
    assert len(again.events("HP-001")) >= 2


def test_every_acked_event_survives_kill9(make_daemon):
    d = make_daemon()
    units = []
    for uid in ("HP-001", "HP-002", "HP-003"):
        u = d.unit(uid)
        u.hello()
        units.append(u)
    for u in units:
        u.send(b"".join(b"EVENT k%d TEST\n" % n for n in range(300)))
    # Kill as soon as some ACKs are in, while others are still in flight.
    acked = {u.cert: set() for u in units}
    first = units[0].readline()
    assert first and first.startswith("ACK "), first
    acked["HP-001"].add(first[4:])
    d.kill()
    for u in units:
        while True:
            line = u.readline(timeout=5)
            if line is None:
                break
            assert line.startswith("ACK "), line
            acked[u.cert].add(line[4:])

    again = make_daemon(directory=d.dir)
    for uid, ids in acked.items():
        stored = {r["unit_event_id"] for r in again.events(uid)}
        missing = ids - stored
        assert not missing, "%s: ACKed but lost: %s" % (uid, sorted(missing)[:10])


def test_events_and_state_survive_clean_restart(make_daemon):
    d = make_daemon()
    u = d.unit("HP-001")
    u.hello(fw="1.0")
    assert u.event("s1", "MAINS_FAIL") == "ACK s1"
    u.send("STATE battery=11.9")
    wait_for(lambda: "battery=11.9" in d.unit_row("HP-001")["attributes"])
    assert d.stop() == 0

    again = make_daemon(directory=d.dir)
    assert [r["unit_event_id"] for r in again.events("HP-001", "MAINS_FAIL")] == ["s1"]
    row = again.unit_row("HP-001")
    assert row["firmware"] == "1.0"
    assert "battery=11.9" in row["attributes"]
    v = again.unit("HP-001")
    v.hello()
    assert v.event("s1", "MAINS_FAIL") == "ACK s1"
    assert len(again.events("HP-001", "MAINS_FAIL")) == 1


def test_restart_does_not_lose_receiver_events(make_daemon):
    d = make_daemon(config={"supervision": {"heartbeat": "1s", "missed": 2}})
    rows = wait_for(lambda: d.events("HP-003", "UNIT_OFFLINE", source="receiver"), timeout=8)
    first_id = rows[0]["id"]
    d.kill()
    again = make_daemon(directory=d.dir)
    assert first_id in [r["id"] for r in again.events("HP-003", "UNIT_OFFLINE", source="receiver")]
