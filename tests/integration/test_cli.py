"""Start-up, -t, -V and SIGTERM."""

import os
import re
import socket
import subprocess

import pytest

from conftest import ROOT, default_config, default_registry, merge, refuged_path, \
    to_yaml, yaml_line_of


def run_refuged(*args):
    return subprocess.run([refuged_path()] + list(args), capture_output=True, text=True,
                          timeout=30, cwd="/")


def write_files(tmp_path, pki, password_hash, config=None, registry_text=None):
    cfg = to_yaml(merge(default_config(pki), config or {}))
    (tmp_path / "refuge.yaml").write_text(cfg)
    reg = registry_text if registry_text is not None else to_yaml(default_registry(password_hash))
    (tmp_path / "units.yaml").write_text(reg)
    return str(tmp_path / "refuge.yaml"), cfg


def error_lines(text):
    """(file, line, column, message) for each file:line:column: message line."""
    return [(m.group(1), int(m.group(2)), int(m.group(3)), m.group(4))
            for m in re.finditer(r"^(.*?):(\d+):(\d+): (.+)$", text, re.M)]


def test_version_prints_name_and_version():
    r = run_refuged("-V")
    assert r.returncode == 0, r
    out = (r.stdout + r.stderr).strip()
    m = re.fullmatch(r"refuged (\S+)", out)
    assert m, out
    with open(os.path.join(ROOT, "Makefile")) as f:
        made = re.search(r"^VERSION\s*=\s*(\S+)", f.read(), re.M)
    if made:
        assert m.group(1) == made.group(1)


@pytest.mark.parametrize("program", ["refuged", "refugectl", "refuge-console", "refuge-sim"])
def test_every_program_answers_help_and_version(program):
    path = os.path.join(os.path.dirname(refuged_path()), program)
    with open(os.path.join(ROOT, "Makefile")) as f:
        version = re.search(r"^VERSION\s*=\s*(\S+)", f.read(), re.M).group(1)
    r = subprocess.run([path, "--help"], capture_output=True, text=True, timeout=30,
                       stdin=subprocess.DEVNULL, cwd="/")
    assert r.returncode == 0, r
    assert r.stdout.startswith("usage: %s" % program), r.stdout
    assert r.stderr == "", r.stderr
    r = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30,
                       stdin=subprocess.DEVNULL, cwd="/")
    assert r.returncode == 0 and r.stdout.strip() == "%s %s" % (program, version), r
    r = subprocess.run([path, "--no-such-option"], capture_output=True, text=True,
                       timeout=30, stdin=subprocess.DEVNULL, cwd="/")
    assert r.returncode != 0 and r.stdout == "" and r.stderr != "", r


def test_check_good_configuration(tmp_path, pki, password_hash):
    path, _ = write_files(tmp_path, pki, password_hash)
    r = run_refuged("-t", "-c", path)
    assert r.returncode == 0, r
    assert "configuration OK" in r.stdout + r.stderr


def test_check_bad_value_reports_file_line_column(tmp_path, pki, password_hash):
    path, text = write_files(tmp_path, pki, password_hash,
                             config={"supervision": {"heartbeat": "30s", "missed": "banana"}})
    r = run_refuged("-t", "-c", path)
    assert r.returncode == 1, r
    assert "configuration OK" not in r.stdout + r.stderr
    errors = error_lines(r.stderr)
    assert errors, r.stderr
    want = yaml_line_of(text, "missed: banana")
    assert any(os.path.basename(f) == "refuge.yaml" and line == want and col >= 1
               for f, line, col, _ in errors), (want, r.stderr)


def test_check_reports_every_error(tmp_path, pki, password_hash):
    path, text = write_files(tmp_path, pki, password_hash, config={
        "supervision": {"heartbeat": "soon", "missed": 3},
        "log": {"level": "chatty"}})
    r = run_refuged("-t", "-c", path)
    assert r.returncode == 1, r
    lines = {line for f, line, _, _ in error_lines(r.stderr)
             if os.path.basename(f) == "refuge.yaml"}
    assert yaml_line_of(text, "heartbeat: soon") in lines, r.stderr
    assert yaml_line_of(text, "level: chatty") in lines, r.stderr


def test_check_bad_registry_reports_its_line(tmp_path, pki, password_hash):
    reg = default_registry(password_hash)
    reg["units"][2]["site"] = "nowhere"
    text = to_yaml(reg)
    path, _ = write_files(tmp_path, pki, password_hash, registry_text=text)
    r = run_refuged("-t", "-c", path)
    assert r.returncode == 1, r
    want = yaml_line_of(text, "site: nowhere")
    assert any(os.path.basename(f) == "units.yaml" and line == want
               for f, line, _, _ in error_lines(r.stderr)), (want, r.stderr)


def test_start_with_bad_configuration_fails(tmp_path, pki, password_hash):
    path, text = write_files(tmp_path, pki, password_hash,
                             config={"listen": {"units": "127.0.0.1:notaport"}})
    r = run_refuged("-c", path)
    assert r.returncode != 0, r
    want = yaml_line_of(text, "notaport")
    assert any(line == want for _, line, _, _ in error_lines(r.stderr)), r.stderr


def test_ready_line_names_listening_ports(daemon):
    # The fixture parsed the ports from the ready line; both must accept.
    for port in (daemon.units_port, daemon.operators_port):
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
    assert daemon.units_port != daemon.operators_port


@pytest.mark.sqlite_only
def test_database_is_relative_to_configuration(daemon):
    # The daemon runs with cwd "/", so refuge.db must land beside refuge.yaml.
    assert os.path.exists(daemon.db_path)
    rows = daemon.query("SELECT name FROM sqlite_master WHERE type = 'table'")
    assert {"units", "events"} <= {r["name"] for r in rows}
    assert daemon.query("PRAGMA journal_mode")[0][0].lower() == "wal"


def test_sigterm_exits_zero(daemon):
    assert daemon.stop() == 0


def test_sigterm_with_units_connected_exits_zero(daemon):
    a = daemon.unit("HP-001")
    a.hello()
    b = daemon.unit("HP-002")
    b.hello()
    b.send("EVENT t1 TEST")
    assert b.readline() == "ACK t1"
    assert daemon.stop() == 0
    a.expect_eof()
    b.expect_eof()


@pytest.mark.refuge(config={"tls": {"min_version": "1.2"}})
def test_min_version_12_accepts_tls12(daemon):
    import ssl
    u = daemon.unit("HP-001", max_version=ssl.TLSVersion.TLSv1_2)
    assert u.tls_version == "TLSv1.2"
    u.hello()
    u.send("HB 1")
    assert u.readline() == "HBACK 1"
