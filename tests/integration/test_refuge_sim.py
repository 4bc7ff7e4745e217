"""refuge-sim: argument errors, a short load run, retransmission across a
receiver restart, minted identities, and the interactive mode fed by a pipe."""

import json
import os
import socket
import subprocess
import time

import pytest

from conftest import build_dir, default_config, default_registry, merge, refuged_path, \
    to_yaml
from helpers import wait_for

SIM_TIMEOUT = 60


def sim_path():
    path = os.path.join(build_dir(), "refuge-sim")
    if not os.access(path, os.X_OK):
        pytest.fail("no executable %s (set REFUGE_BUILD to the build directory)" % path)
    return path


def run_sim(*args, input=None, timeout=SIM_TIMEOUT):
    return subprocess.run([sim_path()] + [str(a) for a in args], input=input,
                          capture_output=True, text=True, timeout=timeout, cwd="/")


def check_clean(r):
    for mark in ("ERROR: AddressSanitizer", "runtime error:", "LeakSanitizer"):
        assert mark not in r.stderr, r.stderr


def units_dir(tmp_path, pki, ids):
    """A directory holding only the given units' certificate pairs."""
    d = tmp_path / "sim-units"
    d.mkdir(exist_ok=True)
    for uid in ids:
        for ext in ("crt", "key"):
            link = d / ("%s.%s" % (uid, ext))
            if not link.exists():
                os.symlink(os.path.join(pki.dir, "units", "%s.%s" % (uid, ext)), str(link))
    return str(d)


def target(daemon):
    return "127.0.0.1:%d" % daemon.units_port


def summary(r):
    check_clean(r)
    assert r.returncode == 0, r.stderr
    lines = [l for l in r.stdout.splitlines() if l.startswith("{")]
    assert len(lines) == 1, r.stdout
    return json.loads(lines[0])


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ---- arguments

@pytest.mark.parametrize("args, message", [
    ([], "-H host:port is required"),
    (["-H", "nonsense"], "not host:port"),
    (["-H", "127.0.0.1:1", "--press-rate", "banana"], "bad rate"),
    (["-H", "127.0.0.1:1", "--press-rate", "-1/s"], "bad rate"),
    (["-H", "127.0.0.1:1", "--events", "SMOKE=1/s"], "unknown event type"),
    (["-H", "127.0.0.1:1", "--events", "UNIT_OFFLINE=1/s"], "unknown event type"),
    (["-H", "127.0.0.1:1", "--events", "TAMPER"], "TYPE=rate"),
    (["-H", "127.0.0.1:1", "--count", "0"], "--count"),
    (["-H", "127.0.0.1:1", "--duration", "soon"], "bad duration"),
    (["-H", "127.0.0.1:1", "--id-format", "HP-%s"], "--id-format"),
    (["-H", "127.0.0.1:1", "--issuer-cert", "/x"], "go together"),
    (["-H", "127.0.0.1:1", "--source-addrs", "127.0.0.9-127.0.0.1"], "bad range"),
    (["-H", "127.0.0.1:1", "--unit", "HP-001", "--count", "2"], "--unit runs one unit"),
    (["-H", "127.0.0.1:1", "--bogus"], "usage"),
    (["-H", "127.0.0.1:1"], "--units DIR is required"),
])
def test_argument_errors(args, message):
    r = run_sim(*args)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert message in r.stderr, r.stderr
    assert r.stdout == ""


def test_units_dir_problems(tmp_path, pki):
    r = run_sim("-H", "127.0.0.1:1", "--units", str(tmp_path / "missing"))
    assert r.returncode == 1 and "missing" in r.stderr, r.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    r = run_sim("-H", "127.0.0.1:1", "--units", str(empty))
    assert r.returncode == 1 and "no <unit-id>.crt" in r.stderr, r.stderr
    d = units_dir(tmp_path, pki, ["HP-001", "HP-002"])
    r = run_sim("-H", "127.0.0.1:1", "--units", d, "--count", "5")
    assert r.returncode == 1 and "holds 2 certificate pair(s)" in r.stderr, r.stderr


def test_version():
    r = run_sim("-V")
    assert r.returncode == 0 and r.stdout.startswith("refuge-sim "), r


def test_print_registry_is_a_valid_registry(tmp_path, pki, password_hash):
    r = run_sim("--print-registry", "50", "--id-format", "LT-%05d")
    assert r.returncode == 0, r.stderr
    assert "id: LT-00001" in r.stdout and "id: LT-00050" in r.stdout
    (tmp_path / "units.yaml").write_text(r.stdout)
    (tmp_path / "refuge.yaml").write_text(to_yaml(default_config(pki)))
    c = subprocess.run([refuged_path(), "-t", "-c", str(tmp_path / "refuge.yaml")],
                       capture_output=True, text=True, timeout=30)
    assert c.returncode == 0, c.stderr
    assert "50 units" in c.stdout + c.stderr


# ---- against a live receiver

def test_short_run_every_event_acked_once(daemon, pki, tmp_path):
    ids = ["HP-001", "HP-002", "HP-003"]
    d = units_dir(tmp_path, pki, ids)
    r = run_sim("-H", target(daemon), "--units", d, "--ca", pki.ca, "--count", 3,
                "--press-rate", "5/s", "--duration", "3s", "--json")
    s = summary(r)
    assert s["units"] == 3 and s["handshakes"] == 3
    assert s["events_sent"] > 0
    assert s["events_acked"] == s["events_sent"] == s["events_generated"]
    assert s["events_pending"] == 0
    assert s["naks"] == 0 and s["errors"] == 0 and s["denied"] == 0
    assert s["ack_latency_ms"]["count"] == s["events_acked"]
    assert 0 < s["ack_latency_ms"]["p50"] <= s["ack_latency_ms"]["p99"] <= \
        s["ack_latency_ms"]["max"]
    rows = daemon.events(type_="BUTTON")
    assert len(rows) == s["events_acked"]
    assert len({(row["unit_id"], row["unit_event_id"]) for row in rows}) == len(rows)
    assert {row["unit_id"] for row in rows} <= set(ids)
    # Each unit said who it is.
    wait_for(lambda: daemon.find_log("unit=HP-001", "fw=refuge-sim/"))


def test_events_made_while_the_receiver_is_down_arrive_once(make_daemon, pki, tmp_path):
    port = free_port()
    d = make_daemon(config={"listen": {"units": "127.0.0.1:%d" % port}})
    udir = units_dir(tmp_path, pki, ["HP-001", "HP-002"])
    proc = subprocess.Popen(
        [sim_path(), "-H", "127.0.0.1:%d" % port, "--units", udir, "--ca", pki.ca,
         "--press-rate", "4/s", "--even", "--duration", "12s", "--drain", "15s",
         "--retry", "2s", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd="/")
    try:
        wait_for(lambda: len(d.events(type_="BUTTON")) >= 2, timeout=10)
        d.kill()
        down_ms = int(time.time() * 1000)
        time.sleep(2.5)
        up_ms = int(time.time() * 1000)
        d = make_daemon(directory=d.dir)
        out, err = proc.communicate(timeout=SIM_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    r = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    s = summary(r)
    assert s["events_pending"] == 0 and s["naks"] == 0 and s["errors"] == 0
    assert s["events_acked"] == s["events_generated"]
    assert s["reconnects"] >= 2 and s["handshakes"] >= 4
    rows = d.events(type_="BUTTON")
    assert len(rows) == s["events_acked"]
    assert len({(row["unit_id"], row["unit_event_id"]) for row in rows}) == len(rows)
    # Events the units made while the receiver was down were stored after it came back.
    late = [row for row in rows if down_ms < row["unit_time_ms"] < up_ms]
    assert late, rows
    assert all(row["received_ms"] >= up_ms - 1000 for row in late)


def test_issued_identities_for_a_generated_registry(make_daemon, pki, password_hash):
    reg = subprocess.run([sim_path(), "--print-registry", "3", "--id-format", "SIM-%03d"],
                         capture_output=True, text=True, check=True).stdout
    d = make_daemon(start=False)
    with open(d.registry_path, "w") as f:
        f.write(reg)
    d.start()
    r = run_sim("-H", target(d), "--ca", pki.ca, "--issuer-cert", pki.ca,
                "--issuer-key", os.path.join(pki.dir, "ca.key"), "--count", 3,
                "--id-format", "SIM-%03d", "--press-rate", "5/s", "--duration", "2s",
                "--json")
    s = summary(r)
    assert s["handshakes"] == 3 and s["denied"] == 0
    assert s["events_acked"] == s["events_generated"]
    assert len(d.events(type_="BUTTON")) == s["events_acked"]


def test_shared_certificate_is_denied_for_other_ids(daemon, pki, tmp_path):
    d = units_dir(tmp_path, pki, ["HP-001"])
    r = run_sim("-H", target(daemon), "--units", d, "--ca", pki.ca,
                "--insecure-shared-cert", "--id-format", "HP-%03d", "--count", 2,
                "--duration", "1500ms", "--json")
    s = summary(r)
    # HP-001 matches the certificate; refuged checks CN = unit id for HP-002.
    assert s["handshakes"] == 1 and s["denied"] >= 1
    assert "DENIED unit id does not match certificate" in r.stderr


def test_wrong_ca_fails_the_handshake(daemon, pki, tmp_path):
    d = units_dir(tmp_path, pki, ["HP-001"])
    r = run_sim("-H", target(daemon), "--units", d,
                "--ca", os.path.join(pki.dir, "other-ca.crt"), "--duration", "1s", "--json")
    s = summary(r)
    assert s["handshakes"] == 0 and s["connect_failures"] >= 1
    assert "connection failed" in r.stderr


def test_interactive_unit_from_a_pipe(daemon, pki, tmp_path):
    d = units_dir(tmp_path, pki, ["HP-001"])
    r = run_sim("--unit", "HP-001", "-H", target(daemon), "--units", d, "--ca", pki.ca,
                input="b\nq\n", timeout=30)
    check_clean(r)
    assert r.returncode == 0, r.stderr
    assert "playing unit HP-001" in r.stdout
    assert "ACK BUTTON HP-001-" in r.stdout, r.stdout
    assert "LIGHT FLASH" in r.stdout, r.stdout
    assert "light: FLASH" in r.stdout and "camera: preset 2" in r.stdout, r.stdout
    rows = daemon.events(unit_id="HP-001", type_="BUTTON")
    assert len(rows) == 1
    # The commands were answered and the unit's state stored.
    wait_for(lambda: daemon.find_log("unit=HP-001", "done"))
