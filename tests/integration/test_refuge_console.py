"""refuge-console: arguments, --batch and --watch against a live refuged,
and the screen under tmux."""

import os
import queue
import shlex
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest

from conftest import SANITIZER_MARKS, build_dir
from helpers import OPERATOR_PASSWORD, parse_alarm, parse_line, unpaired, wait_for

# Generous: under the sanitizer build everything is several times slower.
SLOW = 30.0


# Sent right after every successful LOGIN (refuge-protocol(7)).
RECEIVER_OK = "* RECEIVER active store=ok"

def console_path():
    path = os.path.join(build_dir(), "refuge-console")
    if not os.access(path, os.X_OK):
        pytest.fail("no executable %s" % path)
    return path


def console_env(password=OPERATOR_PASSWORD):
    env = dict(os.environ)
    env.pop("TMUX", None)
    if password is None:
        env.pop("REFUGE_PASSWORD", None)
    else:
        env["REFUGE_PASSWORD"] = password
    return env


def server_args(daemon):
    return ["-H", "127.0.0.1:%d" % daemon.operators_port, "--ca", daemon.pki.ca]


def run_console(args, stdin_text="", password=OPERATOR_PASSWORD, timeout=SLOW):
    r = subprocess.run([console_path()] + list(args), input=stdin_text,
                       capture_output=True, text=True, timeout=timeout,
                       env=console_env(password), cwd="/")
    assert not any(m in r.stderr for m in SANITIZER_MARKS), r.stderr
    return r


class Reader:
    """Collects a running process's stdout lines in a thread."""

    def __init__(self, proc):
        self.proc = proc
        self.lines = queue.Queue()
        self.seen = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def next(self, timeout=SLOW):
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("no output within %ss; so far %r" % (timeout, self.seen))
        self.seen.append(line)
        return line

    def until(self, predicate, timeout=SLOW):
        """Lines up to and including the first one predicate accepts."""
        deadline = time.monotonic() + timeout
        got = []
        while True:
            line = self.next(max(0.1, deadline - time.monotonic()))
            assert line is not None, "EOF before the line wanted; got %r" % got
            got.append(line)
            if predicate(line):
                return got


def start_console(args, password=OPERATOR_PASSWORD):
    proc = subprocess.Popen([console_path()] + list(args), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=console_env(password), cwd="/")
    return proc, Reader(proc)


def finish(proc, timeout=SLOW):
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise
    err = proc.stderr.read()
    assert not any(m in err for m in SANITIZER_MARKS), err
    return proc.returncode, err


def press_button(daemon, unit_id="HP-001", event_id="e1"):
    unit = daemon.commanded_unit(unit_id)
    unit.hello()
    assert unit.event(event_id, "BUTTON") == "ACK %s" % event_id
    return unit


# ---- arguments

@pytest.mark.parametrize("args, words", [
    (["--batch"], "--ca"),
    (["--batch", "--watch", "--insecure"], "exclude"),
    (["--no-such-option", "--insecure"], "usage"),
    (["--insecure", "--batch", "stray"], "unexpected argument"),
    (["--insecure", "--batch", "-H", "no-port-here"], "bad -H"),
    (["--insecure", "--watch"], "-u"),
    (["--insecure", "-u", "alice"], "terminal"),
    (["--insecure", "--batch", "-u", "bad user"], "bad user"),
])
def test_argument_errors(args, words):
    r = run_console(args)
    assert r.returncode == 2, r
    assert words in r.stderr, r.stderr
    assert r.stdout == ""


def test_version_and_help():
    r = run_console(["-V"])
    assert r.returncode == 0 and r.stdout.startswith("refuge-console "), r
    r = run_console(["--help"])
    assert r.returncode == 0 and "usage: refuge-console" in r.stdout, r


def test_missing_password_file(daemon, tmp_path):
    r = run_console(server_args(daemon) + ["--batch", "-u", "alice", "--password-file",
                                            str(tmp_path / "nothing")])
    assert r.returncode == 1, r
    assert "nothing" in r.stderr


def test_refuses_server_the_ca_does_not_vouch_for(daemon, tmp_path):
    # A CA of its own, which did not sign the server's certificate.
    other = tmp_path / "other.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(tmp_path / "k"),
                    "-subj", "/CN=other", "-days", "1", "-out", str(other)],
                   check=True, capture_output=True)
    r = run_console(["-H", "127.0.0.1:%d" % daemon.operators_port, "--ca", str(other),
                     "--batch", "-u", "alice"], "PING\n")
    assert r.returncode == 1, r
    assert r.stdout == ""


# ---- batch

def test_batch_bad_password_exits_1(daemon):
    r = run_console(server_args(daemon) + ["--batch", "-u", "alice"], "PING\n",
                    password="wrong")
    assert r.returncode == 1, r
    assert "login" in r.stderr and "ERR auth" in r.stderr, r.stderr
    assert r.stdout == ""


def test_batch_password_file(daemon, tmp_path):
    path = tmp_path / "pw"
    path.write_text(OPERATOR_PASSWORD + "\n")
    r = run_console(server_args(daemon) + ["--batch", "-u", "alice", "--password-file",
                                            str(path)], "PING\n", password=None)
    assert r.returncode == 0, r
    # The receiver's state follows LOGIN, then the reply to PING.
    assert unpaired(r.stdout.splitlines()) == [RECEIVER_OK, "OK"]


def test_batch_without_user_passes_login_through(daemon):
    r = run_console(server_args(daemon) + ["--batch"],
                    "ALARMS\nLOGIN alice %s\nALARMS\n" % OPERATOR_PASSWORD)
    assert r.returncode == 0, r
    lines = r.stdout.splitlines()
    assert lines[1].startswith("OK role=operator tz="), lines
    assert unpaired(lines[:1] + lines[2:]) == ["ERR login log in first", RECEIVER_OK, "OK 0"]


def test_batch_alarms_claim_resolve(daemon):
    unit = press_button(daemon)
    r = run_console(server_args(daemon) + ["--batch", "-u", "alice"], "ALARMS\n")
    assert r.returncode == 0, r
    lines = r.stdout.splitlines()
    assert unpaired(lines[0]) == RECEIVER_OK and lines[-1] == "OK 1", lines
    alarm = parse_alarm(lines[1])
    assert alarm["unit"] == "HP-001" and alarm["type"] == "BUTTON"
    assert alarm["name"] == "Racecourse Park point 1"

    aid = alarm["id"]
    script = "CLAIM %d\n\nRESOLVE %d false reason=test \"pressed by a tester\"\nALARMS\n" \
        % (aid, aid)
    r = run_console(server_args(daemon) + ["--batch", "-u", "alice"], script)
    assert r.returncode == 0, r
    lines = r.stdout.splitlines()
    finals = [l for l in lines if not l.startswith("* ")]
    assert finals == ["OK", "OK", "OK 0"], lines
    assert "* CLAIMED %d by=alice" % aid in lines, lines
    assert "* RESOLVED %d outcome=false by=alice" % aid in lines, lines
    # A reply comes before the pushes it causes, which are never inside it.
    assert lines.index("OK") < lines.index("* CLAIMED %d by=alice" % aid)
    unit.close()


def test_batch_prints_pushes_and_waits_for_each_reply(daemon):
    proc, out = start_console(server_args(daemon) + ["--batch", "-u", "alice"])
    proc.stdin.write("PING\n")
    proc.stdin.flush()
    assert unpaired(out.next()) == RECEIVER_OK
    assert out.next() == "OK"
    unit = press_button(daemon)
    proc.stdin.write("ALARMS\n")
    proc.stdin.flush()
    got = out.until(lambda l: l.startswith("OK "))
    pushes = [l for l in got if l.startswith("* ")]
    data = [l for l in got if l.startswith("ALARM ")]
    assert any(p.startswith("* ALARM ") and "unit=HP-001" in p for p in pushes), got
    assert len(data) == 1 and got[-1] == "OK 1", got
    # Data lines follow any push: nothing falls inside the reply.
    assert got.index(data[0]) > max(got.index(p) for p in pushes), got
    proc.stdin.close()
    status, err = finish(proc)
    assert status == 0, err
    unit.close()


def test_batch_link_drop_exits_1(daemon):
    proc, out = start_console(server_args(daemon) + ["--batch", "-u", "alice"])
    proc.stdin.write("PING\n")
    proc.stdin.flush()
    assert unpaired(out.next()) == RECEIVER_OK
    assert out.next() == "OK"
    daemon.stop()
    status, err = finish(proc)
    assert status == 1, err
    assert "127.0.0.1" in err


def test_batch_logout_ends_cleanly(daemon):
    r = run_console(server_args(daemon) + ["--batch", "-u", "alice"], "PING\nLOGOUT\n")
    assert r.returncode == 0, r
    assert unpaired(r.stdout.splitlines()) == [RECEIVER_OK, "OK", "OK"]


# ---- watch

def test_watch_prints_alarm_push(daemon):
    proc, out = start_console(server_args(daemon) + ["--watch", "-u", "alice"])
    try:
        daemon.wait_log("operator=alice", "logged in", timeout=SLOW)
        unit = press_button(daemon)
        got = out.until(lambda l: l.startswith("* ALARM "))
        alarm = parse_alarm(got[-1])
        assert alarm["unit"] == "HP-001" and alarm["type"] == "BUTTON"
        assert all(l.startswith("* ") for l in got), got
        unit.close()
    finally:
        proc.send_signal(signal.SIGINT)
    status, err = finish(proc)
    assert status == 0, err


def test_watch_bad_password_exits_1(daemon):
    proc, out = start_console(server_args(daemon) + ["--watch", "-u", "alice"],
                              password="wrong")
    status, err = finish(proc)
    assert status == 1 and "ERR auth" in err, err
    assert out.next() is None


# ---- the screen, under tmux

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Tmux:
    def __init__(self, tmp_path):
        self.socket = str(tmp_path / "tmux.sock")
        self.env = console_env(None)

    def run(self, *args, check=True):
        return subprocess.run(["tmux", "-S", self.socket] + list(args), env=self.env,
                              capture_output=True, text=True, timeout=SLOW, check=check)

    def pane(self):
        return self.run("capture-pane", "-p", "-t", "console").stdout

    def wait(self, *texts, timeout=SLOW, absent=()):
        holder = {}

        def check():
            holder["pane"] = self.pane()
            return all(t in holder["pane"] for t in texts) and \
                not any(t in holder["pane"] for t in absent)
        try:
            wait_for(check, timeout=timeout, interval=0.1)
        except AssertionError:
            raise AssertionError("pane never showed %r (without %r); last:\n%s"
                                 % (texts, absent, holder.get("pane")))
        return holder["pane"]

    def kill(self):
        self.run("kill-server", check=False)


@pytest.fixture
def tmux(tmp_path):
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (tests/deps.sh installs it)")
    t = Tmux(tmp_path)
    yield t
    t.kill()


OPERATOR_PORT = free_port()


@pytest.mark.refuge(config={"listen": {"units": "127.0.0.1:0",
                                       "operators": "127.0.0.1:%d" % OPERATOR_PORT}})
def test_screen_shows_claims_and_reconnects(daemon, make_daemon, tmux, tmp_path):
    errfile = tmp_path / "console.err"
    statusfile = tmp_path / "console.status"
    command = "REFUGE_PASSWORD=%s %s %s -u alice 2>%s; echo $? >%s" % (
        shlex.quote(OPERATOR_PASSWORD), shlex.quote(console_path()),
        " ".join(shlex.quote(a) for a in server_args(daemon)), shlex.quote(str(errfile)),
        shlex.quote(str(statusfile)))
    tmux.run("-f", "/dev/null", "new-session", "-d", "-s", "console", "-x", "150", "-y", "40",
             "sh", "-c", command)
    pane = tmux.wait("CONNECTED alice@", "units online 0/6")
    assert "c:claim" in pane and "q:quit" in pane, pane	# the help bar

    unit = press_button(daemon)
    pane = tmux.wait("Racecourse Park point 1", "BUTTON", "open 1", "queued 1")
    assert "units online 1/6" in pane or "units online" in pane

    tmux.run("send-keys", "-t", "console", "c")
    tmux.wait("claimed alice", "claimed 1")
    with daemon.operator("carol") as carol:
        alarms = carol.alarms()
        assert len(alarms) == 1 and alarms[0]["state"] == "claimed", alarms
        assert alarms[0]["by"] == "alice"

    # The help screen comes and goes.
    tmux.run("send-keys", "-t", "console", "?")
    tmux.wait("any key closes")
    tmux.run("send-keys", "-t", "console", "x")
    tmux.wait("Racecourse Park point 1", absent=("any key closes",))

    unit.close()
    daemon.stop()
    tmux.wait("DISCONNECTED", "retrying in")

    # Back on the same port: it logs in again by itself and re-reads the stack.
    again = make_daemon(directory=daemon.dir)
    assert again.operators_port == OPERATOR_PORT
    tmux.wait("CONNECTED alice@", "Racecourse Park point 1", absent=("DISCONNECTED",),
              timeout=60)

    tmux.run("send-keys", "-t", "console", "q")
    try:
        wait_for(lambda: statusfile.exists() and statusfile.read_text().strip(), timeout=SLOW)
    except AssertionError:
        raise AssertionError("still running after q; pane:\n%s\nstderr:\n%s"
                             % (tmux.pane(), errfile.read_text()))
    status = int(statusfile.read_text())
    err = errfile.read_text()
    assert status == 0, err
    assert not any(m in err for m in SANITIZER_MARKS), err


def test_screen_note_plan_resolve_and_resize(daemon, tmux, tmp_path):
    errfile = tmp_path / "console.err"
    statusfile = tmp_path / "console.status"
    command = "REFUGE_PASSWORD=%s %s %s -u alice 2>%s; echo $? >%s" % (
        shlex.quote(OPERATOR_PASSWORD), shlex.quote(console_path()),
        " ".join(shlex.quote(a) for a in server_args(daemon)), shlex.quote(str(errfile)),
        shlex.quote(str(statusfile)))
    tmux.run("-f", "/dev/null", "new-session", "-d", "-s", "console", "-x", "150", "-y", "40",
             "sh", "-c", command)
    tmux.wait("CONNECTED alice@")
    unit = press_button(daemon)
    tmux.wait("Racecourse Park point 1", "open 1")

    def keys(*k):
        tmux.run("send-keys", "-t", "console", *k)

    keys("p")
    tmux.wait("Trigger plan:", "1. Look at the camera", "2. Speak to the caller")
    keys("c")
    tmux.wait("claimed alice")
    keys("n")
    tmux.wait("Note for alarm")
    keys("-l", "caller is safe")
    keys("Enter")
    # As this console's note, or in the record once the receiver has DETAIL.
    tmux.wait("caller is safe", absent=("Note for alarm",))
    with daemon.operator("carol") as carol:
        aid = carol.alarms()[0]["id"]
    notes = daemon.query("SELECT text FROM alarm_notes WHERE alarm_id = ?", (aid,))
    assert [n[0] for n in notes] == ["caller is safe"], notes

    # The screen follows the terminal's size.
    tmux.run("resize-window", "-t", "console", "-x", "110", "-y", "30")
    tmux.wait("q:quit", "Racecourse Park point 1")

    keys("R")
    tmux.wait("g genuine, f false")
    keys("f")
    tmux.wait("3 test")
    keys("3")
    tmux.wait("note (optional")
    keys("-l", "a tester")
    keys("Enter")
    tmux.wait("open 0", "no open alarms")
    with daemon.operator("carol") as carol:
        assert carol.alarms() == []
    row = daemon.query("SELECT outcome, reason FROM alarms WHERE id = ?", (aid,))[0]
    assert (row["outcome"], row["reason"]) == ("false", "test"), tuple(row)

    keys("q")
    wait_for(lambda: statusfile.exists() and statusfile.read_text().strip(), timeout=SLOW)
    err = errfile.read_text()
    assert int(statusfile.read_text()) == 0, err
    assert not any(m in err for m in SANITIZER_MARKS), err
    unit.close()
