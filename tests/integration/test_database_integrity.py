"""A damaged database is never served: refused before anything is written
(an empty file, a foreign file, a newer schema), checked before serving after
an unclean stop, checked while serving after a clean one (then the receiver
stops acknowledging and says why); refugectl check --database and restore;
a new database is 0600 whatever the umask."""

import os
import random
import re
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from conftest import SANITIZER_MARKS, build_dir, refuged_path

pytestmark = pytest.mark.sqlite_only	# about the SQLite file itself

METRICS = {"listen": {"metrics": "127.0.0.1:0"}}
# 16 KiB of garbage at 256 KiB: four pages (of 4 KiB) in the middle of the
# events (FILL of them make about 1 MiB). Lower, the garbage would hit the
# schema's last tables, the run marker's among them (pages 17 to 19).
DAMAGE_AT = 256 * 1024
DAMAGE_LEN = 16 * 1024
FILL = 10000


def ctl(*args, config=None):
    path = os.path.join(build_dir(), "refugectl")
    if not os.access(path, os.X_OK):
        pytest.fail("no executable %s (set REFUGE_BUILD to the build directory)" % path)
    cmd = [path] + (["-c", config] if config else []) + list(args)
    r = subprocess.run(cmd, capture_output=True, text=True, input="", timeout=120, cwd="/")
    for mark in SANITIZER_MARKS:
        assert mark not in r.stderr, r.stderr
    return r


def start_refused(d):
    """Runs refuged on d's set-up, which must refuse to start; its output."""
    try:
        r = subprocess.run([refuged_path(), "-c", d.config_path], capture_output=True,
                           text=True, timeout=60, cwd="/", stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        pytest.fail("refuged did not refuse to start; it ran:\n%s" % (e.stdout or ""))
    out = r.stdout + r.stderr
    for mark in SANITIZER_MARKS:
        assert mark not in out, out
    assert r.returncode == 1, out
    assert "ready units=" not in out, out
    return out


def fill_events(path, count):
    """Rows straight into the database, so that it spans many pages."""
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO events (unit_id, unit_event_id, type, priority, source, "
            "received_ms, attributes) VALUES ('HP-005', ?, 'TEST', 5, 'unit', ?, "
            "'zone=gate')", [("f%d" % n, 1700000000000 + n) for n in range(count)])
    conn.close()
    assert not os.path.exists(path + "-wal"), "the filler left a WAL behind"


def damage(path):
    """Random bytes (of a fixed seed) over four pages in the middle of the file."""
    assert os.path.getsize(path) > DAMAGE_AT + DAMAGE_LEN, os.path.getsize(path)
    junk = random.Random(6).randbytes(DAMAGE_LEN)
    with open(path, "r+b") as f:
        f.seek(DAMAGE_AT)
        f.write(junk)
    return junk


def read(path):
    with open(path, "rb") as f:
        return f.read()


def healthz(d):
    port = int(re.search(r"metrics=127\.0\.0\.1:(\d+)",
                         d.wait_log("ready ", "metrics=")).group(1))
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port,
                                    timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def no_ack(unit, event_id, wait):
    """Reads the unit's lines for wait seconds: no ACK of event_id among them."""
    deadline = time.monotonic() + wait
    seen = []
    while time.monotonic() < deadline:
        try:
            line = unit.readline(max(0.05, deadline - time.monotonic()))
        except AssertionError:
            break
        if line is None:
            break
        seen.append(line)
    assert "ACK %s" % event_id not in seen, seen


def test_damage_after_unclean_stop_refuses_start(make_daemon):
    d = make_daemon()
    d.stop()
    fill_events(d.db_path, FILL)
    d.start()
    d.wait_log("database: integrity check ok")
    d.kill()	# an unclean stop: the run is still marked in the file
    junk = damage(d.db_path)
    before = read(d.db_path)

    out = start_refused(d)
    assert "was not stopped cleanly" in out, out
    line = [l for l in out.splitlines() if "database damaged" in l]
    assert line, out
    assert d.db_path in line[0] and "after an unclean stop" in line[0], line[0]
    assert 'restore the latest backup with "refugectl restore FILE"' in line[0], line[0]
    # Nothing was written to it: the damage is still there, byte for byte.
    after = read(d.db_path)
    assert after == before
    assert after[DAMAGE_AT:DAMAGE_AT + DAMAGE_LEN] == junk


def test_damage_after_clean_stop_found_while_serving(make_daemon):
    d = make_daemon(config=METRICS)
    d.stop()
    fill_events(d.db_path, FILL)
    damage(d.db_path)	# after a clean stop: the file looks clean

    d.start()
    d.wait_log("database: last stopped cleanly")
    found = d.wait_log("integrity check found damage", timeout=15)
    assert 'refugectl restore FILE' in found, found
    # Operators, /healthz and the log say why; nothing is acknowledged.
    op = d.operator("alice")
    push = op.wait_push("* RECEIVER active store=failing", "database damaged: ")
    assert push.startswith('* RECEIVER active store=failing "database damaged: '), push
    status, body = healthz(d)
    assert status == 503 and body.startswith("database damaged: "), (status, body)
    u = d.unit("HP-001")
    u.hello()
    u.send("EVENT x1 TEST")
    no_ack(u, "x1", 1.0)
    d.wait_log("store: write failed, nothing acknowledged", "database damaged: ")
    # A press is still shown to operators, as not stored; not acknowledged.
    u.send("EVENT x2 BUTTON")
    op.wait_push("* ALARM ", "unit=HP-001", "type=BUTTON", "stored=no")
    no_ack(u, "x2", 1.0)
    assert d.stop() == 0
    # The clean stop is not recorded in a damaged file: the next start checks it.
    out = start_refused(d)
    assert "database damaged" in out and "refugectl restore FILE" in out, out


def test_failed_start_is_no_unclean_stop(make_daemon):
    """A start refused after the database was opened (here: the units'
    address is taken) served nothing: the next start need not check first."""
    d = make_daemon()
    assert d.stop() == 0
    with open(d.config_path) as f:
        good = f.read()
    taken = socket.socket()
    try:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with open(d.config_path, "w") as f:
            f.write(re.sub(r"(?m)^(  units: ).*$", r"\g<1>127.0.0.1:%d" % port, good))
        out = start_refused(d)
        assert "127.0.0.1:%d" % port in out, out
    finally:
        taken.close()
    with open(d.config_path, "w") as f:
        f.write(good)
    again = make_daemon(directory=d.dir)
    again.wait_log("database: last stopped cleanly")
    assert again.find_log("not stopped cleanly") is None, again.log_text()


def test_empty_database_file_is_refused(make_daemon):
    d = make_daemon(start=False)
    open(d.db_path, "w").close()
    out = start_refused(d)
    assert d.db_path in out and "empty file (0 bytes)" in out, out
    assert 'restore the latest backup with "refugectl restore FILE"' in out, out
    assert os.path.getsize(d.db_path) == 0
    assert not os.path.exists(d.db_path + "-wal")


def test_foreign_file_is_refused(make_daemon):
    d = make_daemon(start=False)
    text = b"these are not the droids you are looking for\n" * 100
    with open(d.db_path, "wb") as f:
        f.write(text)
    out = start_refused(d)
    assert "not an SQLite database" in out and "refugectl restore FILE" in out, out
    assert read(d.db_path) == text


def test_newer_schema_is_refused_and_left_byte_for_byte(make_daemon):
    d = make_daemon(start=False)
    conn = sqlite3.connect(d.db_path)
    conn.execute("CREATE TABLE from_the_future (x)")
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    before = read(d.db_path)
    assert before[18:20] == b"\x01\x01", before[18:20]	# rollback journal

    out = start_refused(d)
    after = read(d.db_path)
    assert after[18:20] == b"\x01\x01", "switched to WAL (%r) before refusing" % after[18:20]
    assert after == before
    assert not os.path.exists(d.db_path + "-wal")
    assert "schema version 99 is newer" in out and "refugectl restore FILE" in out, out


def test_refugectl_check_database(make_daemon):
    d = make_daemon()
    # Beside a running refuged: a WAL reader of its own.
    r = ctl("check", "--database", config=d.config_path)
    assert r.returncode == 0, r
    assert "database %s: OK (PRAGMA quick_check" % d.db_path in r.stdout, r.stdout
    d.stop()
    fill_events(d.db_path, FILL)
    r = ctl("check", "--database", config=d.config_path)
    assert r.returncode == 0, r
    damage(d.db_path)
    r = ctl("check", "--database", config=d.config_path)
    assert r.returncode == 1, r
    assert "database %s: DAMAGED: " % d.db_path in r.stdout, r.stdout
    assert "refugectl restore FILE" in r.stdout, r.stdout
    # Without --database the configuration alone is checked, as before.
    r = ctl("check", config=d.config_path)
    assert r.returncode == 0 and "database" not in r.stdout, r


def test_refugectl_restore(make_daemon):
    d = make_daemon()
    u = d.unit("HP-001")
    u.hello()
    assert u.event("r1", "TEST") == "ACK r1"
    backup = os.path.join(d.dir, "backup.db")
    r = ctl("backup", backup, config=d.config_path)
    assert r.returncode == 0, r
    assert u.event("r2", "TEST") == "ACK r2"
    u.close()

    # Refused while refuged runs: it holds the database's lock.
    r = ctl("restore", backup, config=d.config_path)
    assert r.returncode == 1, r
    assert "in use" in r.stderr and "stop refuged first" in r.stderr, r.stderr
    assert d.stop() == 0
    assert [e["unit_event_id"] for e in d.events("HP-001")] == ["r1", "r2"]

    # A damaged backup is refused too; the database stays as it is.
    bad = os.path.join(d.dir, "bad.db")
    with open(bad, "wb") as f:
        f.write(b"\0" * 8192)
    r = ctl("restore", bad, config=d.config_path)
    assert r.returncode == 1 and "not an SQLite database" in r.stderr, r
    assert [e["unit_event_id"] for e in d.events("HP-001")] == ["r1", "r2"]

    r = ctl("restore", backup, config=d.config_path)
    assert r.returncode == 0, r
    assert "start refuged" in r.stdout, r.stdout
    assert os.stat(d.db_path).st_mode & 0o777 == 0o600
    for suffix in ("-wal", "-shm"):
        assert not os.path.exists(d.db_path + suffix), suffix
    assert [n for n in os.listdir(d.dir) if ".restore-" in n] == []

    again = make_daemon(directory=d.dir)
    assert [e["unit_event_id"] for e in again.events("HP-001")] == ["r1"]
    v = again.unit("HP-001")
    v.hello()
    assert v.event("r3", "TEST") == "ACK r3"


def test_database_is_0600_with_umask_022(make_daemon):
    old = os.umask(0o022)
    try:
        d = make_daemon()
    finally:
        os.umask(old)
    assert os.stat(d.db_path).st_mode & 0o777 == 0o600
    u = d.unit("HP-001")
    u.hello()
    assert u.event("m1", "TEST") == "ACK m1"
    assert os.path.exists(d.db_path + "-wal")
    assert os.stat(d.db_path + "-wal").st_mode & 0o777 == 0o600
    # A file made open to all by an older release is left, but named.
    assert d.stop() == 0
    os.chmod(d.db_path, 0o644)
    again = make_daemon(directory=d.dir)
    again.wait_log("is readable by other users (mode 0644)", "chmod 600")
