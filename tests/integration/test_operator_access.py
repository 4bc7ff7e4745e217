"""Faults and hostile peers on the operator port: weak password hashes,
links that never log in, guessing, a flood of LOGINs, user names logged in
clear, and a console's output bound against a large ALARMS reply."""

import os
import signal
import subprocess

import pytest

from conftest import default_config, default_registry, merge, refuged_path, to_yaml
from helpers import wait_for

pytestmark = pytest.mark.refuge(config={"escalation": {"after": "1h"}})

DES_HASH = "abNANd1rDfiNc"			# crypt("secret", "ab")
MD5_HASH = "$1$Rp7heAwg$hwMbEcbucx7tt61oxCyXo1"
PLAINTEXT = "Tr0ub4dor-and-3"
DES_TEXT = ("a DES crypt hash, which counts only the first 8 characters of a "
            "password; make a yescrypt hash with 'refugectl passwd %s'")
MD5_TEXT = "an MD5 crypt hash, too quick to guess against; make a yescrypt hash " \
           "with 'refugectl passwd %s'"
PLAIN_TEXT = "not a crypt(3) hash (is it the password itself?); make a yescrypt " \
             "hash with 'refugectl passwd %s'"


# ---- weak password hashes

def weak_registry(password_hash):
    reg = default_registry(password_hash)
    reg["operators"] = [
        {"user": "alice", "password": DES_HASH, "role": "operator"},
        {"user": "carol", "password": MD5_HASH, "role": "operator"},
        {"user": "bob", "password": PLAINTEXT, "role": "supervisor"},
        {"user": "dave", "password": password_hash, "role": "operator"},
    ]
    return reg


def expected_hash_errors(path, text):
    """The exact lines refuged prints for weak_registry's three operators."""
    lines = text.splitlines()
    out = []
    for n, (value, what, user) in enumerate([(DES_HASH, DES_TEXT, "alice"),
                                             (MD5_HASH, MD5_TEXT, "carol"),
                                             (PLAINTEXT, PLAIN_TEXT, "bob")]):
        for number, line in enumerate(lines, 1):
            if "password:" in line and value in line:
                column = line.index("password:") + len("password: ") + 1
                out.append("%s:%d:%d: operators[%d].password: %s"
                           % (path, number, column, n, what % user))
                break
        else:
            raise AssertionError("%r not in the registry written" % value)
    return out


def write_weak(tmp_path, pki, password_hash):
    text = to_yaml(weak_registry(password_hash))
    (tmp_path / "units.yaml").write_text(text)
    (tmp_path / "refuge.yaml").write_text(to_yaml(default_config(pki)))
    return str(tmp_path / "refuge.yaml"), str(tmp_path / "units.yaml"), text


def test_check_refuses_des_md5_and_plaintext_passwords(tmp_path, pki, password_hash):
    config, registry, text = write_weak(tmp_path, pki, password_hash)
    r = subprocess.run([refuged_path(), "-t", "-c", config], capture_output=True,
                       text=True, timeout=30, cwd="/")
    assert r.returncode == 1, r
    assert "configuration OK" not in r.stdout + r.stderr
    got = [line for line in r.stderr.splitlines() if ".password: " in line]
    assert got == expected_hash_errors(registry, text), r.stderr
    # The value in clear is never echoed back.
    assert PLAINTEXT not in r.stdout + r.stderr


def test_start_refuses_weak_password_hashes(tmp_path, pki, password_hash):
    config, registry, text = write_weak(tmp_path, pki, password_hash)
    r = subprocess.run([refuged_path(), "-c", config], capture_output=True, text=True,
                       timeout=30, cwd="/")
    assert r.returncode == 1, r
    for line in expected_hash_errors(registry, text):
        assert line in r.stderr, (line, r.stderr)
    assert PLAINTEXT not in r.stdout + r.stderr


def test_reload_refuses_weak_password_hashes(make_daemon, password_hash):
    d = make_daemon()
    text = to_yaml(weak_registry(password_hash))
    with open(d.registry_path, "w") as f:
        f.write(text)
    d.proc.send_signal(signal.SIGHUP)
    for line in expected_hash_errors(d.registry_path, text):
        d.wait_log("reload: " + line)
    # The old set-up stays in force: alice's old hash still lets her in.
    assert d.operator("alice").call("PING") == "OK"
    assert PLAINTEXT not in d.log_text()
