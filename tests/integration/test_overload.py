"""Graceful overload: WELCOME tells units how long to wait for an ACK
(retry=), and past limits.ingest_queue the receiver sheds units' events of
priority other than 1, unacknowledged, for the unit to send again; a press is
always queued, stored, acknowledged and pushed, and heartbeats are answered.

The queue is filled deterministically: a unit writes many EVENT lines at once,
which the receiver reads in one loop turn, before the commit that ends it."""

import http.client
import re

METRICS_RE = re.compile(r"\bready .*\bmetrics=127\.0\.0\.1:(\d+)")
SHED = "refuge_events_shed_total"
QUEUE = 2	# limits.ingest_queue in these tests


def shed_total(d):
    """refuge_events_shed_total from /metrics."""
    port = int(METRICS_RE.search(d.wait_log("ready ", "metrics=")).group(1))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/metrics")
        r = conn.getresponse()
        assert r.status == 200
        text = r.read().decode()
    finally:
        conn.close()
    values = [line.split()[1] for line in text.splitlines() if line.startswith(SHED + " ")]
    assert len(values) == 1, text
    return int(values[0])


def overloaded(make_daemon):
    return make_daemon(config={
        "listen": {"metrics": "127.0.0.1:0"},
        "supervision": {"retry": "7s"},
        "limits": {"ingest_queue": QUEUE},
    })


def replies_until(unit, last):
    """Lines up to and including last; CMD lines (a press's activation) are
    kept in unit.commands."""
    got = []
    while True:
        line = unit.reply(timeout=10)
        assert line is not None, "%s: EOF, got %r so far" % (unit.cert, got)
        got.append(line)
        if line == last:
            return got


def settled(unit):
    """Replies to a write that ended in "HB 1", through the commit of what
    it queued: HBACK 1 is written in the turn that read the write, the
    commit ends that turn, and HB 2, sent after HBACK 1, is read in a later
    one."""
    got = replies_until(unit, "HBACK 1")
    unit.send("HB 2")
    return got + replies_until(unit, "HBACK 2")


def test_welcome_carries_retry(make_daemon):
    d = make_daemon(config={"supervision": {"retry": "45s"}})
    u = d.unit("HP-001")
    u.hello()
    assert u.welcome == {"retry": "45"}
    # The default: 10 seconds.
    d2 = make_daemon()
    u2 = d2.unit("HP-002")
    u2.hello()
    assert u2.welcome["retry"] == "10"


def test_past_the_queue_bound_events_are_shed_but_never_a_press(make_daemon):
    d = overloaded(make_daemon)
    op = d.operator("alice")
    a = d.commanded_unit("HP-001")
    a.hello()
    assert a.welcome == {"retry": "7"}
    before = shed_total(d)
    # One write, read in one turn: a1 and a2 fill the queue, the next three
    # (priority 4, 2 and a restore) are shed; the press after them is queued
    # all the same; the heartbeat is answered at once.
    a.send("EVENT a1 TEST\nEVENT a2 TEST\nEVENT a3 MAINS_FAIL\nEVENT a4 TAMPER\n"
           "EVENT a5 MAINS_RESTORE\nEVENT p1 BUTTON\nHB 1")
    got = settled(a)
    assert sorted(l for l in got if l.startswith("ACK ")) == ["ACK a1", "ACK a2", "ACK p1"], got
    assert not [l for l in got if l.startswith("NAK ")], got
    op.wait_push("* ALARM", "type=BUTTON", "unit=HP-001")
    stored = {row["unit_event_id"] for row in d.events(unit_id="HP-001")}
    assert stored == {"a1", "a2", "p1"}, stored
    assert shed_total(d) == before + 3
    d.wait_log("shed", "unit=HP-001", "limits.ingest_queue")
    # Sent again with room in the queue, each is stored and acknowledged.
    for event_id, type_ in (("a3", "MAINS_FAIL"), ("a4", "TAMPER"), ("a5", "MAINS_RESTORE")):
        assert a.event(event_id, type_) == "ACK %s" % event_id
    stored = {row["unit_event_id"] for row in d.events(unit_id="HP-001")}
    assert stored == {"a1", "a2", "a3", "a4", "a5", "p1"}, stored
    assert shed_total(d) == before + 3


def test_press_from_another_unit_gets_through_while_one_is_shed(make_daemon):
    d = overloaded(make_daemon)
    op = d.operator("alice")
    busy = d.commanded_unit("HP-002")
    busy.hello()
    presser = d.commanded_unit("HP-001")
    presser.hello()
    before = shed_total(d)
    burst = "".join("EVENT m%d MAINS_FAIL\n" % k for k in range(40))
    busy.send(burst + "HB 1")
    presser.send("EVENT p1 BUTTON")
    got = settled(busy)
    acked = [l for l in got if l.startswith("ACK ")]
    # At most the queue's worth of the burst went in; the rest was shed.
    assert 1 <= len(acked) <= QUEUE, got
    # The press from the other unit: acknowledged, stored, pushed.
    assert presser.reply(timeout=10) == "ACK p1"
    op.wait_push("* ALARM", "type=BUTTON", "unit=HP-001")
    assert shed_total(d) >= before + 40 - QUEUE
    d.wait_log("shed", "unit=HP-002")
    # And the heartbeat of the unit being shed is still answered.
    busy.send("HB 3")
    assert busy.reply(timeout=10) == "HBACK 3"


def test_refuge_sim_waits_what_welcome_says(make_daemon, pki, tmp_path):
    """refuge-sim takes WELCOME's retry= over its own --retry, as a unit
    must; it says how long it waits when it connects."""
    from test_refuge_sim import run_sim, units_dir, check_clean
    d = make_daemon(config={"supervision": {"retry": "45s"}})
    udir = units_dir(tmp_path, pki, ["HP-001"])
    r = run_sim("--unit", "HP-001", "-H", "127.0.0.1:%d" % d.units_port, "--units", udir,
                "--ca", pki.ca, "--retry", "2s", input="b\nq\n", timeout=30)
    check_clean(r)
    assert r.returncode == 0, r.stderr
    assert "resend after 45 s" in r.stdout, r.stdout
    assert "ACK BUTTON HP-001-" in r.stdout, r.stdout
