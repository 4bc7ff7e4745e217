"""Two refuged on one PostgreSQL database: one active, one standing by.

The active receiver holds the database's lease; the standby denies units
(DENIED standby active=<host:port>), serves operators read-only and takes
over when the active one dies (kill -9: its session ends and the lock goes
with it) or stops (SIGTERM gives the lease up). Each test has a fresh
database in one private cluster (pgcluster.py)."""

import itertools
import os
import re
import tempfile
import threading
import time
import urllib.error
import urllib.request

import pytest

import pgcluster
from helpers import parse_alarm, raise_alarm, wait_for

WHY = pgcluster.available()
pytestmark = pytest.mark.skipif(WHY is not None, reason=str(WHY))

LEASE = "2s"
TAKEOVER_GOAL_S = 10.0
TAKEOVER_ASSERT_S = 30.0
_names = itertools.count(1)


@pytest.fixture(scope="module")
def cluster():
    # Not under pytest's own directory: each pytest run makes that 0700
    # again, and the cluster runs as another user.
    c = pgcluster.PgCluster(tempfile.mkdtemp(prefix="refuge-pair-")).start()
    yield c
    c.destroy()


@pytest.fixture
def database(cluster):
    name = "pair%d_%d" % (os.getpid(), next(_names))
    url = cluster.create_database(name)
    yield url
    cluster.drop_database(name)


def receiver(make_daemon, url, name, start=True):
    return make_daemon(config={"database": url,
                               "listen": {"metrics": "127.0.0.1:0"},
                               "receiver": {"name": name, "lease": LEASE}},
                       start=start)


def http_get(d, path):
    """(status, body) of a GET on the receiver's metrics listener."""
    port = int(re.search(r"metrics=127\.0\.0\.1:(\d+)",
                         d.wait_log("ready ", "metrics=")).group(1))
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path),
                                    timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def receiver_active_gauge(d):
    status, body = http_get(d, "/metrics")
    assert status == 200, (status, body)
    m = re.search(r"^refuge_receiver_active (\d+)$", body, re.M)
    assert m, body
    return int(m.group(1))


def address(d):
    return "127.0.0.1:%d" % d.units_port


def pair(make_daemon, url):
    """Starts rx-a, waits until it is active, then starts rx-b."""
    a = receiver(make_daemon, url, "rx-a")
    a.wait_log("receiver: active term=", timeout=15)
    b = receiver(make_daemon, url, "rx-b")
    b.wait_log("receiver: standby name=rx-b", timeout=15)
    return a, b


def welcomed(d, cert="HP-001", timeout=TAKEOVER_ASSERT_S):
    """Connects a unit until it is welcomed; returns the unit."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        u = d.unit(cert)
        u.send("HELLO %s 1" % cert)
        line = u.readline(5.0)
        if line is not None and line.startswith("WELCOME "):
            words = line.split()
            u.welcome = dict(w.split("=", 1) for w in words[3:])
            return u
        last = line
        u.close()
        time.sleep(0.05)
    raise AssertionError("no WELCOME from %s within %ss (last %r)"
                         % (d.dir, timeout, last))


def test_one_active_one_standby(make_daemon, database):
    a, b = pair(make_daemon, database)
    # The standby never claims the lease while the active one renews it.
    with pytest.raises(AssertionError):
        b.wait_log("receiver: active term=", timeout=2 * 2.0)
    # A unit sent to the standby is told where the active receiver is.
    with b.unit("HP-001") as u:
        u.send("HELLO HP-001 1")
        assert u.expect("DENIED ") == "DENIED standby active=%s" % address(a)
        u.expect_eof()
    # The active one welcomes it, and names the standby as the alternate.
    with a.unit("HP-001") as u:
        u.hello()
        assert u.welcome.get("alt") == address(b), u.welcome


def test_operator_on_standby_reads_only(make_daemon, database):
    a, b = pair(make_daemon, database)
    with a.operator("alice") as op_a, a.commanded_unit("HP-002") as unit:
        push = op_a.wait_push("RECEIVER")
        assert push.startswith("* RECEIVER active store=ok"), push
        assert "name=rx-a" in push
        unit.hello()
        alarm = raise_alarm(op_a, unit, "e-1", "BUTTON")
        with b.operator("carol") as op_b:
            push = op_b.wait_push("RECEIVER")
            assert push == "* RECEIVER standby store=ok name=rx-b active=%s" \
                % address(a), push
            lines, final = op_b.request("ALARMS")
            assert final.startswith("OK "), final
            ids = [parse_alarm(l)["id"] for l in lines]
            assert alarm["id"] in ids, lines
            for verb in ("CLAIM %s" % alarm["id"], "NOTE %s \"hello\"" % alarm["id"],
                         "RELEASE %s" % alarm["id"]):
                final = op_b.call(verb)
                assert final == "ERR standby active=%s" % address(a), (verb, final)
            # The unit on rx-a is online, as the database says.
            assert op_b.units()["HP-002"]["state"] == "online"
            final = op_b.call("DETAIL %s" % alarm["id"])
            assert final.startswith("OK"), final
        # Nothing was written by the standby: the alarm is still unclaimed.
        lines, final = op_a.request("ALARMS")
        mine = [a for a in map(parse_alarm, lines) if a["id"] == alarm["id"]]
        assert mine and mine[0]["state"] == "queued", lines


def test_kill9_takeover(make_daemon, database):
    a, b = pair(make_daemon, database)
    with a.operator("alice") as op, a.commanded_unit("HP-003") as unit:
        unit.hello()
        alarm = raise_alarm(op, unit, "e-9", "BUTTON")
        assert op.call("CLAIM %s" % alarm["id"]).startswith("OK"), alarm
        a.kill()
        t0 = time.monotonic()
    line = b.wait_log("receiver: active term=", timeout=TAKEOVER_ASSERT_S)
    assert "(took over from rx-a)" in line, line
    u = welcomed(b, "HP-001")
    took = time.monotonic() - t0
    print("takeover after kill -9: first unit welcomed in %.2f s (goal %.0f s)"
          % (took, TAKEOVER_GOAL_S))
    assert took < TAKEOVER_ASSERT_S
    u.close()
    with b.operator("alice") as op_b:
        push = op_b.wait_push("RECEIVER")
        assert push.startswith("* RECEIVER active store=ok name=rx-b"), push
        lines, final = op_b.request("ALARMS")
        found = [a for a in map(parse_alarm, lines) if a["id"] == alarm["id"]]
        assert found, "alarm %s not open on the new active receiver: %r" \
            % (alarm["id"], lines)
        assert found[0]["state"] == "claimed" and found[0]["by"] == "alice", found
        # The new active one writes: its operator can note the alarm.
        assert op_b.call('NOTE %s "after the takeover"' % alarm["id"]) \
            .startswith("OK")


def test_sigterm_quick_takeover(make_daemon, database):
    a, b = pair(make_daemon, database)
    t0 = time.monotonic()
    assert a.stop() == 0
    b.wait_log("receiver: active term=", timeout=TAKEOVER_ASSERT_S)
    took = time.monotonic() - t0
    print("takeover after SIGTERM: %.2f s" % took)
    # The lease was given up: no waiting for it to lapse.
    assert took < 5.0, took
    welcomed(b, "HP-001", timeout=10).close()


def test_standby_operator_told_of_takeover(make_daemon, database):
    a, b = pair(make_daemon, database)
    with b.operator("carol") as op_b:
        assert op_b.wait_push("RECEIVER").startswith("* RECEIVER standby")
        a.kill()
        push = op_b.wait_push("RECEIVER", "active", timeout=TAKEOVER_ASSERT_S)
        assert push.startswith("* RECEIVER active store=ok name=rx-b"), push


def test_two_started_at_once(make_daemon, database):
    a = receiver(make_daemon, database, "rx-a", start=False)
    b = receiver(make_daemon, database, "rx-b", start=False)
    errors = []

    def start(d):
        try:
            d.start()
        except BaseException as e:	# pytest.fail raises a BaseException
            errors.append(e)
    threads = [threading.Thread(target=start, args=(d,)) for d in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    wait_for(lambda: a.find_log("receiver: active term=") or
             b.find_log("receiver: active term="), timeout=15,
             message="neither receiver became active")
    actives = [d for d in (a, b) if d.find_log("receiver: active term=")]
    assert len(actives) == 1, [d.dir for d in actives]
    welcomed(actives[0], "HP-001", timeout=10).close()


def test_hung_active_steps_down(make_daemon, database):
    """An active receiver that stops renewing (SIGSTOP) is replaced; when it
    runs again it finds the lease gone, closes its unit links and stands by."""
    import signal
    a, b = pair(make_daemon, database)
    unit = welcomed(a, "HP-004", timeout=10)
    with a.operator("alice") as op_a:
        assert op_a.wait_push("RECEIVER").startswith("* RECEIVER active")
        os.kill(a.proc.pid, signal.SIGSTOP)
        try:
            b.wait_log("receiver: active term=", timeout=TAKEOVER_ASSERT_S)
        finally:
            os.kill(a.proc.pid, signal.SIGCONT)
        a.wait_log("receiver: standby term=", timeout=TAKEOVER_ASSERT_S)
        unit.expect_eof(timeout=10)
        # Told at once; with the active one's address once a poll found it.
        push = op_a.wait_push("RECEIVER", "standby", "active=", timeout=10)
        assert push == "* RECEIVER standby store=ok name=rx-a active=%s" \
            % address(b), push
        assert op_a.call("CLAIM 1") == "ERR standby active=%s" % address(b)
    with a.unit("HP-004") as u:
        u.send("HELLO HP-004 1")
        assert u.expect("DENIED ") == "DENIED standby active=%s" % address(b)
    welcomed(b, "HP-004", timeout=10).close()


def test_dc09_standby_answers_nothing(make_daemon, database):
    """DC-09 panels get no reply from a standby (they use their backup
    path); the active receiver acknowledges, and so does the standby once
    it has taken over."""
    import socket
    from test_dc09 import PANELS, Panel, dc09_port, parse_reply, plain_frame
    config = {"database": database, "listen": {"dc09": "127.0.0.1:0"}}
    a = make_daemon(config=dict(config, receiver={"name": "rx-a", "lease": LEASE}),
                    units=PANELS)
    a.wait_log("receiver: active term=", timeout=15)
    b = make_daemon(config=dict(config, receiver={"name": "rx-b", "lease": LEASE}),
                    units=PANELS)
    b.wait_log("receiver: standby name=rx-b", timeout=15)
    pa, pb = Panel(dc09_port(a), udp=True), Panel(dc09_port(b), udp=True, timeout=1.5)
    try:
        assert parse_reply(pa.call(plain_frame("NULL", 1, "1234")))[0] == "ACK"
        pb.send(plain_frame("NULL", 2, "1234"))
        with pytest.raises(socket.timeout):
            pb.reply()
        b.wait_log("dc09: dropped", "standby receiver")
        a.kill()
        b.wait_log("receiver: active term=", timeout=TAKEOVER_ASSERT_S)
        pb.sock.settimeout(5.0)
        assert parse_reply(pb.call(plain_frame("NULL", 3, "1234")))[0] == "ACK"
    finally:
        pa.close()
        pb.close()


def test_health_and_metric_say_which_is_active(make_daemon, database):
    a, b = pair(make_daemon, database)
    status, body = http_get(b, "/healthz")
    assert status == 503 and body.startswith("standby\n"), (status, body)
    assert receiver_active_gauge(b) == 0
    status, body = http_get(a, "/healthz")
    assert status == 200 and body.startswith("ok\n"), (status, body)
    assert receiver_active_gauge(a) == 1
    a.kill()
    b.wait_log("receiver: active term=", timeout=TAKEOVER_ASSERT_S)
    assert receiver_active_gauge(b) == 1
    status, body = http_get(b, "/healthz")
    assert status == 200 and body.startswith("ok\n"), (status, body)


def test_restored_claim_waits_escalation_after_from_takeover(make_daemon, database):
    """A claim restored at a takeover whose operator is not back goes to the
    queue escalation.after after the takeover, not after the standby's own
    start (which may be long before)."""
    after = 3.0
    config = {"database": database, "escalation": {"after": "3s"}}
    a = make_daemon(config=dict(config, receiver={"name": "rx-a", "lease": LEASE}))
    a.wait_log("receiver: active term=", timeout=15)
    b = make_daemon(config=dict(config, receiver={"name": "rx-b", "lease": LEASE}))
    b.wait_log("receiver: standby name=rx-b", timeout=15)
    b_started = time.monotonic()
    with a.operator("alice") as op, a.commanded_unit("HP-005") as unit:
        unit.hello()
        alarm = raise_alarm(op, unit, "e-5", "BUTTON")
        assert op.call("CLAIM %s" % alarm["id"]).startswith("OK")
        # The standby has been up for longer than escalation.after.
        wait_for(lambda: time.monotonic() - b_started > after + 1.0,
                 timeout=after + 5)
        a.kill()
    b.wait_log("receiver: active term=", timeout=TAKEOVER_ASSERT_S)
    took_over = time.monotonic()
    with b.operator("carol") as op_b:
        def state():
            found = [x for x in op_b.alarms() if x["id"] == alarm["id"]]
            assert found, "alarm %s not open on rx-b" % alarm["id"]
            return found[0]["state"]
        assert state() == "claimed"
        wait_for(lambda: state() == "queued", timeout=after + 10, interval=0.2)
        waited = time.monotonic() - took_over
    print("restored claim released %.1f s after the takeover" % waited)
    assert waited >= after - 1.0, waited
