#!/usr/bin/env python3
"""Benchmark: do established units still get their heartbeats answered at once
while a burst of new connections hits the unit port? Loopback only; bounded
in count and time.

    bench/burst_heartbeat.py [--units 50] [--interval-ms 100] [--burst 2000]
                             [--sources 4] [--floor 5] [--variants tls,slowloris]

--units links (one certificate each) send `HB <n>` every --interval-ms and
time each `HBACK <n>`. After --floor seconds of that alone (the floor),
each variant opens --burst new TCP connections at once from 127.0.0.2 on
(--sources addresses), the per-address and total limits raised above the
burst:

  tls        each connection does a full TLS 1.3 handshake with a unit
             certificate; all are closed once every one has finished;
  slowloris  each connection sends nothing, until refuged closes it at
             limits.handshake_timeout (--handshake-timeout).

The heartbeat round trips are reported for the floor and for each burst,
from its first connect until refuged holds only the heartbeating links
again; the goal is a p99 under 5 ms. How long refuged took to accept (and
handshake) the burst comes from its /metrics, polled every 20 ms. The
heartbeats, each burst and this script run in separate processes.

Prints figures; asserts nothing."""

import argparse
import asyncio
import multiprocessing
import os
import re
import resource
import selectors
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

from conftest import Daemon, PKI, MKPKI, default_config, merge  # noqa: E402

GOAL_P99_MS = 5.0
BURST_UNIT = "BURST-001"	# registered, never says HELLO: the burst's certificate
CHILD_LIMIT_S = 120		# every child process stops by itself after this
METRICS_RE = re.compile(r"^(refuge_[a-z_]+)(\{[^}]*\})? (\S+)$")


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100.0 * (len(ordered) - 1))))]


def client_context(pki_dir, unit):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(os.path.join(pki_dir, "ca.crt"))
    ctx.load_cert_chain(os.path.join(pki_dir, "units", unit + ".crt"),
                        os.path.join(pki_dir, "units", unit + ".key"))
    return ctx


def cpu_seconds():
    t = os.times()
    return t.user + t.system


# ---- the heartbeating units (a child process)

class HBLink:
    def __init__(self, sock, index):
        self.sock = sock
        self.index = index
        self.buf = b""
        self.n = 0
        self.sent = {}		# n -> monotonic time of sending
        self.next = 0.0
        self.dead = None


def heartbeat_child(pipe, port, pki_dir, ids, interval):
    """Connects every unit, says HELLO, then sends HB every interval and
    times each HBACK until told to stop; sends back the samples."""
    links = []
    try:
        for i, uid in enumerate(ids):
            raw = socket.create_connection(("127.0.0.1", port), timeout=10)
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s = client_context(pki_dir, uid).wrap_socket(raw, server_hostname="localhost")
            s.sendall(b"HELLO %s 1\n" % uid.encode())
            buf = b""
            while b"\n" not in buf:
                data = s.recv(4096)
                if not data:
                    raise OSError("%s: closed before WELCOME" % uid)
                buf += data
            if not buf.startswith(b"WELCOME "):
                raise OSError("%s: %r" % (uid, buf))
            s.setblocking(False)
            links.append(HBLink(s, i))
    except (OSError, ssl.SSLError) as e:
        pipe.send(("error", str(e)))
        return
    pipe.send(("ready", len(links)))

    sel = selectors.DefaultSelector()
    for link in links:
        sel.register(link.sock, selectors.EVENT_READ, link)
    sel.register(pipe, selectors.EVENT_READ, None)
    samples = []		# (send time, round trip ms)
    late = []		# (time, how late the HB left in ms): this process's own lag
    start = time.monotonic()
    for link in links:	# spread the sends evenly over the interval
        link.next = start + interval * link.index / len(links)
    limit = start + CHILD_LIMIT_S
    running = True
    while running:
        now = time.monotonic()
        if now > limit:
            break
        for link in links:
            if link.dead is None and link.next <= now:
                link.n += 1
                try:
                    link.sock.send(b"HB %d\n" % link.n)
                except (OSError, ssl.SSLError) as e:
                    link.dead = "send: %s" % e
                    continue
                link.sent[link.n] = time.monotonic()
                late.append((now, (now - link.next) * 1000))
                link.next += interval
                if link.next < now:	# fell behind: keep the rhythm from here
                    link.next = now + interval
        wait = min([l.next for l in links if l.dead is None] or [now + 0.1]) - time.monotonic()
        for key, _ in sel.select(max(0.0, wait)):
            link = key.data
            if link is None:
                if pipe.recv() == "stop":
                    running = False
                continue
            while link.dead is None:
                try:
                    data = link.sock.recv(65536)
                except ssl.SSLWantReadError:
                    break
                except (OSError, ssl.SSLError) as e:
                    link.dead = "recv: %s" % e
                    break
                got = time.monotonic()
                if not data:
                    link.dead = "closed by refuged"
                    break
                link.buf += data
                while b"\n" in link.buf:
                    line, link.buf = link.buf.split(b"\n", 1)
                    words = line.split()
                    if len(words) == 2 and words[0] == b"HBACK":
                        t = link.sent.pop(int(words[1]), None)
                        if t is not None:
                            samples.append((t, (got - t) * 1000))
            if link.dead is not None:
                sel.unregister(link.sock)
    unanswered = [t for link in links for t in link.sent.values()]
    dead = ["%s %s" % (ids[l.index], l.dead) for l in links if l.dead is not None]
    for link in links:
        link.sock.close()
    pipe.send(("done", samples, unanswered, dead, late))


# ---- the bursts (a child process each)

def burst_tls_child(pipe, port, pki_dir, sources, count, timeout):
    """count TLS handshakes at once; closes them all once every one is over."""
    os.nice(10)
    ctx = client_context(pki_dir, BURST_UNIT)
    pipe.send(("ready",))
    pipe.recv()
    t0 = time.monotonic()
    cpu0 = cpu_seconds()
    ends, failures, writers = [], {}, []

    async def one(i):
        try:
            _, w = await asyncio.wait_for(asyncio.open_connection(
                "127.0.0.1", port, ssl=ctx, server_hostname="localhost",
                local_addr=(sources[i % len(sources)], 0)), timeout)
            ends.append(time.monotonic())
            writers.append(w)
        except (OSError, ssl.SSLError, asyncio.TimeoutError) as e:
            reason = type(e).__name__ + (": " + e.strerror if getattr(e, "strerror", None) else "")
            failures[reason] = failures.get(reason, 0) + 1

    async def run():
        await asyncio.gather(*(one(i) for i in range(count)))
        for w in writers:
            w.close()
        for w in writers:
            try:
                await asyncio.wait_for(w.wait_closed(), 2)
            except (OSError, ssl.SSLError, asyncio.TimeoutError):
                pass

    asyncio.run(run())
    pipe.send(("done", t0, max(ends) if ends else None, len(ends), failures,
               time.monotonic(), cpu_seconds() - cpu0))


def burst_slowloris_child(pipe, port, sources, count, timeout):
    """count TCP connections at once that never send a byte; waits until
    refuged closes them (or timeout)."""
    os.nice(10)
    pipe.send(("ready",))
    pipe.recv()
    t0 = time.monotonic()
    cpu0 = cpu_seconds()
    sel = selectors.DefaultSelector()
    failures = {}
    connected = closed = 0
    t_connected = t_closed = None
    for i in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.bind((sources[i % len(sources)], 0))
            s.connect_ex(("127.0.0.1", port))
        except OSError as e:
            failures[e.strerror] = failures.get(e.strerror, 0) + 1
            s.close()
            continue
        sel.register(s, selectors.EVENT_WRITE, "connecting")
    limit = t0 + timeout
    while sel.get_map() and time.monotonic() < limit:
        for key, _ in sel.select(0.1):
            s = key.fileobj
            if key.data == "connecting":
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    reason = os.strerror(err)
                    failures[reason] = failures.get(reason, 0) + 1
                    sel.unregister(s)
                    s.close()
                    continue
                connected += 1
                if connected == count:
                    t_connected = time.monotonic()
                sel.modify(s, selectors.EVENT_READ, "open")
            else:
                try:
                    data = s.recv(4096)
                except OSError:
                    data = b""
                if data:
                    continue	# refuged says nothing before a ClientHello
                closed += 1
                if closed == connected and connected == count:
                    t_closed = time.monotonic()
                sel.unregister(s)
                s.close()
    for key in list(sel.get_map().values()):
        key.fileobj.close()
    pipe.send(("done", t0, t_connected, connected, failures, t_closed, closed,
               time.monotonic(), cpu_seconds() - cpu0))


# ---- refuged's side: /metrics polled, CPU from /proc

class MetricsPoller(threading.Thread):
    def __init__(self, url, period=0.02):
        super().__init__(daemon=True)
        self.url = url
        self.period = period
        self.samples = []	# (time, {name{labels}: value})
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            t = time.monotonic()
            try:
                with urllib.request.urlopen(self.url, timeout=2) as r:
                    text = r.read().decode()
            except OSError:
                text = ""
            values = {}
            for line in text.splitlines():
                m = METRICS_RE.match(line)
                if m:
                    values[m.group(1) + (m.group(2) or "")] = float(m.group(3))
            if values:
                self.samples.append((t, values))
            self.stop.wait(max(0.0, self.period - (time.monotonic() - t)))

    def first_reaching(self, key, target, since):
        for t, v in self.samples:
            if t >= since and v.get(key, 0) >= target:
                return t
        return None

    def first_at_most(self, key, target, since):
        for t, v in self.samples:
            if t >= since and v.get(key, 1e18) <= target:
                return t
        return None

    def value_at(self, key, when):
        best = 0.0
        for t, v in self.samples:
            if t > when:
                break
            best = v.get(key, best)
        return best

    def max_between(self, key, t0, t1):
        return max([v.get(key, 0) for t, v in self.samples if t0 <= t <= t1] or [0])


def proc_cpu(pid):
    """User plus system CPU seconds of a process so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---- the run

def raise_nofile(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else max(soft, need)
    if want > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return soft, resource.getrlimit(resource.RLIMIT_NOFILE)[0], hard


def window_line(name, samples, late, t0, t1):
    """One table row: the round trips of the HBs sent in [t0, t1), and the
    p99 of how late this side sent them (its own scheduling lag)."""
    rtts = [r for t, r in samples if t0 <= t < t1]
    lags = [l for t, l in late if t0 <= t < t1]
    if not rtts:
        return "%-26s %8s" % (name, "none"), None
    p99 = percentile(rtts, 99)
    return ("%-26s %8d %8.2f %8.2f %8.2f %8.2f %7.1f s"
            % (name, len(rtts), percentile(rtts, 50), p99, max(rtts),
               percentile(lags, 99) if lags else 0.0, t1 - t0)), p99


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 2)[2])
    ap.add_argument("--units", type=int, default=50, help="heartbeating links")
    ap.add_argument("--interval-ms", type=int, default=100, help="each link's HB interval")
    ap.add_argument("--burst", type=int, default=2000, help="new connections per burst")
    ap.add_argument("--sources", type=int, default=4, help="source addresses 127.0.0.2 on")
    ap.add_argument("--floor", type=float, default=5.0, help="seconds of heartbeats alone")
    ap.add_argument("--handshake-timeout", default="5s",
                    help="refuged's limits.handshake_timeout (ends the slowloris sockets)")
    ap.add_argument("--variants", default="tls,slowloris")
    args = ap.parse_args()
    os.environ.setdefault("REFUGE_BUILD", os.path.join(ROOT, "build"))
    variants = [v for v in args.variants.split(",") if v]
    for v in variants:
        if v not in ("tls", "slowloris"):
            ap.error("unknown variant %r" % v)
    if not 1 <= args.sources <= 250:
        ap.error("--sources must be 1 to 250")

    # refuged holds a descriptor per link; each child its own sockets.
    need = args.units + args.burst + 200
    soft0, soft, hard = raise_nofile(need)
    burst = args.burst
    note = "not limiting"
    if soft < need:
        burst = max(0, soft - args.units - 200)
        note = "LIMITING: burst cut from %d to %d (raise the hard limit: ulimit -Hn)" \
            % (args.burst, burst)
    sources = ["127.0.0.%d" % (2 + i) for i in range(args.sources)]
    print("burst_heartbeat: %d units, HB every %d ms; bursts of %d connections from %s-%s;"
          " RLIMIT_NOFILE %s -> %d (hard %s, need about %d): %s"
          % (args.units, args.interval_ms, burst, sources[0], sources[-1], soft0, soft,
             "unlimited" if hard == resource.RLIM_INFINITY else hard, need, note))
    sys.stdout.flush()

    ids = ["HB-%03d" % (i + 1) for i in range(args.units)]
    work = tempfile.mkdtemp(prefix="refuge-bench-")
    mp = multiprocessing.get_context("spawn")
    children = []
    d = None
    try:
        pki_dir = os.path.join(work, "pki")
        subprocess.run(["sh", MKPKI, pki_dir] + ids + [BURST_UNIT], check=True,
                       capture_output=True)
        pki = PKI(pki_dir)
        d = Daemon(os.path.join(work, "d"), pki)
        os.makedirs(d.dir)
        config = merge(default_config(pki), {
            "listen": {"metrics": "127.0.0.1:0"},
            "log": {"level": "info"},
            "supervision": {"heartbeat": "30s"},
            "limits": {"connections_per_address": max(1, burst) + args.units,
                       "max_connections": burst + args.units + 100,
                       "handshake_timeout": args.handshake_timeout},
        })
        registry = {
            "sites": [{"id": "bench", "name": "Bench", "plan": "p"}],
            "plans": [{"id": "p", "steps": ["Look"]}],
            "units": [{"id": uid, "name": uid, "site": "bench", "lat": 52.0, "lon": -0.9}
                      for uid in ids + [BURST_UNIT]],
        }
        d.write(config, registry)
        d.start()
        m = re.search(r"metrics=(\S+)", d.find_log("ready units="))
        poller = MetricsPoller("http://%s/metrics" % m.group(1))
        poller.start()
        conns = 'refuge_connections{kind="unit"}'
        hs_ok = 'refuge_tls_handshakes_total{result="ok"}'

        hb_pipe, hb_end = mp.Pipe()
        hb = mp.Process(target=heartbeat_child, daemon=True,
                        args=(hb_end, d.units_port, pki_dir, ids, args.interval_ms / 1000.0))
        hb.start()
        children.append(hb)
        if not hb_pipe.poll(60):
            raise SystemExit("burst_heartbeat: the heartbeating units did not connect")
        msg = hb_pipe.recv()
        if msg[0] != "ready":
            raise SystemExit("burst_heartbeat: heartbeating units: %s" % msg[1])
        time.sleep(1.0)		# warm-up, not counted
        floor = (time.monotonic(), None)
        time.sleep(args.floor)
        floor = (floor[0], time.monotonic())

        results = []
        for variant in variants:
            if burst == 0:
                break
            pipe, end = mp.Pipe()
            if variant == "tls":
                child = mp.Process(target=burst_tls_child, daemon=True,
                                   args=(end, d.units_port, pki_dir, sources, burst, 20))
            else:
                child = mp.Process(target=burst_slowloris_child, daemon=True,
                                   args=(end, d.units_port, sources, burst, 30))
            child.start()
            children.append(child)
            pipe.recv()			# imported and ready
            hs0 = poller.value_at(hs_ok, time.monotonic())
            cpu0 = proc_cpu(d.proc.pid)
            pipe.send("go")
            if not pipe.poll(40):
                raise SystemExit("burst_heartbeat: %s burst did not finish" % variant)
            r = pipe.recv()
            child.join(5)
            t0 = r[1]
            # The burst is over for refuged when only the heartbeating links are left.
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                back = poller.first_at_most(conns, args.units, t0 + 0.05)
                if back is not None:
                    break
                time.sleep(0.05)
            else:
                back = time.monotonic()
            cpu = proc_cpu(d.proc.pid) - cpu0
            accepted = poller.first_reaching(conns, args.units + burst, t0)
            results.append((variant, t0, back, r, accepted, cpu,
                            poller.max_between(conns, t0, back) - args.units,
                            poller.value_at(hs_ok, back) - hs0))
            time.sleep(1.0)		# let the heartbeats settle before the next one

        hb_pipe.send("stop")
        if not hb_pipe.poll(10):
            raise SystemExit("burst_heartbeat: the heartbeating units did not report")
        _, samples, unanswered, dead, late = hb_pipe.recv()
        poller.stop.set()
        poller.join(3)
        refused = {k: v for k, v in (poller.samples[-1][1].items() if poller.samples else [])
                   if k.startswith("refuge_connections_refused_total") and v}

        print("heartbeat round trip (HB -> HBACK), goal p99 < %.0f ms:" % GOAL_P99_MS)
        print("%-26s %8s %8s %8s %8s %8s %9s" % ("", "samples", "p50 ms", "p99 ms", "max ms",
                                                 "lag p99", "window"))
        line, _ = window_line("floor (no burst)", samples, late, floor[0], floor[1])
        print(line)
        verdicts = []
        for variant, t0, back, r, accepted, cpu, peak, handshakes in results:
            name = "%d %s" % (burst, "TLS handshakes" if variant == "tls" else "slowloris")
            line, p99 = window_line("during " + name, samples, late, t0, back)
            print(line)
            if p99 is not None:
                verdicts.append("%s: %s" % (name, "met" if p99 < GOAL_P99_MS else "NOT met"))
        for variant, t0, back, r, accepted, cpu, peak, handshakes in results:
            acc = ("all accepted by refuged in %.2f s" % (accepted - t0) if accepted
                   else "at most %d open at once in refuged" % peak)
            if variant == "tls":
                _, _, t_end, ok, failures, t_done, client_cpu = r
                print("tls burst: %d/%d handshakes done in %s (client side), %s; refuged counted"
                      " %d; all gone after %.2f s; CPU: refuged %.2f s, client %.2f s%s"
                      % (ok, burst, "%.2f s" % (t_end - t0) if t_end else "-", acc,
                         handshakes, back - t0, cpu, client_cpu,
                         "; failed: %s" % failures if failures else ""))
            else:
                _, _, t_conn, connected, failures, t_closed, closed, t_done, client_cpu = r
                print("slowloris burst: %d/%d connected in %s (kernel), %s; %d closed by refuged"
                      " in %s (handshake_timeout %s); CPU: refuged %.2f s, client %.2f s%s"
                      % (connected, burst, "%.2f s" % (t_conn - t0) if t_conn else "-", acc,
                         closed, "%.2f s" % (t_closed - t0) if t_closed else "-",
                         args.handshake_timeout, cpu, client_cpu,
                         "; failed: %s" % failures if failures else ""))
        print("goal: %s" % ("; ".join(verdicts) or "no burst was run"))
        if unanswered or dead:
            print("heartbeats unanswered at the end: %d; links lost: %s"
                  % (len(unanswered), "; ".join(dead) or "none"))
        print("lag p99: how late the heartbeat process itself sent its HBs (time it was"
              " not scheduled;\n  it shows in the round trips too). The burst clients run"
              " at nice 10, so that\n  on few cores they yield to refuged and the heartbeats.")
        if refused:
            print("refuged refusals: %s" % ", ".join(
                "%s %d" % (re.sub(r'.*reason="([^"]*)".*', r"\1", k), v)
                for k, v in sorted(refused.items())))
        d.stop()
    finally:
        for child in children:
            if child.is_alive():
                child.kill()
        if d is not None and d.running():
            d.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
