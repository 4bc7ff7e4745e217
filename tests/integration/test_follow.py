"""Units and consoles follow a receiver pair (issue 14), against fake
receivers on loopback that speak refuge-protocol(7) with the test PKI: a
standby's DENIED standby active= sends refuge-sim's unit there at once,
WELCOME's alt= is where it goes when the link drops, two standbys naming
each other do not make a tight loop, and refuge-console moves from a
standby to the active receiver it names and shows the receiver's name."""

import json
import socket
import ssl
import subprocess
import threading
import time

from helpers import wait_for
from test_refuge_console_contract import FakeDaemon, Receiver
from test_refuge_console_desk import Screen, tmux  # noqa: F401
from test_refuge_sim import SIM_TIMEOUT, check_clean, sim_path, units_dir

# A redirect is "at once": well under the smallest back-off (0.5 s to 1 s).
AT_ONCE_S = 0.45


class FakeUnitReceiver:
    """A unit listener: TLS with the server certificate, a client
    certificate required from the test CA. For each connection, hello(n)
    gives the lines to answer HELLO with (n counts connections from 1);
    a WELCOME keeps the link, answering EVENT with ACK and HB with HBACK,
    until drop() closes it. Every connection's time and lines are kept."""

    def __init__(self, pki, hello):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(pki.server_cert, pki.server_key)
        self.ctx.load_verify_locations(pki.ca)
        self.ctx.verify_mode = ssl.CERT_REQUIRED
        self.hello = hello
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.address = "127.0.0.1:%d" % self.port
        self.lock = threading.Lock()
        self.accepted = []	# monotonic time of each connection
        self.answered = []	# monotonic time of each answer to HELLO
        self.lines = []		# (connection number, line)
        self.live = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                raw, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.accepted.append(time.monotonic())
                n = len(self.accepted)
            threading.Thread(target=self._link, args=(raw, n), daemon=True).start()

    def _link(self, raw, n):
        try:
            conn = self.ctx.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError):
            raw.close()
            return
        with self.lock:
            self.live.append(conn)
        buf = b""
        try:
            while True:
                data = conn.recv(4096)
                if not data:
                    break
                buf += data
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    if not self._line(conn, n, line.decode()):
                        return
        except (OSError, ssl.SSLError):
            pass
        finally:
            with self.lock:
                if conn in self.live:
                    self.live.remove(conn)
            conn.close()

    def _line(self, conn, n, text):
        """Answers one line; False when the link is to be closed."""
        with self.lock:
            self.lines.append((n, text))
        words = text.split()
        if words[:1] == ["HELLO"]:
            reply = self.hello(n)
            conn.sendall("".join(l + "\n" for l in reply).encode())
            with self.lock:
                self.answered.append(time.monotonic())
            return reply[0].startswith("WELCOME")
        if words[:1] == ["EVENT"]:
            conn.sendall(("ACK %s\n" % words[1]).encode())
        elif words[:1] == ["HB"]:
            conn.sendall(("HBACK %s\n" % words[1]).encode())
        return True

    def hellos(self):
        with self.lock:
            return [l for _, l in self.lines if l.startswith("HELLO ")]

    def events(self):
        with self.lock:
            return [l.split()[1] for _, l in self.lines if l.startswith("EVENT ")]

    def drop(self):
        """Closes every live link, as a receiver that dies would."""
        with self.lock:
            live, self.live = self.live, []
        for conn in live:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()

    def close(self):
        self.sock.close()
        self.drop()


def welcome(*keys):
    return ["WELCOME 30 %d%s" % (time.time(), "".join(" " + k for k in keys))]


def start_sim(tmp_path, pki, receivers, *extra):
    d = units_dir(tmp_path, pki, ["HP-001"])
    return subprocess.Popen(
        [sim_path(), "-H", ",".join(receivers), "--units", d, "--ca", pki.ca,
         "--count", "1", "--json", "--retry", "2s"] + [str(a) for a in extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd="/")


def sim_summary(proc, timeout=SIM_TIMEOUT):
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    r = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    check_clean(r)
    assert r.returncode == 0, r.stderr
    lines = [l for l in r.stdout.splitlines() if l.startswith("{")]
    assert len(lines) == 1, r.stdout
    return json.loads(lines[0]), r.stderr


def stop(proc):
    if proc.poll() is None:
        proc.terminate()


# ---- units (refuge-sim)

def test_unit_denied_standby_goes_to_the_active_at_once(pki, tmp_path):
    active = FakeUnitReceiver(pki, lambda n: welcome())
    standby = FakeUnitReceiver(pki, lambda n: ["DENIED standby active=%s" % active.address])
    proc = start_sim(tmp_path, pki, [standby.address], "--duration", "4s",
                     "--press-rate", "2/s", "--even")
    try:
        wait_for(lambda: active.hellos(), timeout=10, message="never reached the active one")
        # From the standby's answer to the active one's accept: no back-off.
        gap = active.accepted[0] - standby.answered[0]
        assert 0 <= gap < AT_ONCE_S, gap
        s, _ = sim_summary(proc)
    finally:
        stop(proc)
        active.close()
        standby.close()
    assert len(standby.hellos()) == 1, standby.lines
    assert s["denied"] == 1 and s["redirects"] == 1, s
    assert s["handshakes"] == 1 and s["events_acked"] == s["events_generated"] > 0, s
    assert sorted(active.events()) == sorted(set(active.events()))


def test_unit_lost_link_goes_to_the_alternate(pki, tmp_path):
    other = FakeUnitReceiver(pki, lambda n: welcome())
    first = FakeUnitReceiver(pki, lambda n: welcome("retry=5", "alt=%s" % other.address))
    # Given only the first receiver: the other is known from WELCOME's alt=.
    proc = start_sim(tmp_path, pki, [first.address], "--duration", "6s",
                     "--press-rate", "2/s", "--even")
    try:
        wait_for(lambda: first.events(), timeout=10, message="no event on the first link")
        first.drop()
        dropped = time.monotonic()
        wait_for(lambda: other.hellos(), timeout=10, message="never went to the alternate")
        assert other.accepted[0] - dropped < AT_ONCE_S, other.accepted[0] - dropped
        s, _ = sim_summary(proc)
    finally:
        stop(proc)
        first.close()
        other.close()
    # The unit stayed on the alternate; nothing was lost on the way.
    assert len(first.hellos()) == 1, first.lines
    assert s["handshakes"] == 2 and s["disconnects"] == 1, s
    assert s["events_pending"] == 0 and s["events_acked"] == s["events_generated"], s
    assert len(set(first.events()) | set(other.events())) == s["events_generated"]


def test_unit_tries_the_receivers_in_turn(pki, tmp_path):
    # Nothing listens on the first: the second, given by -H, answers at once.
    s0 = socket.socket()
    s0.bind(("127.0.0.1", 0))
    dead = "127.0.0.1:%d" % s0.getsockname()[1]
    s0.close()
    live = FakeUnitReceiver(pki, lambda n: welcome())
    start = time.monotonic()
    proc = start_sim(tmp_path, pki, [dead, live.address], "--duration", "2s")
    try:
        wait_for(lambda: live.hellos(), timeout=10)
        assert live.accepted[0] - start < 5, "waited for a back-off"
        s, _ = sim_summary(proc)
    finally:
        stop(proc)
        live.close()
    assert s["handshakes"] == 1 and s["connect_failures"] == 1, s


def test_standbys_naming_each_other_back_off(pki, tmp_path):
    rx = {}
    rx["a"] = FakeUnitReceiver(pki, lambda n: ["DENIED standby active=%s" % rx["b"].address])
    rx["b"] = FakeUnitReceiver(pki, lambda n: ["DENIED standby active=%s" % rx["a"].address])
    proc = start_sim(tmp_path, pki, [rx["a"].address], "--duration", "4s", "--drain", "1s")
    try:
        s, err = sim_summary(proc)
    finally:
        stop(proc)
        rx["a"].close()
        rx["b"].close()
    tries = len(rx["a"].hellos()) + len(rx["b"].hellos())
    # One redirect at once, then a back-off of at least half a second
    # (doubling): a handful in four seconds, not hundreds.
    assert 2 <= tries <= 10, (tries, s)
    assert s["redirects"] >= 1 and s["redirects"] <= tries // 2 + 1, s
    assert s["handshakes"] == 0, s


def test_sim_refuses_a_bad_receiver_list():
    for bad in ("127.0.0.1:1,", "127.0.0.1:1,nonsense", ",".join(["127.0.0.1:1%d" % i
                                                                   for i in range(9)])):
        r = subprocess.run([sim_path(), "-H", bad], capture_output=True, text=True,
                           timeout=SIM_TIMEOUT, cwd="/")
        assert r.returncode == 2 and "-H" in r.stderr, (bad, r.stderr)


# ---- the console

class PairReceiver(Receiver):
    """The scripted operator receiver of the contract test, saying after
    LOGIN's OK which receiver of a pair it is."""

    def __init__(self, pki, receiver_line):
        self.receiver_line = receiver_line
        super().__init__(pki)

    def _answer(self, line):
        if line.startswith("LOGIN "):
            self._send("OK role=operator", "* " + self.receiver_line)
            return
        super()._answer(line)


def test_console_moves_from_the_standby_to_the_active(pki, tmux, tmp_path):  # noqa: F811
    active = PairReceiver(pki, "RECEIVER active store=ok name=rx-a")
    standby = PairReceiver(pki, "RECEIVER standby store=ok name=rx-b active=127.0.0.1:%d"
                           % active.port)
    try:
        screen = Screen(tmux, FakeDaemon(pki, standby.port), tmp_path, (150, 40))
        standby.wait_request("LOGIN alice ")
        # Logged in again on the active one, with the same credentials.
        login = active.wait_request("LOGIN alice ")
        assert login == [r for r in standby.requests if r.startswith("LOGIN ")][0]
        pane = screen.wait("CONNECTED alice@127.0.0.1:%d [rx-a active]" % active.port,
                           "Racecourse Park point 1")
        assert "STANDBY" not in pane, pane
        # It stays there: no second LOGIN on the standby.
        active.wait_request("OUTCOMES")
        assert len([r for r in standby.requests if r.startswith("LOGIN")]) == 1
        screen.quit()
    finally:
        active.close()
        standby.close()


def test_console_tries_the_receivers_in_turn_and_shows_a_standby(pki, tmux, tmp_path):  # noqa: F811
    # The first is down; the second is a standby that knows no active one.
    s0 = socket.socket()
    s0.bind(("127.0.0.1", 0))
    dead = "127.0.0.1:%d" % s0.getsockname()[1]
    s0.close()
    standby = PairReceiver(pki, "RECEIVER standby store=ok name=rx-b")
    try:
        screen = Screen(tmux, FakeDaemon(pki, standby.port), tmp_path, (150, 40),
                        ["-H", "%s,127.0.0.1:%d" % (dead, standby.port)])
        screen.wait("CONNECTED alice@127.0.0.1:%d [rx-b standby]" % standby.port,
                    "STANDBY RECEIVER", timeout=10)
        screen.quit()
    finally:
        standby.close()


def logins(receiver):
    return len([r for r in receiver.requests if r.startswith("LOGIN ")])


def drop(receiver):
    """Closes the receiver's side of the console's link."""
    with receiver.lock:
        if receiver.conn is not None:
            receiver.conn.shutdown(socket.SHUT_RDWR)


def test_console_follows_a_takeover_and_a_lost_link(pki, tmux, tmp_path):  # noqa: F811
    a = PairReceiver(pki, "RECEIVER active store=ok name=rx-a")
    b = PairReceiver(pki, "RECEIVER active store=ok name=rx-b")
    addr_a, addr_b = "127.0.0.1:%d" % a.port, "127.0.0.1:%d" % b.port
    try:
        screen = Screen(tmux, FakeDaemon(pki, a.port), tmp_path, (150, 40),
                        ["-H", "%s,%s" % (addr_a, addr_b)])
        screen.wait("CONNECTED alice@%s [rx-a active]" % addr_a)
        a.wait_request("OUTCOMES")
        # Later, not right after LOGIN: a falls back to standby, b took over.
        a.receiver_line = "RECEIVER standby store=ok name=rx-a active=%s" % addr_b
        a.push(a.receiver_line)
        screen.wait("CONNECTED alice@%s [rx-b active]" % addr_b, "Racecourse Park point 1")
        assert logins(b) == 1 and logins(a) == 1
        # b's link is lost: the next in turn is a, which sends it back to b.
        b.wait_request("OUTCOMES")
        drop(b)
        wait_for(lambda: logins(b) == 2, timeout=10, message="never back on b")
        assert logins(a) == 2, a.requests
        screen.wait("CONNECTED alice@%s [rx-b active]" % addr_b)
        screen.quit()
    finally:
        a.close()
        b.close()
