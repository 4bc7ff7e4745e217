#!/usr/bin/env python3
"""Benchmark: a storm of units connecting at once (a receiver restart), at
several values of limits.handshakes. Loopback only; bounded in time.

    bench/handshake_storm.py [--units 2000] [--caps 8,16,32,64,128,256]
                             [--deadline 60] [--build build]

For each cap, a fresh refuged and a refuge-sim that starts every unit at
once (--connect-rate far above what the receiver can take). A probe unit,
welcomed before the storm, sends a heartbeat every 20 ms meanwhile; /metrics
is scraped every 100 ms. Prints per cap: the time from the first accepted
connection to the last unit welcomed, handshakes per second, the refused
counters (timeouts are work thrown away), accept pauses, the probe's
heartbeat round trip (p50, p99, max) and the slowest /metrics answer.
A cap of "none" leaves limits.handshakes out (a build without the key).
Prints figures; asserts nothing."""

import argparse
import http.client
import os
import re
import shutil
import signal
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
MKPKI = os.path.join(ROOT, "tests", "certs", "mkpki.sh")
READY_RE = re.compile(r"ready units=127\.0\.0\.1:(\d+) operators=\S+ metrics=127\.0\.0\.1:(\d+)")
PROBE = "HP-PROBE"


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100.0 * (len(ordered) - 1))))]


def cpu_seconds(pid):
    """User and system CPU time of a process so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def metric(text, name):
    m = re.search(r"^%s (\d+)" % re.escape(name), text, re.M)
    return int(m.group(1)) if m else None


class Run:
    def __init__(self, args, work, cap):
        self.args = args
        self.work = work
        self.cap = cap
        self.stop = threading.Event()
        self.rtts = []		# (monotonic time, seconds)
        self.scrapes = []	# (monotonic time, seconds, text)
        self.proc = None

    def write_config(self, pki):
        n = self.args.units
        limits = ["  connections_per_address: %d" % (n + 100),
                  "  max_connections: %d" % (n + 100),
                  "  handshake_timeout: 10s"]
        if self.cap != "none":
            limits.append("  handshakes: %s" % self.cap)
        with open(os.path.join(self.work, "refuge.yaml"), "w") as f:
            f.write("listen:\n  units: 127.0.0.1:0\n  operators: 127.0.0.1:0\n"
                    "  metrics: 127.0.0.1:0\n"
                    "tls:\n  cert: %s/server.crt\n  key: %s/server.key\n"
                    "  unit_ca: %s/ca.crt\n"
                    "database: refuge.db\nregistry: units.yaml\n"
                    "supervision:\n  heartbeat: 60s\n"
                    "limits:\n%s\nlog:\n  level: info\n"
                    % (pki, pki, pki, "\n".join(limits)))

    def start(self):
        log = open(os.path.join(self.work, "refuged.log"), "w")
        self.proc = subprocess.Popen(
            self.args.pin_refuged + [os.path.join(self.args.build, "refuged"), "-c",
                                     os.path.join(self.work, "refuge.yaml")],
            stdout=log, stderr=subprocess.STDOUT, cwd=self.work)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with open(os.path.join(self.work, "refuged.log")) as f:
                m = READY_RE.search(f.read())
            if m:
                self.units_port, self.metrics_port = int(m.group(1)), int(m.group(2))
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        sys.exit("refuged did not start; see %s/refuged.log" % self.work)

    def probe(self, pki):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(os.path.join(pki, "ca.crt"))
        ctx.load_cert_chain(os.path.join(pki, "units", PROBE + ".crt"),
                            os.path.join(pki, "units", PROBE + ".key"))
        raw = socket.create_connection(("127.0.0.1", self.units_port), timeout=10)
        s = ctx.wrap_socket(raw, server_hostname="localhost")
        s.sendall(b"HELLO %s 1\n" % PROBE.encode())
        buf = b""
        while b"\n" not in buf:
            buf += s.recv(4096)
        assert buf.startswith(b"WELCOME"), buf
        buf = b""
        self.probe_ready.set()
        n = 0
        while not self.stop.is_set():
            n += 1
            began = time.monotonic()
            s.sendall(b"HB %d\n" % n)
            while b"\n" not in buf:
                data = s.recv(4096)
                if not data:
                    return
                buf += data
            _, buf = buf.split(b"\n", 1)
            self.rtts.append((began, time.monotonic() - began))
            time.sleep(0.02)
        s.close()

    def scrape(self):
        while not self.stop.is_set():
            began = time.monotonic()
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.metrics_port, timeout=30)
                c.request("GET", "/metrics")
                text = c.getresponse().read().decode()
                c.close()
                self.scrapes.append((began, time.monotonic() - began, text))
            except OSError:
                pass
            time.sleep(0.1)

    def welcomed(self):
        return metric(self.scrapes[-1][2], "refuge_units_online") if self.scrapes else 0


def run_one(args, base, pki, cap, n):
    work = os.path.join(base, "cap-%s-%d" % (cap, n))
    os.makedirs(work)
    shutil.copy(os.path.join(base, "units.yaml"), work)
    r = Run(args, work, cap)
    r.write_config(pki)
    r.start()
    r.probe_ready = threading.Event()
    threads = [threading.Thread(target=r.probe, args=(pki,), daemon=True),
               threading.Thread(target=r.scrape, daemon=True)]
    for t in threads:
        t.start()
    r.probe_ready.wait(10)
    time.sleep(0.5)
    sim = subprocess.Popen(
        args.pin_others + [os.path.join(args.build, "refuge-sim"), "-H", "127.0.0.1:%d" % r.units_port,
         "--ca", os.path.join(pki, "ca.crt"), "--issuer-cert", os.path.join(pki, "ca.crt"),
         "--issuer-key", os.path.join(pki, "ca.key"), "--count", str(args.units),
         "--hb", "60s", "--connect-rate", "10000000/s",
         "--duration", "%ds" % (args.deadline + 30), "--json"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + args.deadline + 30
    while time.monotonic() < deadline and (r.welcomed() or 0) < args.units + 1:
        time.sleep(0.1)
    last = r.scrapes[-1][2]
    cpu = cpu_seconds(r.proc.pid)
    sim_cpu = cpu_seconds(sim.pid)
    sim.send_signal(signal.SIGTERM)
    try:
        sim.wait(10)
    except subprocess.TimeoutExpired:
        sim.kill()
    r.stop.set()
    # The storm: from the first scrape with a handshake under way to the last.
    began = next((t for t, _, text in r.scrapes
                  if (metric(text, "refuge_handshakes_in_progress") or 0) > 0
                  or (metric(text, 'refuge_connections{kind="unit"}') or 0) > 1), None)
    ended = next((t for t, _, text in r.scrapes
                  if (metric(text, "refuge_units_online") or 0) >= args.units + 1),
                 None)
    window = [x for t, x in r.rtts if began is not None and t >= began and
              (ended is None or t <= ended)]
    scrape_max = max((x for t, x, _ in r.scrapes if began is not None and t >= began),
                     default=float("nan"))
    refused = {m.group(1): int(m.group(2)) for m in re.finditer(
        r'^refuge_connections_refused_total\{reason="(\w+)"\} (\d+)', last, re.M)}
    took = (ended - began) if began is not None and ended is not None else None
    print("cap %-5s  %s  welcomed %5d/%d  refused timeout %d handshake %d  pauses %s  "
          "HB rtt p50 %.1f p99 %.1f max %.1f ms  /metrics max %.2f s" % (
              cap, ("all in %5.1f s (%4.0f/s)" % (took, args.units / took)) if took
              else "not all in %ds    " % (args.deadline + 30),
              (metric(last, "refuge_units_online") or 1) - 1, args.units,
              refused.get("timeout", 0), refused.get("handshake", 0),
              metric(last, "refuge_accept_paused_total"),
              1000 * percentile(window, 50), 1000 * percentile(window, 99),
              1000 * max(window, default=float("nan")), scrape_max), flush=True)
    handshakes = metric(last, 'refuge_tls_handshakes_total{result="ok"}') or 1
    print("           refuged CPU %.1f s (%.2f ms a TLS handshake, %d handshakes), "
          "refuge-sim CPU %.1f s" % (cpu, 1000 * cpu / handshakes, handshakes, sim_cpu),
          flush=True)
    r.proc.send_signal(signal.SIGTERM)
    try:
        r.proc.wait(15)
    except subprocess.TimeoutExpired:
        r.proc.kill()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--units", type=int, default=2000)
    p.add_argument("--caps", default="8,16,32,64,128,256")
    p.add_argument("--deadline", type=int, default=60,
                   help="seconds, plus 30, before a run gives up")
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--keep", action="store_true")
    p.add_argument("--pin", action="store_true",
                   help="refuged on CPU 0, this script and refuge-sim on CPU 1 (taskset)")
    p.add_argument("--repeat", type=int, default=1, help="runs of each cap")
    args = p.parse_args()
    args.build = os.path.abspath(args.build)
    args.pin_refuged, args.pin_others = [], []
    if args.pin:
        args.pin_refuged, args.pin_others = ["taskset", "-c", "0"], ["taskset", "-c", "1"]
        os.sched_setaffinity(0, {1})
    base = tempfile.mkdtemp(prefix="handshake_storm.")
    try:
        pki = os.path.join(base, "pki")
        subprocess.run(["sh", MKPKI, pki, PROBE], check=True, capture_output=True)
        registry = subprocess.run(
            [os.path.join(args.build, "refuge-sim"), "--print-registry", str(args.units)],
            check=True, capture_output=True, text=True).stdout
        registry += ("  - id: %s\n    name: \"Probe\"\n    site: simulated\n"
                     "    lat: 52.0\n    lon: -0.9\n" % PROBE)
        with open(os.path.join(base, "units.yaml"), "w") as f:
            f.write(registry)
        print("handshake_storm: %d units at once, %d cores" % (args.units, os.cpu_count()))
        for n in range(args.repeat):
            for cap in args.caps.split(","):
                run_one(args, base, pki, cap.strip(), n)
    finally:
        if args.keep:
            print("kept", base)
        else:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
