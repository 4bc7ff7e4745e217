"""tests/certs/mkpki.sh and demo.sh, checked with the openssl command."""

import os
import re
import stat
import subprocess

from conftest import ROOT, refuged_path

CERTS = os.path.join(ROOT, "tests", "certs")


def sh(*args, **kw):
    return subprocess.run(["sh"] + list(args), capture_output=True, text=True, timeout=60, **kw)


def verify(d, cert):
    return subprocess.run(["openssl", "verify", "-CAfile", os.path.join(d, "ca.crt"),
                           "-crl_check", "-CRLfile", os.path.join(d, "units.crl"),
                           os.path.join(d, cert)], capture_output=True, text=True)


def subject_cn(path):
    out = subprocess.run(["openssl", "x509", "-in", path, "-noout", "-subject"],
                         capture_output=True, text=True, check=True).stdout
    return re.search(r"CN\s*=\s*(\S+)", out).group(1)


def test_mkpki_makes_a_verifiable_pki(tmp_path):
    d = str(tmp_path / "pki")
    r = sh(os.path.join(CERTS, "mkpki.sh"), d, "HP-001", "HP-002")
    assert r.returncode == 0 and r.stdout == "" and r.stderr == "", r
    for cert in ("server.crt", "units/HP-001.crt", "units/HP-002.crt"):
        assert verify(d, cert).returncode == 0, verify(d, cert)
    assert subject_cn(os.path.join(d, "units/HP-002.crt")) == "HP-002"
    text = subprocess.run(["openssl", "x509", "-in", os.path.join(d, "server.crt"), "-noout",
                           "-text"], capture_output=True, text=True).stdout
    assert "DNS:localhost" in text and "IP Address:127.0.0.1" in text
    assert "TLS Web Server Authentication" in text
    expired = verify(d, "units/EXPIRED.crt")
    assert expired.returncode != 0 and "certificate has expired" in expired.stdout + expired.stderr
    other = verify(d, "units/OTHER-CA.crt")
    assert other.returncode != 0
    assert subject_cn(os.path.join(d, "units/OTHER-CA.crt")) == "HP-001"
    assert stat.S_IMODE(os.stat(os.path.join(d, "ca.key")).st_mode) & 0o077 == 0


def test_mkpki_revoke_and_rerun(tmp_path):
    d = str(tmp_path / "pki")
    mk = os.path.join(CERTS, "mkpki.sh")
    assert sh(mk, d, "HP-001", "HP-002").returncode == 0
    with open(os.path.join(d, "ca.crt")) as f:
        ca = f.read()
    r = sh(mk, "--revoke", d, "HP-002")
    assert r.returncode == 0, r
    bad = verify(d, "units/HP-002.crt")
    assert bad.returncode != 0 and "certificate revoked" in bad.stdout + bad.stderr
    assert verify(d, "units/HP-001.crt").returncode == 0
    # A second run keeps the CA and adds what is missing.
    assert sh(mk, d, "HP-003").returncode == 0
    with open(os.path.join(d, "ca.crt")) as f:
        assert f.read() == ca
    assert verify(d, "units/HP-003.crt").returncode == 0
    assert verify(d, "units/HP-002.crt").returncode != 0
    assert sh(mk, "--revoke", d, "HP-404").returncode != 0


def test_demo_sets_up_once(tmp_path):
    d = str(tmp_path / "demo")
    r = sh(os.path.join(CERTS, "demo.sh"), d)
    assert r.returncode == 0, r
    assert "openssl s_client -connect 127.0.0.1:7400" in r.stdout
    pw_path = os.path.join(d, "passwords.txt")
    assert stat.S_IMODE(os.stat(pw_path).st_mode) == 0o600
    with open(pw_path) as f:
        passwords = dict(line.split() for line in f)
    assert set(passwords) == {"alice", "bob"}
    for pw in passwords.values():
        assert pw in r.stdout
    with open(os.path.join(d, "units.yaml")) as f:
        units = f.read()
    for user, h in re.findall(r"user: (\w+)\n\s+password: '([^']+)'", units):
        salt = h.split("$")[2]
        again = subprocess.run(["openssl", "passwd", "-6", "-salt", salt, passwords[user]],
                               capture_output=True, text=True).stdout.strip()
        assert again == h
    for uid in ("HP-001", "HP-002", "HP-003"):
        assert verify(d, "units/%s.crt" % uid).returncode == 0
    # refuged accepts the demo as written.
    t = subprocess.run([refuged_path(), "-t", "-c", os.path.join(d, "refuge.yaml")],
                       capture_output=True, text=True, timeout=30)
    assert t.returncode == 0 and "configuration OK" in t.stdout + t.stderr, t
    # A second run leaves everything alone.
    with open(os.path.join(d, "refuge.yaml")) as f:
        config = f.read()
    r2 = sh(os.path.join(CERTS, "demo.sh"), d)
    assert r2.returncode == 0
    with open(pw_path) as f:
        assert dict(line.split() for line in f) == passwords
    with open(os.path.join(d, "refuge.yaml")) as f:
        assert f.read() == config
