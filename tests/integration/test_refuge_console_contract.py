"""refuge-console against issue 11's operator protocol, played by a scripted
receiver on loopback (TLS with the test CA): what the console does with
LOGIN's tz=, desk=, lat=/lon=/address=/heard=, PLAN's step states and
contacts, STEP, OUTCOMES, the resolve dialog for BUTTON and technical
alarms, WHO, SEARCH and DETAIL in the history view, HANDOVER, RELOADED and
ESCALATE level=2, on screens of 80x24 and 200x50. The real receiver's side
is tested by its own helpers; this pins the console to the contract."""

import datetime
import socket
import ssl
import threading

import pytest

from helpers import wait_for
from test_refuge_console import SLOW
from test_refuge_console_desk import SIZES, Screen, lines_of, tmux  # noqa: F401


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%S.000Z")


# 15:00 UTC is 10:00 in New York in December: the console must show 10:00:00.
RAISED = datetime.datetime(2026, 12, 2, 15, 0, 0)
ALARM_41 = ('ALARM 41 prio=1 state=queued type=BUTTON unit=HP-001 site=racecourse '
            'at=%s name="Racecourse Park point 1" lat=52.246000 lon=-0.887000' % iso(RAISED))
UNIT_1 = ('UNIT HP-001 state=online last_seen=%s site=racecourse '
          'name="Racecourse Park point 1" lat=52.246000 lon=-0.887000 '
          'address="Racecourse Rd, NN2 7AZ" heard=%s' % (iso(RAISED), iso(RAISED)))
CLOSED_7 = ('ALARM 7 prio=1 state=resolved type=BUTTON unit=HP-001 site=racecourse '
            'at=2026-11-30T15:00:00.000Z name="Racecourse Park point 1" '
            'lat=52.246000 lon=-0.887000 outcome=false reason=child-playing by=carol')


class Receiver:
    """A scripted receiver: one console at a time, replies from the table
    below, pushes on request; every request line is kept in .requests."""

    def __init__(self, pki):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(pki.server_cert, pki.server_key)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.requests = []
        self.conn = None
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _send(self, *lines):
        with self.lock:
            if self.conn is not None:
                self.conn.sendall("".join(l + "\n" for l in lines).encode())

    def push(self, line):
        self._send("* " + line)

    def _answer(self, line):
        words = line.split()
        verb = words[0] if words else ""
        table = {
            "LOGIN": ["OK role=operator tz=America/New_York", "* RECEIVER active store=ok"],
            "ALARMS": [ALARM_41, "OK 1"],
            "UNITS": [UNIT_1, "OK 1"],
            "OUTCOMES": ["OUTCOME false child-playing no-one-there",
                         "OUTCOME genuine welfare-check police",
                         "OUTCOME technical engineer restored", "OK"],
            "HISTORY": ["OK 0"],
            # The claimer is pushed the plan right after the OK.
            "CLAIM": ["* CLAIMED %s by=alice" % (words[1] if len(words) > 1 else "?"), "OK",
                      "* PLAN 41 park site=racecourse steps=2 contacts=1",
                      '* STEP 41 1 "Look at the camera"',
                      '* STEP 41 2 "Speak to the caller"',
                      '* CONTACT 41 name="Park warden" phone="01604 000000"'],
            "PLAN": ["PLAN park site=racecourse steps=2 contacts=1 night=1",
                     'STEP 1 "Look at the camera" by=alice at=%s note="nobody there"'
                     % iso(RAISED),
                     'STEP 2 "Speak to the caller"',
                     'CONTACT name="Park warden" phone="01604 000000"', "OK"],
            "STEP": ["OK"],
            "SEARCH": [CLOSED_7, "OK 1 more=1"],
            "DETAIL": [ALARM_41, UNIT_1,
                       'LOG %s note by=bob "warden on the way"' % iso(RAISED), "OK"]
            if words[1:] != ["7"] else [CLOSED_7, UNIT_1, "EVENT e1 BUTTON at=2026-11-30T15:00:00.000Z",
                       "LOG 2026-11-30T15:00:01.000Z claimed by=carol",
                       'LOG 2026-11-30T15:01:00.000Z note by=carol "kids again"',
                       "LOG 2026-11-30T15:02:00.000Z resolved by=carol outcome=false "
                       "reason=child-playing", "OK"],
            "WHO": ["OPERATOR alice role=operator desk=sip:alice@127.0.0.1 claimed=41",
                    "OPERATOR bob role=supervisor desk=- claimed=-", "OK 2"],
            "RESOLVE": ["OK"],
            "HANDOVER": ['* HANDOVER by=alice at=%s "HP-003 door sticks"' % iso(RAISED),
                         "OK"],
            "PING": ["OK"],
        }
        self._send(*table.get(verb, ["ERR syntax unknown request"]))

    def _serve(self):
        while True:
            try:
                raw, _ = self.sock.accept()
            except OSError:
                return
            try:
                conn = self.ctx.wrap_socket(raw, server_side=True)
            except (OSError, ssl.SSLError):
                raw.close()
                continue
            with self.lock:
                self.conn = conn
            buf = b""
            try:
                while True:
                    data = conn.recv(4096)
                    if not data:
                        break
                    buf += data
                    while b"\n" in buf:
                        line, buf = buf.split(b"\n", 1)
                        text = line.decode()
                        self.requests.append(text)
                        self._answer(text)
            except (OSError, ssl.SSLError):
                pass
            with self.lock:
                self.conn = None
            conn.close()

    def wait_request(self, prefix):
        wait_for(lambda: any(r.startswith(prefix) for r in self.requests), timeout=SLOW,
                 message="no request %r; got %r" % (prefix, self.requests))
        return [r for r in self.requests if r.startswith(prefix)][-1]

    def close(self):
        self.sock.close()


class FakeDaemon:
    """Enough of the daemon fixture for Screen: the port and the CA."""

    def __init__(self, pki, port):
        self.operators_port = port
        self.pki = pki


@pytest.fixture
def receiver(pki):
    r = Receiver(pki)
    yield r
    r.close()


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "200x50"])
def test_console_speaks_the_desk_contract(receiver, pki, tmux, tmp_path, size):
    alerts = tmp_path / "alerts"
    screen = Screen(tmux, FakeDaemon(pki, receiver.port), tmp_path, size,
                    ["--desk", "sip:alice@127.0.0.1", "--alert-command",
                     "sh -c 'echo %%p %%k >> %s'" % alerts])
    login = receiver.wait_request("LOGIN ")
    assert login.endswith(" desk=sip:alice@127.0.0.1"), login
    # Local time from LOGIN's tz=, location from the ALARM and UNIT lines.
    screen.wait("CONNECTED alice", " EST ", "Where: Racecourse Rd, NN2 7AZ",
                "52.246000, -0.887000", "2026-12-02 10:00:00")
    receiver.wait_request("OUTCOMES")
    # The live detail shows the alarm's record, others' notes included.
    receiver.wait_request("DETAIL 41")
    screen.wait('note by=bob "warden on the way"')

    screen.keys("y")
    screen.wait("copied: HP-001,")
    wait_for(lambda: "NN2 7AZ" in tmux.run("show-buffer", check=False).stdout, timeout=SLOW)
    assert tmux.run("show-buffer").stdout == \
        "HP-001, Racecourse Rd, NN2 7AZ, 52.246000, -0.887000"

    # Claiming shows the plan with its step states and contacts.
    screen.keys("c")
    screen.wait("Trigger plan: park, night", "[x] 1. Look at the camera",
                "[ ] 2. Speak to the caller", "Contact: Park warden  01604 000000")
    if size[0] >= 200:
        screen.wait('- alice 2026-12-02 10:00:00 "nobody there"')
    screen.keys("t")
    screen.keys("-l", "2 spoke to her")
    screen.keys("Enter")
    assert receiver.wait_request("STEP ") == 'STEP 41 2 "spoke to her"'
    receiver.wait_request("PLAN 41")

    # The resolve dialog for a press: genuine or false, with OUTCOMES' lists.
    screen.keys("R")
    screen.wait("g genuine, f false")
    screen.keys("f")
    screen.wait("1 child playing", "2 no one there")
    screen.keys("1")
    screen.keys("Enter")
    assert receiver.wait_request("RESOLVE ") == "RESOLVE 41 false reason=child-playing"
    receiver.push("RESOLVED 41 outcome=false by=alice")
    screen.wait("no open alarms")

    # Any other type: technical or genuine.
    receiver.push("ALARM 42 prio=3 state=queued type=UNIT_OFFLINE unit=HP-001 "
                  "site=racecourse at=%s name=\"Racecourse Park point 1\"" % iso(RAISED))
    screen.wait("UNIT_OFFLINE")
    wait_for(lambda: "3 alarm" in lines_of(alerts), timeout=SLOW)
    screen.keys("R")
    screen.wait("t technical, g genuine")
    screen.keys("t")
    screen.wait("1 engineer", "2 restored", "Enter: none given")
    screen.keys("2")
    screen.keys("-l", "back by itself")
    screen.keys("Enter")
    assert receiver.wait_request("RESOLVE 42") == \
        'RESOLVE 42 technical action=restored "back by itself"'

    # Escalation to supervisors has its own alert; a reload re-reads units.
    receiver.push("ESCALATE 42 waited=61 level=2")
    wait_for(lambda: "3 escalate" in lines_of(alerts), timeout=SLOW)
    screen.wait("ESCALATED (level 2)")
    units = receiver.requests.count("UNITS")
    receiver.push("RELOADED units=1")
    wait_for(lambda: receiver.requests.count("UNITS") > units, timeout=SLOW)
    receiver.push('HANDOVER by=bob at=%s "HP-003 door sticks"' % iso(RAISED))
    screen.wait("HANDOVER from bob at 2026-12-02 10:00:00: HP-003 door sticks")

    screen.keys("W")
    screen.wait("WHO", "bob role=supervisor desk=- claimed=-")
    screen.keys("x")
    screen.wait("UNIT_OFFLINE", absent=("bob role=supervisor",))

    # The history view: the form, the list, the record.
    screen.keys("H")
    screen.wait("HISTORY", "since:", "outcome:")
    screen.keys("Tab", "Tab")
    screen.keys("-l", "HP-001")
    screen.keys("Enter")
    search = receiver.wait_request("SEARCH ")
    assert " unit=HP-001 " in search and search.startswith("SEARCH since=2026-"), search
    screen.wait("1 found, more", "false child-playing by carol")
    screen.keys("Enter")
    receiver.wait_request("DETAIL 7")
    screen.wait("RECORD", "note by=carol \"kids again\"", "2026-11-30 10:01:00")
    screen.keys("Escape")
    screen.wait("UNIT_OFFLINE", absent=("RECORD",))

    # A handover ends the shift: the receiver closes the link, the console
    # ends instead of logging in again.
    screen.keys("O")
    screen.wait("it ends your session")
    screen.keys("-l", "quiet night")
    screen.keys("Enter")
    assert receiver.wait_request("HANDOVER") == 'HANDOVER "quiet night"'
    wait_for(lambda: screen.statusfile.exists() and screen.statusfile.read_text().strip(),
             timeout=SLOW)
    assert int(screen.statusfile.read_text()) == 0
    assert "session ended" in screen.errfile.read_text()
