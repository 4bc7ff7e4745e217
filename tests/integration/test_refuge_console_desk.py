"""refuge-console at the operator's desk, on screen under tmux at 80x24 and
200x50: alerts that do not stop, the selection jumping to a new press,
Enter taking the next alarm, the plan on claiming, the light key, audio
with --on-audio, a wrong password asked again, the link-down alert, the
location in the detail, and the history view.

Some need the receiver's side of issue 11 (lat=/lon=/address= in UNIT
lines, SEARCH and DETAIL): they probe the receiver first and skip, saying
which part is missing, until it is there."""

import shlex
import shutil
import signal

import pytest

from conftest import SANITIZER_MARKS, default_registry, to_yaml
from helpers import OPERATOR_PASSWORD, wait_for
from test_refuge_console import SLOW, Tmux, console_path, server_args

SIZES = [(80, 24), (200, 50)]


@pytest.fixture
def tmux(tmp_path):
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (tests/deps.sh installs it)")
    t = Tmux(tmp_path)
    yield t
    t.kill()


class Screen:
    """A console in a tmux window of a given size, and its exit status."""

    def __init__(self, tmux, daemon, tmp_path, size, extra=(), password=OPERATOR_PASSWORD,
                 user="alice"):
        self.tmux = tmux
        self.errfile = tmp_path / "console.err"
        self.statusfile = tmp_path / "console.status"
        env = "LANG=C.UTF-8 LC_ALL=C.UTF-8"
        if password is not None:
            env += " REFUGE_PASSWORD=%s" % shlex.quote(password)
        command = "%s %s %s -u %s %s 2>%s; echo $? >%s" % (
            env, shlex.quote(console_path()),
            " ".join(shlex.quote(a) for a in server_args(daemon)), user,
            " ".join(shlex.quote(a) for a in extra), shlex.quote(str(self.errfile)),
            shlex.quote(str(self.statusfile)))
        tmux.run("-f", "/dev/null", "new-session", "-d", "-s", "console", "-x",
                 str(size[0]), "-y", str(size[1]), "sh", "-c", command)
        tmux.run("set-option", "-g", "set-clipboard", "on")
        self.size = size

    def keys(self, *k):
        self.tmux.run("send-keys", "-t", "console", *k)

    def wait(self, *texts, **kw):
        pane = self.tmux.wait(*texts, **kw)
        for line in pane.splitlines():
            assert len(line) <= self.size[0], "a line past the screen: %r" % line
        return pane

    def selected_row(self):
        rows = [l for l in self.tmux.pane().splitlines() if l.startswith(">")]
        return rows[0] if rows else ""

    def quit(self):
        self.keys("q")
        wait_for(lambda: self.statusfile.exists() and self.statusfile.read_text().strip(),
                 timeout=SLOW)
        err = self.errfile.read_text()
        assert int(self.statusfile.read_text()) == 0, err
        assert not any(m in err for m in SANITIZER_MARKS), err


def lines_of(path):
    return path.read_text().splitlines() if path.exists() else []


def receiver_has(daemon, request, word):
    """1 if the receiver answers request with word in a line (a server part
    of issue 11 being there)."""
    with daemon.operator("carol") as op:
        data, final = op.request(request)
    return any(word in l for l in data + [final]) and not final.startswith("ERR ")


def alert_command(path):
    # argv without a shell: the test asks for one itself, to append to a file.
    return "sh -c 'echo %%p %%k >> %s'" % path


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "200x50"])
def test_priority_1_alerts_until_claimed_then_plan(daemon, tmux, tmp_path, size):
    alerts = tmp_path / "alerts"
    screen = Screen(tmux, daemon, tmp_path, size,
                    ["--alert-command", alert_command(alerts)])
    screen.wait("CONNECTED alice")
    unit = daemon.commanded_unit("HP-001")
    unit.hello()
    assert unit.event("e1", "BUTTON") == "ACK e1"
    screen.wait("BUTTON", "queued 1")
    # Once at once, then every 2 s while it waits.
    wait_for(lambda: lines_of(alerts).count("1 alarm") >= 3, timeout=SLOW)
    # At 80 columns the name is cut with an ellipsis, not run into the site.
    if size[0] == 80:
        assert "Racecourse Park\u2026" in screen.selected_row() or \
            "\u2026" in screen.selected_row(), screen.tmux.pane()

    screen.keys("c")
    pane = screen.wait("claimed alice", "claimed 1", "Trigger plan:",
                       "1. Look at the camera")
    assert "CLAIM 1 (priority 1 BUTTON HP-001" in pane, pane
    before = len(lines_of(alerts))
    # Claimed: no more alerts (three periods pass without one).
    with pytest.raises(AssertionError):
        wait_for(lambda: len(lines_of(alerts)) > before + 1, timeout=6)
    # Another kind of alarm alerts once, with its priority.
    assert unit.event("e2", "TAMPER") == "ACK e2"
    screen.wait("TAMPER")
    wait_for(lambda: "2 alarm" in lines_of(alerts), timeout=SLOW)
    # Ticking a step: on a receiver with STEP it shows ticked.
    screen.keys("t")
    screen.wait("Tick step")
    screen.keys("-l", "1 looked")
    screen.keys("Enter")
    holder = {}

    def answered():
        holder["pane"] = screen.tmux.pane()
        return " 1: OK" in holder["pane"] or " 1: ERR" in holder["pane"]
    wait_for(answered, timeout=SLOW)
    # A receiver with STEP (issue 11, the plan step by step) ticks it.
    if " 1: OK" in holder["pane"]:
        screen.wait("[x] 1. Look at the camera")
    screen.quit()
    unit.close()


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "200x50"])
def test_new_press_takes_the_selection_and_enter_takes_it(daemon, tmux, tmp_path, size):
    screen = Screen(tmux, daemon, tmp_path, size)
    screen.wait("CONNECTED alice")
    other = daemon.commanded_unit("HP-002")
    other.hello()
    assert other.event("m1", "MAINS_FAIL") == "ACK m1"
    screen.wait("MAINS_FAIL")
    wait_for(lambda: "MAINS_FAIL" in screen.selected_row(), timeout=SLOW)

    unit = daemon.commanded_unit("HP-001")
    unit.hello()
    assert unit.event("e1", "BUTTON") == "ACK e1"
    screen.wait("BUTTON", "open 2")
    wait_for(lambda: "BUTTON" in screen.selected_row(), timeout=SLOW)

    # Away to the mains alarm; Enter takes the next one: the press.
    screen.keys("j")
    wait_for(lambda: "MAINS_FAIL" in screen.selected_row(), timeout=SLOW)
    screen.keys("Enter")
    screen.wait("claimed alice", "claimed 1")
    wait_for(lambda: "BUTTON" in screen.selected_row(), timeout=SLOW)
    with daemon.operator("carol") as carol:
        mine = [a for a in carol.alarms() if a["state"] == "claimed"]
    assert [a["type"] for a in mine] == ["BUTTON"], mine

    # While a note is typed, a new press does not move the selection.
    screen.keys("j")
    wait_for(lambda: "MAINS_FAIL" in screen.selected_row(), timeout=SLOW)
    screen.keys("n")
    screen.wait("Note for alarm")
    third = daemon.commanded_unit("HP-003")
    third.hello()
    assert third.event("e3", "BUTTON") == "ACK e3"
    screen.wait("open 3")
    assert "MAINS_FAIL" in screen.selected_row(), screen.tmux.pane()
    screen.keys("Escape")
    screen.quit()
    for u in (unit, other, third):
        u.close()


def test_light_key_offers_flash_on_off_and_audio_runs_on_audio(daemon, tmux, tmp_path):
    audio = tmp_path / "audio"
    screen = Screen(tmux, daemon, tmp_path, (200, 50), [
        "--desk", "sip:alice@127.0.0.1",
        "--on-audio", "sh -c 'echo %%e %%u %%r >> %s'" % audio])
    screen.wait("CONNECTED alice")
    unit = daemon.commanded_unit("HP-002")
    unit.hello()
    assert unit.event("e1", "BUTTON") == "ACK e1"
    screen.wait("BUTTON")
    # The receiver flashes the light on a press by itself.
    unit.send("DONE %s" % unit.wait_command("LIGHT", "FLASH", timeout=SLOW))
    for key, word in (("o", "ON"), ("x", "OFF"), ("f", "FLASH")):
        screen.keys("l")
        screen.wait("f flash, o on")
        screen.keys(key)
        cid = unit.wait_command("LIGHT", word, timeout=SLOW)
        unit.send("DONE %s" % cid)
        screen.wait("LIGHT %s: done" % word)

    screen.keys("a")

    # The receiver dials the operator's desk when it can, else the unit's uri.
    def audio_open():
        unit.drain_commands(0.1)
        return [w for _, w in unit.commands if w[:2] == ["AUDIO", "OPEN"]]
    wait_for(audio_open, timeout=SLOW)
    cid = unit.find_command(*audio_open()[0])
    unit.send("DONE %s" % cid)
    wait_for(lambda: any(l.startswith("open HP-002 sip:alice@127.0.0.1")
                         for l in lines_of(audio)), timeout=SLOW)
    screen.wait("[audio open]")
    screen.keys("a")
    cid = unit.wait_command("AUDIO", "CLOSE", timeout=SLOW)
    unit.send("DONE %s" % cid)
    wait_for(lambda: any(l.startswith("close HP-002") for l in lines_of(audio)),
             timeout=SLOW)
    screen.quit()
    unit.close()


def test_wrong_password_asks_again(daemon, tmux, tmp_path):
    screen = Screen(tmux, daemon, tmp_path, (80, 24), password="wrong")
    screen.tmux.wait("Password for alice:")
    screen.keys("-l", OPERATOR_PASSWORD)
    screen.keys("Enter")
    screen.wait("CONNECTED alice")
    screen.quit()


def test_link_down_alerts(daemon, tmux, tmp_path):
    alerts = tmp_path / "alerts"
    screen = Screen(tmux, daemon, tmp_path, (80, 24),
                    ["--alert-command", alert_command(alerts)])
    screen.wait("CONNECTED alice")
    daemon.stop()
    screen.wait("DISCONNECTED")
    # After 10 s down it alerts, and goes on alerting.
    wait_for(lambda: lines_of(alerts).count("0 link") >= 2, timeout=SLOW)
    screen.quit()


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "200x50"])
def test_detail_shows_location_and_copies_it(daemon, tmux, tmp_path, size):
    if not receiver_has(daemon, "UNITS", "lat="):
        pytest.skip("the receiver sends no lat= in UNIT lines yet (issue 11, location)")
    screen = Screen(tmux, daemon, tmp_path, size)
    screen.wait("CONNECTED alice")
    unit = daemon.commanded_unit("HP-001")
    unit.hello()
    assert unit.event("e1", "BUTTON") == "ACK e1"
    screen.wait("BUTTON", "Where:", "52.246")
    screen.keys("y")
    screen.wait("copied: HP-001,")
    wait_for(lambda: "52.246" in screen.tmux.run("show-buffer", check=False).stdout,
             timeout=SLOW)
    buf = screen.tmux.run("show-buffer").stdout
    assert buf.startswith("HP-001, ") and "-0.887" in buf, buf
    screen.quit()
    unit.close()


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "200x50"])
def test_history_view_finds_a_resolved_alarm_and_its_record(daemon, tmux, tmp_path, size):
    if not receiver_has(daemon, "SEARCH limit=1", "OK"):
        pytest.skip("the receiver has no SEARCH yet (issue 11, the record)")
    unit = daemon.commanded_unit("HP-001")
    unit.hello()
    assert unit.event("e1", "BUTTON") == "ACK e1"
    with daemon.operator("carol") as carol:
        aid = carol.alarms()[0]["id"]
        carol.ok("CLAIM %d" % aid)
        carol.ok('NOTE %d "caller was lost"' % aid)
        carol.ok("RESOLVE %d false reason=other" % aid)
    screen = Screen(tmux, daemon, tmp_path, size)
    screen.wait("CONNECTED alice", "no open alarms")
    screen.keys("H")
    screen.wait("HISTORY", "since:", "outcome:")
    screen.keys("Tab", "Tab")
    screen.keys("-l", "HP-001")
    screen.keys("Enter")
    screen.wait("1 found", "Racecourse Park point 1" if size[0] >= 200 else "HP-001",
                "false")
    screen.keys("Enter")
    screen.wait("RECORD", 'note by=carol "caller was lost"')
    # The end of a long record is a page down on a small screen.
    screen.keys("NPage")
    screen.wait("resolved by=carol", "reason=other")
    screen.keys("Escape")
    screen.wait("no open alarms", absent=("RECORD",))
    screen.quit()
    unit.close()


def test_bell_rings_until_claimed(daemon, tmux, tmp_path):
    """Without --alert-command the alert is the terminal's bell: tmux marks
    the console's window when it rings while another window is in front."""
    screen = Screen(tmux, daemon, tmp_path, (80, 24))
    screen.wait("CONNECTED alice")
    tmux.run("set-option", "-g", "monitor-bell", "on")
    tmux.run("set-option", "-g", "bell-action", "any")
    tmux.run("new-window", "-d", "-t", "console:1", "sleep", "600")

    def rang():
        # The flag is set while the window is behind another one.
        tmux.run("select-window", "-t", "console:1")
        out = tmux.run("list-windows", "-t", "console", "-F",
                       "#{window_index} #{window_bell_flag}").stdout
        return "0 1" in out.splitlines()

    unit = daemon.commanded_unit("HP-001")
    unit.hello()
    assert unit.event("e1", "BUTTON") == "ACK e1"
    wait_for(rang, timeout=SLOW)
    # Looking at the window clears the flag; the bell rings again.
    tmux.run("select-window", "-t", "console:0")
    tmux.run("select-window", "-t", "console:1")
    wait_for(rang, timeout=SLOW)
    tmux.run("select-window", "-t", "console:0")
    screen.keys("c")
    screen.wait("claimed alice")
    # Claimed: the bell stops (three periods pass without it).
    tmux.run("select-window", "-t", "console:1")
    with pytest.raises(AssertionError):
        wait_for(rang, timeout=6)
    tmux.run("select-window", "-t", "console:0")
    screen.quit()
    unit.close()


def test_reload_testmode_and_stats_keys(daemon, tmux, tmp_path, password_hash):
    # Test mode is a supervisor's.
    screen = Screen(tmux, daemon, tmp_path, (200, 50), user="bob")
    screen.wait("CONNECTED bob", "HP-005", "Racecourse Park point 5")
    # A reload reaches the console's unit list (* RELOADED).
    reg = default_registry(password_hash)
    reg["units"][4]["name"] = "Renamed by the reload"
    with open(daemon.registry_path, "w") as f:
        f.write(to_yaml(reg))
    daemon.proc.send_signal(signal.SIGHUP)
    screen.wait("Renamed by the reload")

    screen.keys("T")
    screen.wait("Test mode:")
    screen.keys("-l", "HP-003 2h")
    screen.keys("Enter")
    # The reply comes before the push it causes: the push's line stays.
    screen.wait("[TEST]", "unit HP-003 test mode until")

    screen.keys("S")
    screen.wait("STATS (any key closes this)")
    screen.keys("x")
    screen.wait("UNITS", absent=("any key closes this",))

    # From the history view a new press brings the live stack back.
    screen.keys("H")
    screen.wait("HISTORY", "since:")
    screen.keys("Escape")
    unit = daemon.commanded_unit("HP-001")
    unit.hello()
    assert unit.event("e1", "BUTTON") == "ACK e1"
    screen.wait("BUTTON", "UNITS", absent=("since:",))
    assert "BUTTON" in screen.selected_row()
    screen.quit()
    unit.close()


def test_supervisor_takes_over_a_claimed_alarm(daemon, tmux, tmp_path):
    unit = daemon.commanded_unit("HP-001")
    unit.hello()
    assert unit.event("e1", "BUTTON") == "ACK e1"
    with daemon.operator("carol") as carol:
        aid = carol.alarms()[0]["id"]
        carol.ok("CLAIM %d" % aid)
        screen = Screen(tmux, daemon, tmp_path, (80, 24), user="bob")
        screen.wait("CONNECTED bob", "claimed carol")
        screen.keys("c")
        screen.wait("is claimed by carol: take")
        screen.keys("y")
        holder = {}

        def answered():
            holder["pane"] = screen.tmux.pane()
            return "force (from carol): " in holder["pane"]
        wait_for(answered, timeout=SLOW)
        # A receiver with CLAIM force (issue 11, handover) hands it over.
        if "force (from carol): OK" in holder["pane"]:
            screen.wait("claimed bob")
            assert carol.alarms()[0]["by"] == "bob"
        screen.quit()
    unit.close()
