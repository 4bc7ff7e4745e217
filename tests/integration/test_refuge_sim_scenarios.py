"""refuge-sim's benchmark scenarios (bench/suite.py drives them): the storm
lets the probes in first, the avalanche sends one event a unit a round, the
presses come from the first unit, --first numbers the ids, and a receiver
restart is noticed and the return of every unit reported. Behaviour only:
no figure is asserted."""

import json
import os
import signal
import subprocess
import threading

from helpers import wait_for
from test_refuge_sim import SIM_TIMEOUT, free_port, sim_path, summary, target

FORMAT = "SIM-%03d"


def registry(n, first=1):
    return subprocess.run([sim_path(), "--print-registry", str(n), "--first", str(first),
                           "--id-format", FORMAT], capture_output=True, text=True,
                          check=True).stdout


def sim_args(d, pki, count, *args):
    return ["-H", target(d), "--ca", pki.ca, "--issuer-cert", pki.ca,
            "--issuer-key", os.path.join(pki.dir, "ca.key"), "--count", str(count),
            "--id-format", FORMAT, "--json"] + [str(a) for a in args]


def run(d, pki, count, *args):
    r = subprocess.run([sim_path()] + sim_args(d, pki, count, *args), capture_output=True,
                       text=True, timeout=SIM_TIMEOUT, cwd="/")
    return summary(r), r.stderr


def daemon_for(make_daemon, n, first=1, **kw):
    d = make_daemon(start=False, **kw)
    with open(d.registry_path, "w") as f:
        f.write(registry(n, first))
    d.start()
    return d


def test_print_registry_numbers_from_first():
    text = registry(3, first=41)
    assert "id: SIM-041" in text and "id: SIM-043" in text
    assert "SIM-040" not in text and "SIM-044" not in text


def test_storm_lets_the_probes_in_first(make_daemon, pki):
    d = daemon_for(make_daemon, 6)
    s, err = run(d, pki, 6, "--storm", "--probes", 2, "--probe-interval", "50ms",
                 "--duration", "5s")
    assert s["handshakes"] == 6 and s["denied"] == 0
    assert "storm: 4 units connecting at once" in err
    assert "storm: all 6 units welcomed" in err
    assert s["storm_s"] > 0
    # The probes' heartbeats were timed, before the storm or during it.
    assert s["probe_hb_calm_ms"]["count"] + s["probe_hb_during_ms"]["count"] > 0
    # The probes came online before the storm was let in.
    online = [row["unit_id"] for row in d.events(type_="UNIT_ONLINE", source=None)]
    assert sorted(online) == ["SIM-%03d" % i for i in range(1, 7)]
    assert set(online[:2]) == {"SIM-001", "SIM-002"}, online


def test_avalanche_sends_one_event_a_unit_a_round(make_daemon, pki):
    d = daemon_for(make_daemon, 5)
    s, err = run(d, pki, 5, "--probes", 1, "--avalanche", "MAINS_FAIL", "--window", "100ms",
                 "--repeat", 2, "--gap", "200ms")
    assert "avalanche 1: sending" in err and "avalanche 2: sending" in err
    assert len(s["avalanche_ms"]) == 2
    assert s["events_pending"] == 0 and s["naks"] == 0
    rows = d.events(type_="MAINS_FAIL")
    per_unit = {}
    for row in rows:
        per_unit[row["unit_id"]] = per_unit.get(row["unit_id"], 0) + 1
    # Every unit but the probe, once a round.
    assert per_unit == {"SIM-%03d" % i: 2 for i in range(2, 6)}, per_unit
    assert s["avalanche_ack_ms"]["count"] == 8


def test_presses_come_from_the_first_unit(make_daemon, pki):
    d = daemon_for(make_daemon, 3, first=7)
    s, _ = run(d, pki, 3, "--first", 7, "--press-every", "100ms", "--duration", "3s",
               "--drain", "20s")
    rows = d.events(type_="BUTTON")
    assert rows and {row["unit_id"] for row in rows} == {"SIM-007"}
    assert s["press_ack_calm_ms"]["count"] == len(rows) == s["events_acked"]
    assert s["handshakes"] == 3


def test_usr1_switches_the_probes_to_during(make_daemon, pki):
    d = daemon_for(make_daemon, 2)
    proc = subprocess.Popen([sim_path()] + sim_args(d, pki, 2, "--probes", 2,
                                                    "--probe-interval", "20ms",
                                                    "--duration", "30s"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd="/")
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)
    reader.start()
    try:
        wait_for(lambda: any("all 2 units welcomed" in l for l in lines), timeout=20)
        proc.send_signal(signal.SIGUSR1)
        wait_for(lambda: any(l.strip().endswith("during") for l in lines), timeout=10)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=SIM_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    s = json.loads([l for l in out.splitlines() if l.startswith("{")][0])
    assert s["probe_hb_during_ms"]["count"] > 0


def test_a_receiver_restart_is_noticed_and_the_return_reported(make_daemon, pki):
    port = free_port()
    d = daemon_for(make_daemon, 3, config={"listen": {"units": "127.0.0.1:%d" % port}})
    proc = subprocess.Popen([sim_path()] + sim_args(d, pki, 3, "--duration", "60s"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd="/")
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)
    reader.start()
    try:
        wait_for(lambda: any("all 3 units welcomed" in l for l in lines), timeout=20)
        d.kill()
        wait_for(lambda: any("units lost their link" in l for l in lines), timeout=10)
        d = make_daemon(directory=d.dir)
        wait_for(lambda: any("all 3 units welcomed again" in l for l in lines), timeout=30)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=SIM_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    s = json.loads([l for l in out.splitlines() if l.startswith("{")][0])
    assert s["recovered_s"] > 0 and s["connected"] == 3
