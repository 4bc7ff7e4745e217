#!/usr/bin/env python3
"""Benchmark: SIA DC-09 panels against refuged. Loopback only; bounded in
count and time; not part of `make check`.

    bench/dc09_load.py [--panels 1000] [--seconds 15] [--presses 200]
                       [--one-shot-seconds 10]

1. Persistent: --panels panels (AES-128 accounts), each a kept TCP
   connection with one frame in flight (a panel waits for its ACK), send
   periodic tests (SIA RP: stored durably, no alarm) as fast as they are
   ACKed, from refuge-sim --dc09. Meanwhile this script presses panic on
   other accounts, one at a time, on a connection of its own, and times each
   from the frame's send to the operator's `* ALARM` push.
   Goals: 30,000 encrypted frames a second ACKed; press to operator p99 < 5 ms.
2. One frame per connection (connect, send, ACK, close), from refuge-sim
   --dc09 --one-shot. Goal: 2,000 a second.

Prints figures and refuged's CPU time; asserts nothing. The load generator
runs on the same cores as refuged: on a 2-core machine shared with other
work the figures are a floor, not the receiver's ceiling."""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

from conftest import Daemon, PKI, MKPKI, default_config, default_registry, merge  # noqa: E402

try:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
except ImportError:
    sys.exit("bench: needs python3-cryptography")

GOAL_RATE = 30000
GOAL_P99_MS = 5.0
GOAL_ONE_SHOT = 2000
PRESS_KEY = bytes(range(16))


def crc16_arc(data):
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def panic_frame(seq, acct):
    """An encrypted SIA-DCS panic, built from the standard."""
    tail = "|Nri1/PA1]" + time.strftime("_%H:%M:%S,%m-%d-%Y", time.gmtime())
    pad = "x" * (16 - len(tail) % 16)
    enc = Cipher(algorithms.AES(PRESS_KEY), modes.CBC(bytes(16))).encryptor()
    hexed = (enc.update((pad + tail).encode()) + enc.finalize()).hex().upper()
    body = ('"*SIA-DCS"%04dR0L0#%s[%s' % (seq, acct, hexed)).encode()
    return b"\n" + ("%04X%04X" % (crc16_arc(body), len(body))).encode() + body + b"\r"


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100.0 * (len(ordered) - 1))))]


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sim(build, port, registry, panels, seconds, one_shot):
    # Accounts A00000... sort before the presses' F000...: --count takes the panels.
    cmd = [os.path.join(build, "refuge-sim"), "--dc09", "-H", "127.0.0.1:%d" % port,
           "--registry", registry, "--count", str(panels), "--encrypt",
           "--test-rate", "1000000",
           "--duration", "%ds" % seconds, "--json"]
    if one_shot:
        cmd.append("--one-shot")
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def presses(op, panel, count, deadline):
    times, missed = [], []
    buf = b""
    for n in range(count):
        if time.monotonic() > deadline:
            break
        acct = "F%03X" % n
        t0 = time.perf_counter()
        panel.sendall(panic_frame(n % 10000, acct))
        try:
            op.wait_push("* ALARM", "unit=PRESS-%03d" % n, timeout=30)
        except AssertionError:
            missed.append(n)
            continue
        times.append((time.perf_counter() - t0) * 1000)
        while b"\r" not in buf:
            buf += panel.recv(4096)
        buf = buf[buf.index(b"\r") + 1:]
        time.sleep(0.02)
    panel.close()
    if missed:
        print("  presses with no * ALARM within 30 s: %d" % len(missed))
    return times


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--panels", type=int, default=1000)
    ap.add_argument("--seconds", type=int, default=15)
    ap.add_argument("--presses", type=int, default=200)
    ap.add_argument("--one-shot-seconds", type=int, default=10)
    args = ap.parse_args()
    build = os.environ.get("REFUGE_BUILD", os.path.join(ROOT, "build"))
    os.environ["REFUGE_BUILD"] = build

    work = tempfile.mkdtemp(prefix="refuge-bench-dc09-")
    try:
        pki_dir = os.path.join(work, "pki")
        subprocess.run(["sh", MKPKI, pki_dir, "HP-001"], check=True, capture_output=True)
        pki = PKI(pki_dir)
        pw = subprocess.run(["openssl", "passwd", "-6", "-salt", "bench", "secret"],
                            check=True, capture_output=True, text=True).stdout.strip()
        registry = default_registry(pw)
        units = registry["units"]
        for n in range(args.panels):
            units.append({"id": "PANEL-%05d" % n, "name": "Panel %d" % n,
                          "site": "racecourse", "lat": 52.2, "lon": -0.88,
                          "dc09": {"account": "A%05X" % n,
                                   "key_hex": os.urandom(16).hex().upper(),
                                   "supervision": "1h"}})
        for n in range(args.presses):
            units.append({"id": "PRESS-%03d" % n, "name": "Press %d" % n,
                          "site": "racecourse", "lat": 52.2, "lon": -0.88,
                          "dc09": {"account": "F%03X" % n, "key_hex": PRESS_KEY.hex(),
                                   "supervision": "1h"}})
        d = Daemon(os.path.join(work, "d"), pki)
        os.makedirs(d.dir)
        config = merge(default_config(pki), {
            "listen": {"dc09": "127.0.0.1:0"}, "log": {"level": "info"},
            "escalation": {"after": "1h"}, "alarms": {"flood_threshold": 0},
            "limits": {"connections_per_address": 100000, "max_connections": 100000}})
        d.write(config, registry)
        d.start()
        port = None
        deadline = time.monotonic() + 10
        while port is None and time.monotonic() < deadline:
            line = d.find_log("dc09: listening on")
            if line:
                port = int(line.split(" (tcp")[0].rsplit(":", 1)[1])
            time.sleep(0.05)
        sim_registry = d.registry_path

        print("bench: %d cores, load average %s (shared machine: other work runs "
              "beside this)" % (os.cpu_count(), open("/proc/loadavg").read().split()[:3]))
        op = d.operator("bob")
        # A panel among the others, connected before them: while a thousand
        # links keep the loop busy, accepting a new connection waits (the
        # listener runs at the handshakes' priority, below the links').
        panel = socket.create_connection(("127.0.0.1", port))
        panel.settimeout(30)
        cpu0 = cpu_seconds(d.proc.pid)
        t0 = time.monotonic()
        p = sim(build, port, sim_registry, args.panels, args.seconds, False)
        time.sleep(1.0)		# the panels connected and sending
        times = presses(op, panel, args.presses, t0 + args.seconds - 1)
        out, err = p.communicate(timeout=args.seconds + 60)
        wall = time.monotonic() - t0
        cpu = cpu_seconds(d.proc.pid) - cpu0
        r = json.loads(out.strip().splitlines()[-1])
        print("persistent: %d panels, %.1f s" % (r["panels"], r["seconds"]))
        print("  encrypted frames ACKed after commit: %d (%.0f/s; goal %d/s)"
              % (r["acked"], r["acked_per_s"], GOAL_RATE))
        print("  send -> ACK p50 %.2f ms, p99 %.2f ms; NAK %d, timeouts %d, errors %d"
              % (r["p50_us"] / 1000, r["p99_us"] / 1000, r["naks"], r["timeouts"], r["errors"]))
        if times:
            print("  panic -> operator * ALARM: %d presses, median %.2f ms, p99 %.2f ms, "
                  "max %.2f ms (goal p99 < %.0f ms)"
                  % (len(times), percentile(times, 50), percentile(times, 99),
                     max(times), GOAL_P99_MS))
        print("  refuged CPU %.1f s in %.1f s (%.0f%% of one core)"
              % (cpu, wall, 100 * cpu / wall))

        cpu0 = cpu_seconds(d.proc.pid)
        t0 = time.monotonic()
        p = sim(build, port, sim_registry, args.panels, args.one_shot_seconds, True)
        out, err = p.communicate(timeout=args.one_shot_seconds + 60)
        wall = time.monotonic() - t0
        cpu = cpu_seconds(d.proc.pid) - cpu0
        r = json.loads(out.strip().splitlines()[-1])
        print("one frame per connection: %d panels, %.1f s: %d ACKed (%.0f/s; goal %d/s),"
              " p99 %.2f ms; refuged CPU %.0f%% of one core"
              % (r["panels"], r["seconds"], r["acked"], r["acked_per_s"], GOAL_ONE_SHOT,
                 r["p99_us"] / 1000, 100 * cpu / wall))
        d.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
