"""refugectl: argument handling, init, enroll/revoke, passwd, check, the
read-only views, report figures, the audit walk and the online backup."""

import os
import re
import signal
import sqlite3
import stat
import subprocess

import pytest

from conftest import PKI, SANITIZER_MARKS, build_dir, refuged_path
from helpers import CommandedUnit, raise_alarm, wait_for

ISO = "%Y-%m-%dT%H:%M:%SZ"


def ctl_path():
    path = os.path.join(build_dir(), "refugectl")
    if not os.access(path, os.X_OK):
        pytest.fail("no executable %s (set REFUGE_BUILD to the build directory)" % path)
    return path


def ctl(*args, config=None, stdin=None):
    cmd = [ctl_path()]
    if config is not None:
        cmd += ["-c", config]
    r = subprocess.run(cmd + list(args), capture_output=True, text=True,
                       input=stdin if stdin is not None else "", timeout=30, cwd="/")
    for mark in SANITIZER_MARKS:
        assert mark not in r.stderr, r.stderr
    return r


def init(tmp_path, name="site", units=None):
    directory = str(tmp_path / name)
    args = ["init", directory] + (["--units", str(units)] if units else [])
    r = ctl(*args)
    assert r.returncode == 0, r
    passwords = dict(re.findall(r"^  (alice|bob) \(\w+\)\s+(\S+)$", r.stdout, re.M))
    assert set(passwords) == {"alice", "bob"}, r.stdout
    return directory, passwords


def start_on(make_daemon, directory):
    """Starts refuged on an init set-up, on ports of the system's choosing."""
    path = os.path.join(directory, "refuge.yaml")
    with open(path) as f:
        text = f.read()
    text = text.replace("127.0.0.1:7400", "127.0.0.1:0").replace("127.0.0.1:7401", "127.0.0.1:0")
    with open(path, "w") as f:
        f.write(text)
    d = make_daemon(directory=directory, start=False)
    d.pki = PKI(directory)
    return d.start()


def reload(d, count):
    """SIGHUP, then wait for the count-th reload outcome in the log."""
    d.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: sum(1 for line in d.log_text().splitlines()
                         if "reload: " in line and ("units (" in line or "ERROR" in line))
             >= count, message="reload outcome logged")


# ---- arguments

@pytest.mark.parametrize("args,message", [
    ([], "no command given"),
    (["frobnicate"], "unknown command 'frobnicate'"),
    (["-x", "check"], "unknown option '-x'"),
    (["-c"], "option -c needs a value"),
    (["init"], "refugectl init: where? give the directory"),
    (["init", "/tmp/x", "--units", "0"], "--units wants a number from 1 to 999, not '0'"),
    (["init", "/tmp/x", "--units"], "option --units needs a value"),
    (["init", "/tmp/x", "--unit=3"], "unknown option '--unit'"),
    (["init", "/tmp/x", "/tmp/y"], "unexpected argument '/tmp/y'"),
    (["enroll"], "which unit? give its id"),
    (["enroll", "../etc"], "bad unit id '../etc'"),
    (["enroll", "HP-9", "--lat", "52"], "give --lat and --lon together"),
    (["enroll", "HP-9", "--lat", "95", "--lon", "1"], "--lat wants degrees from -90 to 90"),
    (["revoke"], "which unit? give its id"),
    (["passwd"], "whose password? give the user"),
    (["check", "extra"], "unexpected argument 'extra'"),
    (["history"], "which unit? give its id"),
    (["history", "HP-001", "0"], "N wants a number from 1 to 100000, not '0'"),
    (["report", "--format", "xml"], "--format is text, csv or pdf, not 'xml'"),
    (["report", "--since", "tomorrow"], "--since wants an ISO date or time"),
    (["report", "--format", "pdf", "-o", "x.csv"], "--format pdf and -o x.csv disagree"),
    (["report", "--rows"], "--rows is for --format csv"),
    (["report", "--since", "2026-02-01", "--until", "2026-01-01"],
     "--until must come after --since"),
    (["report", "--format", "csv", "--format", "csv"], "option --format given twice"),
    (["backup"], "where to? give a file name"),
])
def test_usage_errors_exit_2_with_a_precise_message(args, message):
    r = ctl(*args)
    assert r.returncode == 2, r
    assert message in r.stderr, r.stderr
    assert "usage: refugectl" in r.stderr


def test_missing_configuration_is_an_operational_failure(tmp_path):
    r = ctl("check", config=str(tmp_path / "nowhere.yaml"))
    assert r.returncode == 1, r
    assert "nowhere.yaml" in r.stderr


# ---- init, check

def test_init_makes_a_set_up_refuged_accepts(tmp_path):
    directory, passwords = init(tmp_path, units=4)
    for name in ["refuge.yaml", "units.yaml", "ca.crt", "ca.key", "server.crt",
                 "server.key", "units.crl"] + \
            ["units/HP-00%d.%s" % (n, e) for n in range(1, 5) for e in ("crt", "key")]:
        assert os.path.isfile(os.path.join(directory, name)), name
    for key in ["ca.key", "server.key", "units/HP-001.key"]:
        assert stat.S_IMODE(os.stat(os.path.join(directory, key)).st_mode) == 0o600, key
    assert all(len(p) == 16 for p in passwords.values())
    config = os.path.join(directory, "refuge.yaml")
    r = subprocess.run([refuged_path(), "-t", "-c", config], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0, r
    assert "configuration OK: 4 units, 1 sites, 2 operators" in r.stdout
    r = ctl("check", config=config)
    assert r.returncode == 0, r
    assert r.stdout.strip() == "configuration OK: 4 units, 1 sites, 2 operators"
    with open(config) as f:
        text = f.read()
    assert 'units: "127.0.0.1:7400"' in text and 'operators: "127.0.0.1:7401"' in text
    # The certificates chain to the CA, the server one names localhost.
    v = subprocess.run(["openssl", "verify", "-CAfile", os.path.join(directory, "ca.crt"),
                        os.path.join(directory, "server.crt"),
                        os.path.join(directory, "units", "HP-004.crt")],
                       capture_output=True, text=True)
    assert v.returncode == 0, v
    san = subprocess.run(["openssl", "x509", "-noout", "-ext", "subjectAltName", "-in",
                          os.path.join(directory, "server.crt")],
                         capture_output=True, text=True).stdout
    assert "DNS:localhost" in san and "IP Address:127.0.0.1" in san, san
    # A second init refuses and changes nothing.
    before = open(os.path.join(directory, "units.yaml")).read()
    r = ctl("init", directory)
    assert r.returncode == 1, r
    assert "refusing to overwrite" in r.stderr
    assert open(os.path.join(directory, "units.yaml")).read() == before


def test_check_reports_file_line_column(tmp_path):
    directory, _ = init(tmp_path)
    config = os.path.join(directory, "refuge.yaml")
    with open(config, "a") as f:
        f.write("bogus: 1\n")
    r = ctl("check", config=config)
    assert r.returncode == 1, r
    line = sum(1 for _ in open(config))
    assert re.search(r"refuge\.yaml:%d:1: .*bogus" % line, r.stderr), r.stderr


def test_unit_and_operators_from_init_get_in(make_daemon, tmp_path):
    directory, passwords = init(tmp_path)
    d = start_on(make_daemon, directory)
    u = d.unit("HP-003")
    u.hello()
    assert u.event("e1", "TEST") == "ACK e1"
    with d.operator("alice", passwords["alice"]) as op:
        assert len(op.units()) == 3
    with d.operator("bob", passwords["bob"]):
        pass


# ---- enroll and revoke

def test_enroll_and_revoke_round_trip(make_daemon, tmp_path):
    directory, passwords = init(tmp_path)
    registry = os.path.join(directory, "units.yaml")
    config = os.path.join(directory, "refuge.yaml")
    d = start_on(make_daemon, directory)
    # An admin's comment and a last unit left as they were.
    with open(registry) as f:
        text = f.read().replace("units:\n", "units:\n  # the first gate was moved in 2025\n")
    with open(registry, "w") as f:
        f.write(text)
    # As make install leaves it: the service reads it through its group.
    os.chown(registry, 0, 65534)
    os.chmod(registry, 0o640)

    r = ctl("enroll", "HP-010", "--name", 'Bandstand "north"', "--lat", "52.25",
            "--lon", "-0.885", config=config)
    st = os.stat(registry)
    assert (st.st_gid, st.st_mode & 0o777) == (65534, 0o640), (st.st_gid, oct(st.st_mode))
    assert r.returncode == 0, r
    assert os.path.isfile(os.path.join(directory, "units", "HP-010.crt"))
    with open(registry) as f:
        edited = f.read()
    stanza = ('  - id: HP-010\n    name: "Bandstand \\"north\\""\n    site: racecourse\n'
              '    lat: 52.25\n    lon: -0.885\n')
    assert stanza in edited
    assert edited.replace(stanza, "") == text	# nothing else moved
    assert edited.index("HP-003") < edited.index("HP-010") < edited.index("operators:")

    r = ctl("enroll", "HP-010", config=config)
    assert r.returncode == 1 and "already in" in r.stderr, r

    reload(d, 1)	# refuged takes the new unit on SIGHUP
    u = d.unit("HP-010")
    u.hello()
    assert u.event("e1", "TEST") == "ACK e1"

    r = ctl("revoke", "HP-010", config=config)
    assert r.returncode == 0, r
    assert "revoked HP-010" in r.stdout
    r = ctl("revoke", "HP-010", config=config)
    assert r.returncode == 0 and "already revoked" in r.stdout, r
    reload(d, 2)
    d.wait_log("HP-010")
    again = d.unit("HP-010", allow_refusal=True)
    if again.error is None:
        try:
            again.send("HELLO HP-010 1")
        except OSError:
            pass
        assert again.readline() is None, "a revoked unit got a reply"
    d.wait_log("certificate revoked")
    d.unit("HP-001").hello()

    # Revoked is decommissioned: marked in its stanza, listed as such, and
    # not supervised (it does not go offline and escalate for ever).
    with open(registry) as f:
        marked = f.read()
    assert stanza + "    decommissioned: true\n" in marked, marked
    assert marked.replace("    decommissioned: true\n", "") == edited
    r = ctl("units", config=config)
    assert re.search(r"^HP-010 +decommissioned ", r.stdout, re.M), r.stdout
    with d.operator("alice", passwords["alice"]) as op:
        units = op.units()
        assert units["HP-010"]["state"] == "decommissioned", units["HP-010"]

    # Enrolled again: a new key and certificate, the mark cleared, the old
    # pair kept aside; the unit is welcome after a reload.
    r = ctl("enroll", "HP-010", config=config)
    assert r.returncode == 0, r
    assert "enrolled HP-010 again with a new key and certificate" in r.stdout
    assert open(registry).read() == edited
    assert any(n.startswith("HP-010.crt.revoked-")
               for n in os.listdir(os.path.join(directory, "units")))
    reload(d, 3)
    back = d.unit("HP-010")
    back.hello()
    assert back.event("e2", "TEST") == "ACK e2"


def test_enroll_defaults_and_unsafe_registry(tmp_path):
    directory, _ = init(tmp_path)
    config = os.path.join(directory, "refuge.yaml")
    registry = os.path.join(directory, "units.yaml")
    # Only one site: it is the default, and the position is the site's centre.
    r = ctl("enroll", "HP-004", config=config)
    assert r.returncode == 0, r
    assert "at site racecourse" in r.stdout
    assert ctl("check", config=config).returncode == 0
    # A flow-style units list cannot be edited safely: print the stanza.
    with open(registry) as f:
        text = f.read()
    start = text.index("units:\n")
    end = text.index("\n# Control-room")
    flow = text[:start] + 'units: [{id: HP-001, name: "One", site: racecourse, lat: 52, lon: 0}]\n' \
        + text[end:]
    with open(registry, "w") as f:
        f.write(flow)
    r = ctl("enroll", "HP-005", "--name", "Five", config=config)
    assert r.returncode == 1, r
    assert "not changed" in r.stderr and "by hand" in r.stderr
    assert "- id: HP-005\n" in r.stdout and 'name: "Five"' in r.stdout
    assert open(registry).read() == flow
    assert os.path.isfile(os.path.join(directory, "units", "HP-005.crt"))


def test_revoke_without_a_crl(tmp_path):
    directory, _ = init(tmp_path)
    config = os.path.join(directory, "refuge.yaml")
    crl = os.path.join(directory, "units.crl")
    with open(config) as f:
        text = f.read()
    # Named but missing: revoke makes it.
    os.unlink(crl)
    r = ctl("revoke", "HP-002", config=config)
    assert r.returncode == 0, r
    assert "created" in r.stdout and os.path.isfile(crl)
    out = subprocess.run(["openssl", "crl", "-noout", "-text", "-in", crl],
                         capture_output=True, text=True).stdout
    assert out.count("Serial Number:") == 1, out
    # Not named: say how to add one.
    with open(config, "w") as f:
        f.write(text.replace("  crl: units.crl\n", ""))
    r = ctl("revoke", "HP-001", config=config)
    assert r.returncode == 1, r
    assert "names no CRL" in r.stderr and "crl: units.crl" in r.stderr
    # A unit without a certificate.
    with open(config, "w") as f:
        f.write(text)
    r = ctl("revoke", "HP-404", config=config)
    assert r.returncode == 1 and "no certificate for HP-404" in r.stderr, r


# ---- passwd

def test_passwd_print_keeps_the_hash_for_pasting(make_daemon):
    r = ctl("passwd", "dave", "--print", stdin="correct-horse-battery\n")
    assert r.returncode == 0, r
    hashed = r.stdout.strip()
    assert re.fullmatch(r"\$y\$[./A-Za-z0-9]+\$[./A-Za-z0-9]+\$[./A-Za-z0-9]{43}", hashed), hashed
    d = make_daemon(registry={"operators": [
        {"user": "dave", "password": hashed, "role": "operator"}]})
    with d.operator("dave", "correct-horse-battery"):
        pass
    with d.operator(None) as op:
        assert op.login("dave", "wrong-horse-battery").startswith("ERR")


@pytest.mark.parametrize("password,why", [
    ("", "shorter than 12 characters"),
    ("short-one", "shorter than 12 characters"),
    ("password1234", "one of the most common passwords"),
    ("aaaaaaaaaaaaaa", "one character repeated"),
    ("my-alice-password", "it contains the user name"),
])
def test_passwd_refuses_weak_passwords(tmp_path, password, why):
    directory, _ = init(tmp_path)
    config = os.path.join(directory, "refuge.yaml")
    before = open(os.path.join(directory, "units.yaml")).read()
    r = ctl("passwd", "alice", stdin=password + "\n", config=config)
    assert r.returncode == 1 and "password refused: " + why in r.stderr, r
    assert open(os.path.join(directory, "units.yaml")).read() == before


def test_passwd_writes_units_yaml_keeping_its_layout(make_daemon, tmp_path):
    directory, passwords = init(tmp_path)
    config = os.path.join(directory, "refuge.yaml")
    units = os.path.join(directory, "units.yaml")
    with open(units, "a") as f:
        f.write("# kept: a comment at the end\n")
    before = open(units).read()
    r = ctl("passwd", "alice", stdin="a-new-long-passphrase\n", config=config)
    assert r.returncode == 0, r
    assert "reload refuged" in r.stdout
    after = open(units).read()
    # Only alice's password line changed.
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines()) if a != b]
    assert len(changed) == 1 and "password:" in changed[0][1], changed
    assert len(before.splitlines()) == len(after.splitlines())
    r = ctl("passwd", "carol", "--add", "--role", "supervisor",
            stdin="another-long-phrase\n", config=config)
    assert r.returncode == 0, r
    r = ctl("passwd", "bob", "--remove", config=config)
    assert r.returncode == 0, r
    text = open(units).read()
    assert "# kept: a comment at the end" in text
    assert "user: bob" not in text and "user: carol" in text
    d = start_on(make_daemon, directory)
    with d.operator("alice", "a-new-long-passphrase"):
        pass
    with d.operator("carol", "another-long-phrase"):
        pass
    with d.operator(None) as op:
        assert op.login("bob", passwords["bob"]).startswith("ERR")
    with d.operator(None) as op:
        assert op.login("alice", passwords["alice"]).startswith("ERR")


def test_passwd_refusals(tmp_path):
    directory, _ = init(tmp_path)
    config = os.path.join(directory, "refuge.yaml")
    before = open(os.path.join(directory, "units.yaml")).read()
    cases = [
        (["passwd", "nobody"], 1, "no operator nobody in"),
        (["passwd", "alice", "--add", "--role", "operator"], 1, "alice is already an operator"),
        (["passwd", "bob", "--remove"], 1, "bob is the last supervisor"),
        (["passwd", "dave", "--role", "operator"], 2, "--role goes with --add"),
        (["passwd", "dave", "--add"], 2, "--add wants --role operator or --role supervisor"),
        (["passwd", "dave", "--add", "--remove"], 2, "give one of --add, --remove and --print"),
        (["passwd", "da ve"], 2, "bad user name 'da ve'"),
    ]
    for args, code, text in cases:
        r = ctl(*args, stdin="a-long-enough-secret\n", config=config)
        assert r.returncode == code and text in r.stderr, (args, r)
    assert open(os.path.join(directory, "units.yaml")).read() == before


# ---- views, report, verify, backup

@pytest.mark.sqlite_only
def test_views_verify_and_backup_while_running(make_daemon, tmp_path):
    d = make_daemon()
    config = d.config_path
    op = d.operator("alice")
    u = CommandedUnit(d, "HP-002")
    u.hello(fw="2.1")
    a = raise_alarm(op, u, "b1", "BUTTON")
    assert u.event("t1", "TEST") == "ACK t1"

    r = ctl("units", config=config)
    assert r.returncode == 0, r
    row = [l for l in r.stdout.splitlines() if l.startswith("HP-002 ")]
    assert row and " online " in row[0] and "racecourse" in row[0] \
        and "Racecourse Park point 2" in row[0], r.stdout
    assert re.search(r"^HP-005 +unknown +- ", r.stdout, re.M), r.stdout

    r = ctl("alarms", config=config)
    assert r.returncode == 0, r
    lines = r.stdout.splitlines()
    assert lines[0].split()[:4] == ["ID", "PRIO", "STATE", "TYPE"]
    assert lines[1].split()[:6] == [str(a["id"]), "1", "queued", "BUTTON", "HP-002",
                                    "racecourse"], lines

    r = ctl("history", "HP-002", "1", config=config)
    assert r.returncode == 0, r
    lines = r.stdout.splitlines()
    assert len(lines) == 2 and lines[1].split()[1:4] == ["t1", "TEST", "unit"], lines

    assert op.call("CLAIM %d" % a["id"]).startswith("OK")
    assert op.call("RESOLVE %d false reason=accidental" % a["id"]) == "OK"
    rows = d.query("SELECT count(*) FROM audit")[0][0]
    assert rows >= 2
    r = ctl("verify", config=config)
    assert r.returncode == 0, r
    last = d.query("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1")[0]
    assert r.stdout.splitlines()[:2] == ["audit chain intact: %d rows" % rows,
                                         "last row %d hash %s" % (last[0], last[1])]
    assert re.fullmatch(r"records intact: \d+ rows of events, alarms, notes and commands "
                        r"match their seals", r.stdout.splitlines()[2]), r.stdout

    backup = str(tmp_path / "copy.db")
    r = ctl("backup", backup, config=config)
    assert r.returncode == 0, r
    assert os.stat(backup).st_mode & 0o777 == 0o600
    conn = sqlite3.connect(backup)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        ids = [x[0] for x in conn.execute(
            "SELECT unit_event_id FROM events WHERE unit_id = 'HP-002' AND source = 'unit' "
            "ORDER BY id")]
        assert ids == ["b1", "t1"], ids
    finally:
        conn.close()
    r = ctl("backup", backup, config=config)
    assert r.returncode == 1 and "exists" in r.stderr, r

    # Tampering with one row breaks the chain there.
    d.stop()
    conn = sqlite3.connect(d.db_path)
    with conn:
        conn.execute("UPDATE audit SET detail = detail || ' (edited)' WHERE id = 2")
    conn.close()
    r = ctl("verify", config=config)
    assert r.returncode == 1, r
    assert r.stdout.startswith("audit chain broken at row 2: "), r.stdout


def ms(text):
    import calendar
    import time
    return calendar.timegm(time.strptime(text, ISO)) * 1000


# (unit, type, raised, seconds to claim or None, seconds to resolve or None,
#  outcome, reason, action)
REPORT_ROWS = [
    ("HP-001", "BUTTON", "2026-01-05T08:00:00Z", 10, 60, "false", "accidental", None),
    ("HP-001", "BUTTON", "2026-01-05T08:30:00Z", 20, 120, "false", "accidental", None),
    ("HP-001", "BUTTON", "2026-01-05T09:10:00Z", 25, 300, "genuine", None, "police"),
    ("HP-002", "BUTTON", "2026-01-05T09:20:00Z", 70, 100, "false", "misuse", None),
    ("HP-002", "TAMPER", "2026-01-05T22:05:00Z", 5, 30, "false", "fault", None),
    ("HP-002", "BUTTON", "2026-01-06T22:30:00Z", None, None, None, None, None),
    ("HP-001", "BUTTON", "2026-02-01T00:00:00Z", 3, 30, "false", "test", None),
    ("HP-003", "BUTTON", "2025-12-31T23:59:59Z", 3, 30, "false", "test", None),
]


def fill_report_rows(path):
    conn = sqlite3.connect(path)
    with conn:
        for n, (unit, type_, raised, claim, resolve, outcome, reason, action) in \
                enumerate(REPORT_ROWS):
            t = ms(raised)
            cur = conn.execute(
                "INSERT INTO events (unit_id, unit_event_id, type, priority, source, "
                "received_ms) VALUES (?, ?, ?, 1, 'unit', ?)", (unit, "r%d" % n, type_, t))
            conn.execute(
                "INSERT INTO alarms (event_id, unit_id, site_id, type, priority, state, "
                "raised_ms, first_claimed_ms, resolved_ms, resolved_by, outcome, reason, "
                "action) VALUES (?, ?, 'racecourse', ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)",
                (cur.lastrowid, unit, type_, "resolved" if outcome else "queued", t,
                 t + claim * 1000 if claim is not None else None,
                 t + resolve * 1000 if resolve is not None else None,
                 "alice" if outcome else None, outcome, reason, action))
    conn.close()


@pytest.mark.sqlite_only
def test_report_figures(make_daemon):
    d = make_daemon()
    d.stop()
    fill_report_rows(d.db_path)
    with open(d.config_path, "a") as f:
        f.write("timezone: Europe/London\n")
    window = ["--since", "2026-01-01", "--until", "2026-01-31"]
    r = ctl("report", "--format", "csv", *window, config=d.config_path)
    assert r.returncode == 0, r
    lines = r.stdout.splitlines()
    assert lines[0] == "section,key,value"
    rows = {}
    for line in lines[1:]:
        section, key, value = line.split(",")
        rows[(section, key)] = value
    expect = {
        ("period", "since"): "2026-01-01 00:00:00",
        ("period", "until"): "2026-02-01 00:00:00",
        ("period", "timezone"): "Europe/London",
        ("total", "alarms"): "6",
        # Activations are BUTTON alarms; the TAMPER is technical, apart.
        ("activations", "total"): "5", ("activations", "genuine"): "1",
        ("activations", "false"): "3", ("activations", "open"): "1",
        ("activations", "never_claimed"): "1",
        ("technical", "total"): "1", ("technical", "open"): "0",
        ("technical_type", "TAMPER"): "1",
        ("false_reason", "accidental"): "2", ("false_reason", "misuse"): "1",
        ("genuine_action", "police"): "1",
        ("site_activations", "racecourse"): "5", ("site_technical", "racecourse"): "1",
        ("unit_activations", "HP-001"): "3", ("unit_genuine", "HP-001"): "1",
        ("unit_false", "HP-001"): "2", ("unit_open", "HP-001"): "0",
        ("unit_activations", "HP-002"): "2", ("unit_genuine", "HP-002"): "0",
        ("unit_false", "HP-002"): "1", ("unit_open", "HP-002"): "1",
        ("unit_technical", "HP-002"): "1",
        ("hour", "08"): "2", ("hour", "09"): "2", ("hour", "22"): "1", ("hour", "00"): "0",
        ("weekday_hour", "Mon 08"): "2", ("weekday_hour", "Tue 22"): "1",
        ("week", "2025-12-29"): "0", ("week", "2026-01-05"): "5", ("week", "2026-01-26"): "0",
        # The alarm never claimed counts with its wait up to --until (25 days
        # 1.5 h): leaving it out would have shown the 80% target met.
        ("to_claim", "count"): "6", ("to_claim", "p50_ms"): "20000",
        ("to_claim", "p80_ms"): "70000", ("to_claim", "p98.5_ms"): "2165400000",
        ("to_claim", "max_ms"): "2165400000", ("to_claim", "within_30s"): "0.6667",
        ("to_claim", "within_60s"): "0.6667",
        ("to_resolve", "count"): "5", ("to_resolve", "p50_ms"): "100000",
        ("to_resolve", "p80_ms"): "120000", ("to_resolve", "p98.5_ms"): "300000",
        ("to_resolve", "max_ms"): "300000",
        ("target", "claim_80pct_within_30s"): "NOT met",
        ("target", "claim_98.5pct_within_60s"): "NOT met",
    }
    for k, v in expect.items():
        assert rows.get(k) == v, (k, rows.get(k), r.stdout)
    assert ("unit_activations", "HP-003") not in rows
    assert ("false_reason", "fault") not in rows
    assert sum(int(rows[("hour", "%02d" % h)]) for h in range(24)) == 5
    assert len([k for k in rows if k[0] == "week"]) == 5

    r = ctl("report", *window, config=d.config_path)
    assert r.returncode == 0, r
    text = r.stdout
    assert re.search(r"^activations \(BUTTON presses\) +5$", text, re.M), text
    assert re.search(r"^alarms 6$", text, re.M), text
    assert re.search(r"^  HP-002 +2 +0 +1 +1 +1$", text, re.M), text
    assert "median 20.0s  80% 70.0s  98.5% 2165400.0s  max 2165400.0s" in text
    assert "never claimed and waiting over 60 s: 1" in text
    assert "EN 50518 80% within 30 s: 66.7% within, NOT met" in text
    assert "EN 50518 98.5% within 60 s: 66.7% within, NOT met" in text

    # No window: every row, the two outside January too.
    r = ctl("report", "--format=csv", config=d.config_path)
    assert r.returncode == 0, r
    assert "total,alarms,8" in r.stdout.splitlines()


def test_init_refuses_to_overwrite_a_units_file_and_removes_nothing(tmp_path):
    directory = str(tmp_path / "site")
    os.makedirs(os.path.join(directory, "units"))
    mine = os.path.join(directory, "units", "HP-002.crt")
    with open(mine, "w") as f:
        f.write("an admin's own file\n")
    r = ctl("init", directory, "--units", "3")
    assert r.returncode == 1, r
    assert "HP-002" in r.stderr
    with open(mine) as f:
        assert f.read() == "an admin's own file\n"
    assert sorted(os.listdir(os.path.join(directory, "units"))) == ["HP-002.crt"]
