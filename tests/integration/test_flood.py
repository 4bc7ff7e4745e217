"""Units flooding their open links can starve neither new connections, nor
timers, nor a button press from another unit."""

import threading
import time


def flood(unit, stop):
    # The same lines again and again: retransmissions cost the receiver a
    # full store round each, and the sender next to nothing.
    chunk = b"".join(b"EVENT f%d TEST\n" % k for k in range(2000))
    while not stop.is_set():
        try:
            unit.send(chunk)
        except OSError:
            return


def test_flood_on_open_links_starves_nothing(make_daemon):
    d = make_daemon(config={"limits": {"handshake_timeout": "10s"}})
    op = d.operator("alice")
    floods = [d.unit(uid, timeout=30) for uid in ("HP-002", "HP-003", "HP-004")]
    for u in floods:
        u.hello()
    stop = threading.Event()
    threads = [threading.Thread(target=flood, args=(u, stop), daemon=True) for u in floods]
    for t in threads:
        t.start()
    try:
        time.sleep(0.5)		# the flood is on
        began = time.monotonic()
        late = d.unit("HP-001")
        late.hello()
        connected_in = time.monotonic() - began
        late.send("EVENT p1 BUTTON")
        op.wait_push("* ALARM", "type=BUTTON", "unit=HP-001", timeout=5)
        pushed_in = time.monotonic() - began
        # A timer still runs: PING is answered and a heartbeat too.
        assert op.call("PING") == "OK"
    finally:
        stop.set()
    # Behaviour, not speed (bench/ measures that): the newcomer got in within
    # its handshake deadline and the press got through while the flood went
    # on; starved, neither would happen at all. The figures are printed.
    print("flood: handshake and HELLO %.2f s, press pushed %.2f s"
          % (connected_in, pushed_in))
    assert connected_in < 10.0, "handshake and HELLO took %.2f s under the flood" % connected_in
    assert pushed_in < 15.0, "the press reached operators after %.2f s" % pushed_in
