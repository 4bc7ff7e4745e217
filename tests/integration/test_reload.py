"""Live reload (SIGHUP): units.yaml, certificates and the CRL, never dropping
a healthy unit; a bad file changes nothing."""

import os
import shutil
import signal
import subprocess

from conftest import MKPKI, REGISTERED, UNREGISTERED, default_registry, to_yaml
from helpers import wait_for


def registry_with(d, password_hash, add=(), remove=()):
    reg = default_registry(password_hash)
    reg["units"] = [u for u in reg["units"] if u["id"] not in remove]
    for n, uid in enumerate(add):
        reg["units"].append({"id": uid, "name": "Added point %d" % n,
                             "site": "racecourse", "lat": 52.25, "lon": -0.88})
    with open(d.registry_path, "w") as f:
        f.write(to_yaml(reg))


def reload(d, count):
    """SIGHUP, then wait for the count-th reload outcome in the log."""
    d.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: sum(1 for line in d.log_text().splitlines()
                         if "reload: " in line and ("units (" in line or "ERROR" in line))
             >= count, message="reload outcome logged")


def connected(unit, n):
    """The link still works: a heartbeat is answered on the same socket."""
    unit.send("HB %d" % n)
    return unit.readline() == "HBACK %d" % n


def test_added_unit_connects_and_others_stay(make_daemon, password_hash):
    d = make_daemon()
    op = d.operator("alice")
    kept = [d.unit(uid) for uid in REGISTERED[:3]]
    for u in kept:
        u.hello()
    newcomer = d.unit(UNREGISTERED)
    newcomer.send("HELLO %s 1" % UNREGISTERED)
    assert newcomer.readline() == "DENIED unknown unit"

    registry_with(d, password_hash, add=[UNREGISTERED])
    reload(d, 1)
    op.wait_push("* RELOADED", "units=%d" % (len(REGISTERED) + 2))
    assert all(connected(u, 7) for u in kept)
    again = d.unit(UNREGISTERED)
    again.hello()
    assert again.event("n1", "TEST") == "ACK n1"
    assert d.find_log("disconnected", "HP-00") is None


def test_bad_registry_keeps_the_old_one(make_daemon, password_hash):
    d = make_daemon()
    u = d.unit("HP-001")
    u.hello()
    with open(d.registry_path, "a") as f:
        f.write("  - id: HP-001\n    name: twice\n")
    d.proc.send_signal(signal.SIGHUP)
    line = d.wait_log("reload: ", "units.yaml:")
    assert ":" in line.split("units.yaml")[1], line	# file:line:column
    assert connected(u, 1)
    # The old registry is still in force: a registered unit still gets in,
    # and after the file is fixed a reload works.
    other = d.unit("HP-002")
    other.hello()
    registry_with(d, password_hash)
    reload(d, 2)
    assert connected(u, 2) and connected(other, 3)


def test_removed_unit_is_disconnected_and_its_alarm_stays(make_daemon, password_hash):
    d = make_daemon()
    op = d.operator("alice")
    gone = d.unit("HP-002")
    gone.hello()
    assert gone.event("r1", "BUTTON") == "ACK r1"
    alarm = op.wait_push("* ALARM", "unit=HP-002")
    stays = d.unit("HP-001")
    stays.hello()

    registry_with(d, password_hash, remove=["HP-002"])
    reload(d, 1)
    gone.expect_eof()
    d.wait_log("unit=HP-002", "removed from the registry")
    assert connected(stays, 1)
    alarms = op.alarms()
    assert [a["unit"] for a in alarms] == ["HP-002"], alarms
    assert alarm.split()[2] == str(alarms[0]["id"]), (alarm, alarms)
    denied = d.unit("HP-002")
    denied.send("HELLO HP-002 1")
    assert denied.readline() == "DENIED unknown unit"


def test_revoked_certificate_is_disconnected_on_reload(make_daemon, pki, tmp_path):
    # A private copy of the PKI, so revoking here touches no other test.
    own = str(tmp_path / "pki")
    shutil.copytree(pki.dir, own)
    d = make_daemon(config={"tls": {"unit_ca": os.path.join(own, "ca.crt"),
                                    "crl": os.path.join(own, "units.crl")}})
    victim = d.unit("HP-003")
    victim.hello()
    bystander = d.unit("HP-001")
    bystander.hello()
    subprocess.run(["sh", MKPKI, "--revoke", own, "HP-003"], check=True,
                   capture_output=True)
    reload(d, 1)
    victim.expect_eof()
    d.wait_log("unit=HP-003", "certificate revoked")
    assert connected(bystander, 1)
    retry = d.unit("HP-003")
    retry.expect_eof()	# refused at the handshake now
    d.wait_log("refused", "certificate revoked")
