"""SIA DC-09 panels against the real refuged, over TCP and UDP.

The sender here builds frames from the standard (ANSI/SIA DC-09: CRC-16/ARC,
the 0LLL length, AES-CBC with a zero IV and a pad), not from the receiver's
code; the published capture EA740027"NULL"0000L0#1409[] checks it first.
"""

import re
import socket
import time

import pytest

from helpers import wait_for

try:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
except ImportError:		# pragma: no cover
    Cipher = None

KEY128 = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
KEY256 = bytes(range(32))
PORT_RE = re.compile(r"dc09: listening on (\S+):(\d+) \(tcp, udp\)")

PANELS = {
    "HP-002": {"dc09": {"account": "1234", "plaintext": True, "supervision": "1h"}},
    "HP-003": {"dc09": {"account": "AB128", "key_hex": KEY128.hex().upper(),
                        "supervision": "1h"}},
    "HP-004": {"dc09": {"account": "256256", "key_hex": KEY256.hex(),
                        "supervision": "1h"}},
}


def crc16_arc(data):
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def wrap(msg):
    body = msg.encode("ascii")
    return b"\n" + ("%04X%04X" % (crc16_arc(body), len(body))).encode() + body + b"\r"


def stamp(t=None):
    return time.strftime("_%H:%M:%S,%m-%d-%Y", time.gmtime(time.time() if t is None else t))


def aes(key, data, decrypt=False):
    c = Cipher(algorithms.AES(key), modes.CBC(bytes(16)))
    op = c.decryptor() if decrypt else c.encryptor()
    return op.update(data) + op.finalize()


def plain_frame(token, seq, acct, data="", xdata="", t=None, rcvr="R0", line="L0"):
    block = "[#%s|%s]" % (acct, data) if data else "[]"
    ts = "" if t is False else stamp(t)
    return wrap('"%s"%04d%s%s#%s%s%s%s' % (token, seq, rcvr, line, acct, block, xdata, ts))


def enc_frame(key, token, seq, acct, data="", xdata="", t=None):
    tail = ("|%s]%s" % (data, xdata) if data else "]") + stamp(t)
    pad = "p" * (16 - len(tail) % 16)
    cipher = aes(key, (pad + tail).encode()).hex().upper()
    return wrap('"*%s"%04dR0L0#%s[%s' % (token, seq, acct, cipher))


def parse_reply(raw):
    """(token, seq, rest, plain-or-None) of one reply frame, checked."""
    assert raw.startswith(b"\n") and raw.endswith(b"\r"), raw
    body = raw[9:-1]
    assert int(raw[1:5], 16) == crc16_arc(body), raw
    assert int(raw[5:9], 16) == len(body), raw
    m = re.match(rb'"(\*?[A-Z]+)"(\d{4})(.*)$', body)
    assert m, raw
    return m.group(1).decode(), m.group(2).decode(), m.group(3).decode()


class Panel:
    """A DC-09 communicator on TCP (persistent) or UDP."""

    def __init__(self, port, udp=False, timeout=5.0):
        self.udp = udp
        kind = socket.SOCK_DGRAM if udp else socket.SOCK_STREAM
        self.sock = socket.socket(socket.AF_INET, kind)
        self.sock.settimeout(timeout)
        self.sock.connect(("127.0.0.1", port))
        self.buf = b""

    def send(self, frame):
        self.sock.send(frame)

    def reply(self):
        if self.udp:
            return self.sock.recv(4096)
        while b"\r" not in self.buf:
            chunk = self.sock.recv(4096)
            assert chunk, "receiver closed the connection"
            self.buf += chunk
        lf = self.buf.index(b"\n")
        cr = self.buf.index(b"\r", lf)
        raw, self.buf = self.buf[lf:cr + 1], self.buf[cr + 1:]
        return raw

    def call(self, frame):
        self.send(frame)
        return self.reply()

    def close(self):
        self.sock.close()


def dc09_port(d):
    line = d.wait_log("dc09: listening on")
    return int(PORT_RE.search(line).group(2))


@pytest.fixture
def dc09(make_daemon):
    if Cipher is None:
        pytest.skip("python3-cryptography is not installed")
    d = make_daemon(config={"listen": {"dc09": "127.0.0.1:0"}}, units=PANELS)
    d.dc09_port = dc09_port(d)
    return d


def test_published_capture_is_what_our_sender_builds():
    assert wrap('"NULL"0000L0#1409[]_20:38:07,08-27-2026') == \
        b'\nEA740027"NULL"0000L0#1409[]_20:38:07,08-27-2026\r'
    assert wrap('"SIA-DCS"0001L0#1234[]') == b'\n96ED0016"SIA-DCS"0001L0#1234[]\r'


def test_plain_panic_tcp_reaches_operator_as_button(dc09):
    op = dc09.operator()
    op.login("alice")
    p = Panel(dc09.dc09_port)
    token, seq, rest = parse_reply(p.call(plain_frame("SIA-DCS", 7, "1234", "Nri1/PA501",
                                                      rcvr="R5", line="L12")))
    assert (token, seq, rest) == ("ACK", "0007", "R5L12#1234[]")
    line = op.wait_push("* ALARM", "type=BUTTON", "unit=HP-002")
    assert "prio=1" in line
    rows = dc09.events("HP-002", "BUTTON")
    assert len(rows) == 1 and "code=PA" in rows[0]["attributes"]
    # No R in the frame: none in the reply.
    token, seq, rest = parse_reply(p.call(plain_frame("NULL", 8, "1234", rcvr="")))
    assert (token, seq, rest) == ("ACK", "0008", "L0#1234[]")
    p.close()


@pytest.mark.parametrize("udp", [False, True])
@pytest.mark.parametrize("unit,acct,key", [("HP-003", "AB128", KEY128),
                                           ("HP-004", "256256", KEY256)])
def test_encrypted_frames(dc09, udp, unit, acct, key):
    p = Panel(dc09.dc09_port, udp=udp)
    token, seq, rest = parse_reply(p.call(enc_frame(key, "NULL", 1, acct)))
    assert (token, seq) == ("*ACK", "0001")
    assert rest.startswith("R0L0#%s[" % acct)
    plain = aes(key, bytes.fromhex(rest.split("[", 1)[1]), decrypt=True).decode()
    assert re.search(r"\]_\d\d:\d\d:\d\d,\d\d-\d\d-\d{4}$", plain), plain
    token, seq, rest = parse_reply(p.call(enc_frame(key, "SIA-DCS", 2, acct, "Nri1/TA3")))
    assert (token, seq) == ("*ACK", "0002")
    assert len(dc09.events(unit, "TAMPER")) == 1
    # ADM-CID, encrypted, a burglary: INTRUSION.
    token, seq, rest = parse_reply(p.call(enc_frame(key, "ADM-CID", 3, acct, "1131 01 004")))
    assert token == "*ACK"
    assert len(dc09.events(unit, "INTRUSION")) == 1
    # A plaintext frame for an encrypted account: NAK.
    token, seq, rest = parse_reply(p.call(plain_frame("SIA-DCS", 4, acct, "NPA1")))
    assert token == "NAK" and seq == "0000" and rest.startswith("R0L0A0[]_")
    p.close()


def test_cid_over_udp_and_status_stored_without_alarm(dc09):
    p = Panel(dc09.dc09_port, udp=True)
    token, _, _ = parse_reply(p.call(plain_frame("ADM-CID", 11, "1234", "1301 00 000")))
    assert token == "ACK"
    assert len(dc09.events("HP-002", "MAINS_FAIL")) == 1
    token, _, _ = parse_reply(p.call(plain_frame("ADM-CID", 12, "1234", "6602 00 000")))
    assert token == "ACK"
    assert len(dc09.events("HP-002", "STATUS")) == 1
    p.close()


def test_retransmission_stored_once(dc09):
    frame = plain_frame("SIA-DCS", 21, "1234", "Nri1/BA01/BA02")
    for _ in range(2):
        p = Panel(dc09.dc09_port)
        token, seq, _ = parse_reply(p.call(frame))
        assert (token, seq) == ("ACK", "0021")
        p.close()
    assert len(dc09.events("HP-002", "INTRUSION")) == 2	# two zones, once each
    # An encrypted retransmission with another pad and time is the same event.
    p = Panel(dc09.dc09_port)
    for t in (time.time() - 5, time.time()):
        assert parse_reply(p.call(enc_frame(KEY128, "SIA-DCS", 22, "AB128", "NYT",
                                            t=t)))[0] == "*ACK"
    assert len(dc09.events("HP-003", "BATTERY_LOW")) == 1
    # Sent twice before the first ACK: two ACKs, each event stored once.
    frame = plain_frame("SIA-DCS", 23, "1234", "Nri1/PA7/TA7")
    p.send(frame + frame)
    assert [parse_reply(p.reply())[:2] for _ in range(2)] == [("ACK", "0023")] * 2
    assert len(dc09.events("HP-002", "BUTTON")) == 1
    assert len(dc09.events("HP-002", "TAMPER")) == 1
    p.close()


def test_time_window_and_unknown_account_nak(dc09):
    p = Panel(dc09.dc09_port)
    for frame in (plain_frame("SIA-DCS", 31, "1234", "NPA1", t=time.time() - 120),
                  plain_frame("SIA-DCS", 32, "1234", "NPA1", t=time.time() + 120),
                  enc_frame(KEY128, "SIA-DCS", 33, "AB128", "NPA1", t=time.time() - 120),
                  plain_frame("SIA-DCS", 34, "9999", "NPA1"),
                  enc_frame(KEY256, "SIA-DCS", 35, "AB128", "NPA1"),	# garbage
                  enc_frame(KEY128, "SIA-DCS", 36, "1234", "NPA1")):	# plaintext account
        token, seq, rest = parse_reply(p.call(frame))
        assert (token, seq) == ("NAK", "0000"), frame
        m = re.match(r"R0L0A0\[\]_(\d\d:\d\d:\d\d,\d\d-\d\d-\d{4})$", rest)
        assert m, rest
        t = time.mktime(time.strptime(m.group(1), "%H:%M:%S,%m-%d-%Y")) - time.timezone
        assert abs(t - time.time()) < 30
    assert dc09.events("HP-002", "BUTTON") == []
    p.close()


def test_bad_crc_no_reply_then_next_good_frame_answered(dc09):
    p = Panel(dc09.dc09_port)
    bad = bytearray(plain_frame("SIA-DCS", 41, "1234", "NPA1"))
    bad[1:5] = b"0000" if bad[1:5] != b"0000" else b"FFFF"
    # Bad CRC, a stray byte, an overlong frame, then a good one split in two:
    # the first reply is the good frame's, on the same connection.
    p.send(bytes(bad) + b"\x00junk" + b"\n" + b"A" * 1100 + b"\r")
    good = plain_frame("NULL", 42, "1234")
    p.send(good[:10])
    p.send(good[10:])
    token, seq, _ = parse_reply(p.reply())
    assert (token, seq) == ("ACK", "0042")
    assert dc09.events("HP-002", "BUTTON") == []
    dc09.wait_log("dc09: dropped", "CRC mismatch")
    p.close()


def test_metrics_count_replies(make_daemon):
    import urllib.request
    d = make_daemon(config={"listen": {"dc09": "127.0.0.1:0", "metrics": "127.0.0.1:0"}},
                    units=PANELS)
    port = dc09_port(d)
    m = re.search(r"metrics=(\S+)", d.find_log("ready units=")).group(1)
    p = Panel(port)
    bad = bytearray(plain_frame("NULL", 1, "1234"))
    bad[1:5] = b"0000" if bad[1:5] != b"0000" else b"FFFF"
    p.send(bytes(bad))
    assert parse_reply(p.call(plain_frame("NULL", 2, "1234")))[0] == "ACK"
    assert parse_reply(p.call(plain_frame("NULL", 3, "9999")))[0] == "NAK"
    assert parse_reply(p.call(plain_frame("SIA-XYZ", 4, "1234")))[0] == "DUH"
    p.close()
    text = urllib.request.urlopen("http://%s/metrics" % m, timeout=5).read().decode()
    for reply in ("ack", "nak", "duh", "none"):
        assert 'refuge_dc09_frames_total{reply="%s"} 1' % reply in text, text


def test_unsupported_token_duh(dc09):
    p = Panel(dc09.dc09_port)
    token, seq, rest = parse_reply(p.call(plain_frame("SIA-XYZ", 51, "1234", "NPA1")))
    assert (token, seq, rest) == ("DUH", "0051", "R0L0#1234[]")
    p.close()


def test_unknown_code_acked_with_alarm(dc09):
    op = dc09.operator()
    op.login("alice")
    p = Panel(dc09.dc09_port)
    token, _, _ = parse_reply(p.call(plain_frame("SIA-DCS", 61, "1234", "NZZ9",
                                                 xdata="[Vhttp://cam.local/clip1]")))
    assert token == "ACK"
    line = op.wait_push("* ALARM", "type=UNKNOWN_CODE", "unit=HP-002")
    assert "prio=5" in line
    assert " code=ZZ" in line and " verify=http://cam.local/clip1" in line, line
    rows = dc09.events("HP-002", "UNKNOWN_CODE")
    assert len(rows) == 1
    assert "code=ZZ" in rows[0]["attributes"]
    assert "verify=http://cam.local/clip1" in rows[0]["attributes"]
    p.close()


def test_commands_refused_at_once_and_paths_shown(dc09):
    op = dc09.operator()
    op.login("alice")
    p = Panel(dc09.dc09_port)
    parse_reply(p.call(plain_frame("NULL", 71, "1234")))
    reply = op.call("CMD HP-002 CAMERA PRESET 1")
    assert reply.startswith("ERR state unit takes no commands (dc09 only)"), reply
    units = op.units()
    assert units["HP-002"]["paths"] == "dc09"
    assert units["HP-002"]["commands"] == "no"
    assert units["HP-001"]["paths"] == "-"
    p.close()


def test_supervision_offline_and_back(make_daemon):
    units = {"HP-002": {"dc09": {"account": "1234", "plaintext": True,
                                 "supervision": "1s"}}}
    d = make_daemon(config={"listen": {"dc09": "127.0.0.1:0"}}, units=units)
    port = dc09_port(d)
    p = Panel(port, udp=True)

    def state():
        row = d.unit_row("HP-002")
        return row["state"] if row else None

    assert parse_reply(p.call(plain_frame("NULL", 1, "1234")))[0] == "ACK"
    wait_for(lambda: state() == "online", timeout=10, message="online on a frame")
    offline = len(d.events("HP-002", "UNIT_OFFLINE", source=None))
    wait_for(lambda: len(d.events("HP-002", "UNIT_OFFLINE", source=None)) == offline + 1,
             timeout=10, message="UNIT_OFFLINE after 1s of silence")
    assert state() == "offline"
    online = len(d.events("HP-002", "UNIT_ONLINE", source=None))
    assert parse_reply(p.call(plain_frame("NULL", 2, "1234")))[0] == "ACK"
    wait_for(lambda: len(d.events("HP-002", "UNIT_ONLINE", source=None)) == online + 1,
             timeout=10, message="UNIT_ONLINE on the next frame")
    p.close()


def test_dual_path_fault_names_the_path(make_daemon):
    units = {"HP-001": {"dc09": {"account": "D0A1", "plaintext": True,
                                 "supervision": "1s"}}}
    d = make_daemon(config={"listen": {"dc09": "127.0.0.1:0"}}, units=units)
    port = dc09_port(d)
    u = d.unit("HP-001")
    u.hello()
    p = Panel(port)
    assert parse_reply(p.call(plain_frame("NULL", 1, "D0A1")))[0] == "ACK"
    op = d.operator()
    op.login("alice")
    assert op.units()["HP-001"]["paths"] == "tls,dc09"
    wait_for(lambda: len(d.events("HP-001", "PATH_FAULT", source=None)) == 1,
             timeout=10, message="PATH_FAULT once the dc09 path is silent")
    row = d.events("HP-001", "PATH_FAULT", source=None)[0]
    assert row["attributes"] == "path=dc09"
    assert d.events("HP-001", "UNIT_OFFLINE", source=None) == []
    line = op.wait_push("* ALARM", "type=PATH_FAULT", "unit=HP-001")
    assert "prio=5" in line and " path=dc09" in line, line
    assert parse_reply(p.call(plain_frame("NULL", 2, "D0A1")))[0] == "ACK"
    wait_for(lambda: len(d.events("HP-001", "PATH_RESTORE", source=None)) == 1,
             timeout=10, message="PATH_RESTORE when the path is back")
    # A dual-path unit takes commands (on its TLS link).
    assert op.call("CMD HP-001 CAMERA PRESET 1").startswith("OK")
    p.close()
    u.close()


def test_kill9_after_ack_stored_once(dc09, make_daemon):
    frame = enc_frame(KEY256, "SIA-DCS", 81, "256256", "Nri1/FA7",
                      xdata="[Vhttps://cam.example/snap?id=7]")
    p = Panel(dc09.dc09_port)
    assert parse_reply(p.call(frame))[0] == "*ACK"
    p.close()
    dc09.kill()
    d = make_daemon(directory=dc09.dir)
    port = dc09_port(d)
    p = Panel(port)
    # The panel did not see the ACK, say, and sends the frame again.
    assert parse_reply(p.call(frame))[0] == "*ACK"
    p.close()
    assert len(d.events("HP-004", "FIRE")) == 1
    # The alarm rebuilt from the store still shows its verification URL.
    op = d.operator()
    op.login("alice")
    fire = [a for a in op.alarms() if a["type"] == "FIRE"]
    assert len(fire) == 1 and fire[0]["verify"] == "https://cam.example/snap?id=7", fire


def test_enroll_dc09_then_panel_reports(make_daemon):
    """refugectl enroll --dc09 on an existing unit and a new one without a
    certificate: units.yaml keeps its comments, refuged takes the accounts
    after a reload, and a panel using the printed key is answered."""
    import os
    import signal
    import subprocess
    from conftest import build_dir

    d = make_daemon(config={"listen": {"dc09": "127.0.0.1:0"}})
    port = dc09_port(d)
    with open(d.registry_path) as f:
        text = f.read()
    with open(d.registry_path, "w") as f:
        f.write("# kept by enroll\n" + text)

    def enroll(*args):
        r = subprocess.run([os.path.join(build_dir(), "refugectl"), "-c", d.config_path,
                            "enroll"] + list(args), capture_output=True, text=True,
                           timeout=30)
        return r

    r = enroll("HP-005", "--dc09", "5005", "--aes", "128")
    assert r.returncode == 0, r.stderr
    key128 = re.search(r"key +([0-9A-F]{32})\n", r.stdout).group(1)
    assert "AES-128" in r.stdout and "account      5005" in r.stdout
    r = enroll("PAV-1", "--dc09", "6006", "--name", "Pavilion panel")
    assert r.returncode == 0, r.stderr
    key256 = re.search(r"key +([0-9A-F]{64})\n", r.stdout).group(1)
    assert enroll("PAV-2", "--dc09", "6006").returncode != 0	# taken
    assert enroll("PAV-3", "--dc09", "12G").returncode != 0		# not hex
    with open(d.registry_path) as f:
        assert f.read().startswith("# kept by enroll\n")
    d.proc.send_signal(signal.SIGHUP)
    d.wait_log("reload: ", "units (")
    p = Panel(port)
    assert parse_reply(p.call(enc_frame(bytes.fromhex(key128), "SIA-DCS", 1, "5005",
                                        "NPA1")))[0] == "*ACK"
    assert parse_reply(p.call(enc_frame(bytes.fromhex(key256), "SIA-DCS", 2, "6006",
                                        "NPA1")))[0] == "*ACK"
    p.close()
    assert len(d.events("HP-005", "BUTTON")) == 1
    assert len(d.events("PAV-1", "BUTTON")) == 1


def test_dual_path_tls_lost_while_panel_reports(make_daemon):
    units = {"HP-001": {"heartbeat": "1s",
                        "dc09": {"account": "D0A2", "plaintext": True, "supervision": "2s"}}}
    d = make_daemon(config={"listen": {"dc09": "127.0.0.1:0"}}, units=units)
    port = dc09_port(d)
    u = d.unit("HP-001")
    u.hello()
    p = Panel(port, udp=True)
    seq = [0]

    def poll():
        seq[0] += 1
        assert parse_reply(p.call(plain_frame("NULL", seq[0], "D0A2")))[0] == "ACK"

    def path_events(kind):
        return [r for r in d.events("HP-001", kind, source=None)
                if r["attributes"] == "path=tls"]

    poll()
    u.close()		# the TLS path goes silent; the panel keeps polling
    deadline = time.monotonic() + 15
    while not path_events("PATH_FAULT") and time.monotonic() < deadline:
        poll()
        time.sleep(0.2)
    assert path_events("PATH_FAULT"), "no PATH_FAULT path=tls"
    assert d.events("HP-001", "UNIT_OFFLINE", source=None) == []
    u = d.unit("HP-001")
    u.hello()
    deadline = time.monotonic() + 10
    while not path_events("PATH_RESTORE") and time.monotonic() < deadline:
        poll()
        u.send("HB %d" % seq[0])
        time.sleep(0.2)
    assert path_events("PATH_RESTORE"), "no PATH_RESTORE path=tls"
    p.close()
    u.close()
