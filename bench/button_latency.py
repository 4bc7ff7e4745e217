#!/usr/bin/env python3
"""Benchmark: how long a BUTTON press takes from the unit's EVENT line to the
operator's `* ALARM` push (and to the unit's ACK), through TLS, the durable
commit and the fan-out; optionally while other units flood the receiver with
events and new TLS handshakes. Loopback only; bounded in count and time.

    bench/button_latency.py [--presses 200] [--flood-events 0] [--flood-handshakes 0]

Prints figures; asserts nothing."""

import argparse
import os
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

from conftest import (REGISTERED, Daemon, PKI, MKPKI, default_config,  # noqa: E402
                      default_registry, merge)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100.0 * (len(ordered) - 1))))]


def flood_events(d, uid, stop, counter):
    u = d.unit(uid)
    u.hello()
    n = 0
    while not stop.is_set():
        u.send(b"".join(b"EVENT f%d-%d TEST\n" % (n, k) for k in range(50)))
        n += 1
        for _ in range(50):
            line = u.readline(10)
            if line is None:
                return
        counter[0] += 50


def flood_handshakes(d, stop, counter):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(d.pki.ca)
    ctx.load_cert_chain(d.pki.cert("HP-002"), d.pki.key("HP-002"))
    while not stop.is_set():
        try:
            raw = socket.create_connection(("127.0.0.1", d.units_port), timeout=5)
            s = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
            s.close()
            counter[0] += 1
        except OSError:
            time.sleep(0.01)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--presses", type=int, default=200)
    ap.add_argument("--flood-events", type=int, default=0,
                    help="flooding event senders, one unit each (at most 3)")
    ap.add_argument("--flood-handshakes", type=int, default=0, help="handshaking threads")
    args = ap.parse_args()
    os.environ.setdefault("REFUGE_BUILD", os.path.join(ROOT, "build"))

    work = tempfile.mkdtemp(prefix="refuge-bench-")
    try:
        pki_dir = os.path.join(work, "pki")
        subprocess.run(["sh", MKPKI, pki_dir] + REGISTERED, check=True, capture_output=True)
        pki = PKI(pki_dir)
        pw = subprocess.run(["openssl", "passwd", "-6", "-salt", "bench", "secret"],
                            check=True, capture_output=True, text=True).stdout.strip()
        d = Daemon(os.path.join(work, "d"), pki)
        os.makedirs(d.dir)
        config = merge(default_config(pki), {"log": {"level": "info"},
                                             "escalation": {"after": "1h"},
                                             "limits": {"connections_per_address": 1000}})
        d.write(config, default_registry(pw))
        d.start()
        op = d.operator("bob")
        unit = d.unit("HP-001")
        unit.hello()

        stop = threading.Event()
        counters = {"events": [0], "handshakes": [0]}
        # One unit each: a second link of a unit would replace the first.
        flooders = (REGISTERED[2:] * args.flood_events)[:args.flood_events]
        threads = [threading.Thread(target=flood_events, args=(d, uid, stop, counters["events"]), daemon=True)
                   for uid in flooders]
        threads += [threading.Thread(target=flood_handshakes, args=(d, stop, counters["handshakes"]), daemon=True)
                    for _ in range(args.flood_handshakes)]
        for t in threads:
            t.start()
        time.sleep(0.5 if threads else 0)

        to_push, to_ack = [], []
        began = time.monotonic()
        for n in range(args.presses):
            t0 = time.perf_counter()
            unit.send("EVENT b%d BUTTON" % n)
            op.wait_push("* ALARM", "unit=HP-001", "state=queued", timeout=10)
            to_push.append((time.perf_counter() - t0) * 1000)
            while True:
                line = unit.readline(10)
                if line.startswith("ACK"):
                    break
            to_ack.append((time.perf_counter() - t0) * 1000)
            alarm = op.alarms()[0]
            op.call("CLAIM %d" % alarm["id"])
            op.call("RESOLVE %d false reason=test" % alarm["id"])
            op.drain(0)
        elapsed = time.monotonic() - began
        stop.set()

        print("presses %d, flood: %d event senders (%d events), %d handshakers (%d handshakes) in %.1f s"
              % (args.presses, args.flood_events, counters["events"][0],
                 args.flood_handshakes, counters["handshakes"][0], elapsed))
        for name, values in (("EVENT -> * ALARM push", to_push), ("EVENT -> ACK", to_ack)):
            print("%-22s median %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms"
                  % (name, statistics.median(values), percentile(values, 90),
                     percentile(values, 99), max(values)))
        d.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
