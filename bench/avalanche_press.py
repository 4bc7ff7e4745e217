#!/usr/bin/env python3
"""Benchmark: a BUTTON press during an avalanche (a mass power cut): --units
units each send MAINS_FAIL within --window-ms, and in the middle of it one
more unit presses BUTTON; repeated --rounds times. Loopback only; bounded in
count and time.

    bench/avalanche_press.py [--units 2000] [--rounds 10] [--window-ms 100]
                             [--press-at-ms 50] [--flood-threshold 0]
                             [--slow-operator]

The units run in a child process (asyncio, one TLS link each, certificates
minted from the throw-away CA); the press, a logged-in operator reading all
the time and this script run in the parent. For each round it prints:

  latency      BUTTON line sent -> the operator has its `* ALARM` push
  lower        lower-priority pushes the operator received between sending
               the BUTTON and its push (an upper bound of those written
               after the press was read: it includes lines already on
               their way in the socket buffers when it was read)
  later        of those, the ones about units whose MAINS_FAIL was sent
               after the BUTTON (very likely read after it, too)
  links_before how many unit links refuged read in the press's turn of the
               loop before its line (its log line's links_before=)

and at the end p50/p99 of the latency and the worst `lower`. The goal
(issue 10): p99 under 100 ms and no lower-priority push written between the
press's reading and its push. --flood-threshold 0 (the default here) gives
every alarm its own `* ALARM` line, the worst case for the operator's
queue; 50 is refuged's default, where most become `* FLOOD` lines.
--slow-operator makes the operator stop reading from the avalanche's start
until --pause-ms after the press, so the press has to overtake a backlog:
latency and lower then count from when it reads again, and `after` is how
many lower-priority pushes came after the press (those it overtook). Its
latency then includes TCP's recovery from the zero window of a reader that
stopped, which on loopback sometimes takes a probe of several hundred ms.

Prints figures; asserts nothing."""

import argparse
import asyncio
import datetime
import multiprocessing
import os
import re
import resource
import shutil
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

from conftest import Daemon, PKI, MKPKI, default_config, merge  # noqa: E402

PRESSER = "HP-001"	# made by mkpki.sh, registered beside the avalanche's units
CONNECT_AT_ONCE = 100	# the avalanche's handshakes in flight
LINKS_RE = re.compile(r"unit=%s event=(\S+) type=BUTTON stored links_before=(\d+)" % PRESSER)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100.0 * (len(ordered) - 1))))]


def unit_id(n):
    return "AV-%05d" % n


def mint_certs(pki_dir, count):
    """units/AV-nnnnn.crt and .key for count units, signed by the test CA
    (one key shared by all: the CN is what refuged checks)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    with open(os.path.join(pki_dir, "ca.key"), "rb") as f:
        ca_key = serialization.load_pem_private_key(f.read(), password=None)
    with open(os.path.join(pki_dir, "ca.crt"), "rb") as f:
        ca_cert = x509.load_pem_x509_certificate(f.read())
    key = ec.generate_private_key(ec.SECP256R1())
    key_pem = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    now = datetime.datetime.now(datetime.timezone.utc)
    for n in range(1, count + 1):
        uid = unit_id(n)
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, uid)]))
                .issuer_name(ca_cert.subject)
                .public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(days=1))
                .not_valid_after(now + datetime.timedelta(days=30))
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]),
                               critical=False)
                .sign(ca_key, hashes.SHA256()))
        with open(os.path.join(pki_dir, "units", uid + ".crt"), "wb") as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM))
        with open(os.path.join(pki_dir, "units", uid + ".key"), "wb") as f:
            f.write(key_pem)


def registry(count, password_hash):
    sites = [{"id": "s%02d" % s, "name": "Site %d" % s, "plan": "p"} for s in range(20)]
    units = [{"id": PRESSER, "name": "The press", "site": "s00", "lat": 52.0, "lon": -0.9}]
    units += [{"id": unit_id(n), "name": "Avalanche %d" % n, "site": "s%02d" % (n % 20),
               "lat": 52.0, "lon": -0.9} for n in range(1, count + 1)]
    return {"sites": sites, "plans": [{"id": "p", "steps": ["Speak to the caller"]}],
            "units": units,
            "operators": [{"user": "alice", "password": password_hash, "role": "operator"}]}


# ---- the avalanche: a child process with every unit's link

async def avalanche_main(pki_dir, port, count, window_ms, conn):
    ca = os.path.join(pki_dir, "ca.crt")
    links = [None] * count
    sem = asyncio.Semaphore(CONNECT_AT_ONCE)

    async def connect(n):
        uid = unit_id(n + 1)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(ca)
        ctx.load_cert_chain(os.path.join(pki_dir, "units", uid + ".crt"),
                            os.path.join(pki_dir, "units", uid + ".key"))
        async with sem:
            for _ in range(20):
                try:
                    r, w = await asyncio.wait_for(asyncio.open_connection(
                        "127.0.0.1", port, ssl=ctx, server_hostname="localhost"), 30)
                    w.write(b"HELLO %s 1\n" % uid.encode())
                    line = await asyncio.wait_for(r.readline(), 30)
                    if line.startswith(b"WELCOME"):
                        links[n] = (r, w)
                        return
                    w.close()
                except (OSError, asyncio.TimeoutError, ssl.SSLError):
                    await asyncio.sleep(0.5)
            raise SystemExit("avalanche: %s could not connect" % uid)

    began = time.monotonic()
    await asyncio.gather(*(connect(n) for n in range(count)))
    conn.send(("ready", time.monotonic() - began))

    async def acked(r, event_id):
        while True:
            line = await asyncio.wait_for(r.readline(), 60)
            if not line:
                raise SystemExit("avalanche: a link closed")
            if line.strip() == b"ACK " + event_id:
                return

    loop = asyncio.get_running_loop()
    while True:
        msg = await loop.run_in_executor(None, conn.recv)
        if msg[0] == "stop":
            break
        rnd = msg[1]
        began = time.monotonic()
        waits = []
        sent_at = []
        for n, (r, w) in enumerate(links):
            # Spread evenly over the window.
            due = began + window_ms / 1000.0 * n / count
            if time.monotonic() < due:
                await asyncio.sleep(due - time.monotonic())
            event_id = b"r%d-%d" % (rnd, n)
            w.write(b"EVENT " + event_id + b" MAINS_FAIL\n")
            sent_at.append(time.monotonic())
            waits.append(acked(r, event_id))
        sent = time.monotonic() - began
        await asyncio.gather(*waits)
        conn.send(("done", sent, time.monotonic() - began, sent_at))
    for r, w in links:
        w.close()


def avalanche(pki_dir, port, count, window_ms, conn):
    asyncio.run(avalanche_main(pki_dir, port, count, window_ms, conn))


# ---- the operator: reads all the time, notes when each line came

class Watcher:
    def __init__(self, op):
        self.op = op
        self.lines = []		# (monotonic time, line)
        self.cond = threading.Condition()
        self.paused = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        sock = self.op.sock
        buf = b""
        while True:
            while self.paused.is_set():
                time.sleep(0.005)
            try:
                sock.settimeout(0.05)
                data = sock.recv(65536)
            except (TimeoutError, OSError) as e:
                if isinstance(e, TimeoutError) or "timed out" in str(e):
                    continue
                return
            if not data:
                return
            now = time.monotonic()
            buf += data
            *complete, buf = buf.split(b"\n")
            with self.cond:
                self.lines.extend((now, l.decode("utf-8", "replace")) for l in complete)
                self.cond.notify_all()

    def wait_press(self, after_index, timeout=30):
        """(index, time) of the first BUTTON push at or after after_index."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for i in range(after_index, len(self.lines)):
                    line = self.lines[i][1]
                    if line.startswith("* ALARM ") and " type=BUTTON " in line:
                        return i, self.lines[i][0]
                left = deadline - time.monotonic()
                if left <= 0:
                    return None, None
                self.cond.wait(left)

    def quiet(self, seconds=0.3, timeout=60):
        """Waits until no line has come for seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.cond:
                last = self.lines[-1][0] if self.lines else 0
            if time.monotonic() - last >= seconds:
                return
            time.sleep(0.05)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--units", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--window-ms", type=int, default=100)
    ap.add_argument("--press-at-ms", type=int, default=50,
                    help="when the BUTTON is sent, from the avalanche's start")
    ap.add_argument("--flood-threshold", type=int, default=0)
    ap.add_argument("--slow-operator", action="store_true",
                    help="the operator stops reading during each avalanche")
    ap.add_argument("--pause-ms", type=int, default=1000,
                    help="with --slow-operator: how long after the press it reads again")
    args = ap.parse_args()
    os.environ.setdefault("REFUGE_BUILD", os.path.join(ROOT, "build"))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < args.units + 200:
        sys.exit("avalanche_press: open file limit %d is below %d" % (hard, args.units + 200))

    work = tempfile.mkdtemp(prefix="refuge-avalanche-")
    d = child = None
    try:
        pki_dir = os.path.join(work, "pki")
        subprocess.run(["sh", MKPKI, pki_dir, PRESSER], check=True, capture_output=True)
        t0 = time.monotonic()
        mint_certs(pki_dir, args.units)
        print("avalanche_press: %d unit certificates in %.1f s" % (args.units, time.monotonic() - t0))
        pki = PKI(pki_dir)
        pw = subprocess.run(["openssl", "passwd", "-6", "-salt", "bench", "secret"],
                            check=True, capture_output=True, text=True).stdout.strip()
        d = Daemon(os.path.join(work, "d"), pki)
        os.makedirs(d.dir)
        config = merge(default_config(pki), {
            "log": {"level": "info"},
            "escalation": {"after": "1h"},
            "supervision": {"heartbeat": "60s"},
            "alarms": {"flood_threshold": args.flood_threshold},
            "limits": {"connections_per_address": args.units + 100,
                       "max_connections": args.units + 100,
                       "handshake_timeout": "30s"}})
        d.write(config, registry(args.units, pw))
        d.start()

        parent_end, child_end = multiprocessing.Pipe()
        child = multiprocessing.Process(target=avalanche, args=(
            pki_dir, d.units_port, args.units, args.window_ms, child_end), daemon=True)
        child.start()
        msg = parent_end.recv()
        print("avalanche_press: %d units connected in %.1f s" % (args.units, msg[1]))

        # A fixed receive buffer: the kernel's autotuning would otherwise
        # grow it to megabytes on loopback, holding the whole backlog.
        op = d.operator("alice", rcvbuf=65536 if args.slow_operator else None)
        watcher = Watcher(op)
        press = d.unit(PRESSER)
        press.hello()
        latencies, lowers, laters = [], [], []
        print("%5s %10s %6s %6s %12s %8s %8s %s" % ("round", "latency", "lower", "later",
                                                   "links_before", "sent", "acked",
                                                   " after" if args.slow_operator else ""))
        for rnd in range(args.rounds):
            watcher.quiet()
            with watcher.cond:
                start_index = len(watcher.lines)
            if args.slow_operator:
                watcher.paused.set()
            began = time.monotonic()
            parent_end.send(("round", rnd))
            time.sleep(max(0.0, began + args.press_at_ms / 1000.0 - time.monotonic()))
            sent_at = time.monotonic()
            press.send("EVENT p%d BUTTON" % rnd)
            status, sent, acked, unit_sent = parent_end.recv()
            if args.slow_operator:
                # The avalanche's pushes have piled up: read again from now.
                time.sleep(max(0.0, sent_at + args.pause_ms / 1000.0 - time.monotonic()))
                sent_at = time.monotonic()
                watcher.paused.clear()
            index, got_at = watcher.wait_press(start_index)
            if index is None:
                print("%5d no push of the press within 30 s" % rnd)
                continue
            with watcher.cond:
                window = watcher.lines[start_index:index]
            lower_lines = [l for t, l in window if t >= sent_at and l.startswith("* ")]
            lower = len(lower_lines)
            after_press = {unit_id(n + 1) for n, t in enumerate(unit_sent) if t > sent_at}
            later = len([l for l in lower_lines
                         if l.split(" unit=", 1)[-1].split(" ", 1)[0] in after_press])
            # The press's ACK and its commands are read and dropped.
            while True:
                line = press.readline(10)
                if line is None or line.startswith("ACK "):
                    break
            m = None
            deadline = time.monotonic() + 2
            while m is None and time.monotonic() < deadline:
                m = [x for x in LINKS_RE.finditer(d.log_text()) if x.group(1) == "p%d" % rnd]
                m = m[0] if m else None
                if m is None:
                    time.sleep(0.02)
            latency = (got_at - sent_at) * 1000
            latencies.append(latency)
            lowers.append(lower)
            laters.append(later)
            after = ""
            if args.slow_operator:
                watcher.quiet()
                with watcher.cond:
                    after = "%6d" % len([1 for t, l in watcher.lines[index + 1:]
                                         if l.startswith("* ALARM ")
                                         and " type=MAINS_FAIL " in l])
            print("%5d %8.1f ms %6d %6d %12s %6.0f ms %6.0f ms %s"
                  % (rnd, latency, lower, later, m.group(2) if m else "?", sent * 1000,
                     acked * 1000, after))
        parent_end.send(("stop",))
        child.join(30)
        if latencies:
            print("BUTTON -> operator push: p50 %.1f ms  p99 %.1f ms  max %.1f ms (goal: p99 < 100 ms)"
                  % (statistics.median(latencies), percentile(latencies, 99), max(latencies)))
            print("lower-priority pushes received between the press and its push: "
                  "max %d, median %d; of units that sent after the press: max %d "
                  "(goal: 0 written after its reading)"
                  % (max(lowers), statistics.median(lowers), max(laters)))
        d.stop()
    finally:
        if child is not None and child.is_alive():
            child.kill()
        if d is not None and d.running():
            d.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
