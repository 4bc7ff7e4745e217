"""refugectl report as a scheme uses it: local time across a DST change, the
time grammar, site and unit filters, one CSV row per alarm, and the PDF read
back with poppler's tools."""

import csv
import io
import re
import shutil
import sqlite3
import subprocess

import pytest

from test_refugectl import ctl, ms

pytestmark = pytest.mark.sqlite_only	# its rows are written into the SQLite file

# (unit, type, raised UTC, s to claim, s to resolve, outcome, reason, action, note)
ROWS = [
    # Saturday 2026-03-28 08:30 UTC is 08:30 GMT in London...
    ("HP-001", "BUTTON", "2026-03-28T08:30:00Z", 12, 90, "false", "child-playing", None,
     "Children, \"just testing\""),
    # ... and Monday 2026-03-30 08:30 UTC is 09:30 BST, after the clocks went forward.
    ("HP-002", "BUTTON", "2026-03-30T08:30:00Z", 40, 200, "genuine", None, "police", "Police sent"),
    ("HP-002", "UNIT_OFFLINE", "2026-03-30T10:00:00Z", None, None, None, None, None, None),
]


def fill(path, rows=ROWS):
    conn = sqlite3.connect(path)
    with conn:
        for n, (unit, type_, raised, claim, resolve, outcome, reason, action, note) in enumerate(rows):
            t = ms(raised)
            cur = conn.execute(
                "INSERT INTO events (unit_id, unit_event_id, type, priority, source, "
                "received_ms) VALUES (?, ?, ?, 1, 'unit', ?)", (unit, "p%d" % n, type_, t))
            conn.execute(
                "INSERT INTO alarms (event_id, unit_id, site_id, type, priority, state, "
                "raised_ms, first_claimed_ms, resolved_ms, resolved_by, outcome, reason, "
                "action, note) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (cur.lastrowid, unit, "racecourse" if unit == "HP-001" else "market", type_,
                 "resolved" if outcome else "queued", t,
                 t + claim * 1000 if claim is not None else None,
                 t + resolve * 1000 if resolve is not None else None,
                 "alice" if outcome else None, outcome, reason, action, note))
    conn.close()


@pytest.fixture
def stopped(make_daemon):
    d = make_daemon()
    d.stop()
    fill(d.db_path)
    with open(d.config_path, "a") as f:
        f.write("timezone: Europe/London\n")
    return d


def csv_rows(text):
    return {(s, k): v for s, k, v in (line.split(",") for line in text.splitlines()[1:])}


def test_local_time_across_the_dst_change(stopped):
    r = ctl("report", "--format", "csv", "--since", "2026-03-23", "--until", "2026-04-05",
            config=stopped.config_path)
    assert r.returncode == 0, r.stderr
    rows = csv_rows(r.stdout)
    assert rows[("weekday_hour", "Sat 08")] == "1"
    assert rows[("weekday_hour", "Mon 09")] == "1"
    assert rows[("hour", "08")] == "1" and rows[("hour", "09")] == "1"
    # Weeks start on local Mondays on both sides of the change.
    assert rows[("week", "2026-03-23")] == "1" and rows[("week", "2026-03-30")] == "1"
    assert rows[("period", "since")] == "2026-03-23 00:00:00"


def test_time_grammar_and_filters(stopped):
    for since in ("7d", "36h", "yesterday", "today", "2026-03-28T09:00"):
        r = ctl("report", "--since", since, config=stopped.config_path)
        assert r.returncode == 0, (since, r.stderr)
    r = ctl("report", "--format", "csv", "--site", "market", config=stopped.config_path)
    rows = csv_rows(r.stdout)
    assert rows[("activations", "total")] == "1" and rows[("technical", "total")] == "1"
    assert ("unit_activations", "HP-001") not in rows
    r = ctl("report", "--format", "csv", "--unit", "HP-001", config=stopped.config_path)
    rows = csv_rows(r.stdout)
    assert rows[("total", "alarms")] == "1" and rows[("false_reason", "child-playing")] == "1"
    r = ctl("report", "--since", "2026-03-29T01:30", "--format", "csv", config=stopped.config_path)
    # 01:30 on the day the clocks go forward does not exist in London;
    # mktime moves it on rather than failing: it is still a usable bound.
    assert r.returncode == 0, r.stderr


def test_csv_rows_one_per_alarm(stopped):
    out = stopped.dir + "/rows.csv"
    r = ctl("report", "--rows", "-o", out, config=stopped.config_path)
    assert r.returncode == 0, r.stderr
    with open(out) as f:
        got = list(csv.DictReader(f))
    assert len(got) == 3
    first = got[0]
    assert first["raised"] == "2026-03-28 08:30:00"
    assert first["claimed"] == "2026-03-28 08:30:12"
    assert first["unit"] == "HP-001" and first["site"] == "racecourse"
    assert first["type"] == "BUTTON" and first["outcome"] == "false"
    assert first["reason_or_action"] == "child-playing"
    assert first["operator"] == "alice"
    assert first["seconds_to_claim"] == "12" and first["seconds_to_resolve"] == "90"
    assert first["note"] == "Children, \"just testing\""
    assert got[1]["raised"] == "2026-03-30 09:30:00"
    assert got[2]["outcome"] == "open" and got[2]["claimed"] == "" and got[2]["type"] == "UNIT_OFFLINE"


def test_pdf_reads_back(stopped):
    for tool in ("pdftotext", "pdfinfo"):
        if shutil.which(tool) is None:
            pytest.fail("%s is not installed (tests/deps.sh installs poppler-utils)" % tool)
    out = stopped.dir + "/report.pdf"
    r = ctl("report", "-o", out, config=stopped.config_path)
    assert r.returncode == 0, r.stderr
    info = subprocess.run(["pdfinfo", out], capture_output=True, text=True).stdout
    assert re.search(r"^Pages:\s+4$", info, re.M), info
    text = subprocess.run(["pdftotext", "-layout", out, "-"], capture_output=True, text=True).stdout
    for heading in ("Help Point activations report", "Summary", "Handling (EN 50518)",
                    "Activations per month", "Activations by hour and weekday",
                    "Hot spots: activations per unit", "Time to claim (seconds)", "Per site",
                    "Per unit"):
        assert heading in text, heading
    assert "Activations (button presses): 2" in text
    assert "genuine: 1 (50.0% of resolved)" in text
    assert "Technical alarms (not activations): 1" in text
    assert "child playing: 1" in text
    # The same report through standard output when it is not a terminal.
    p = subprocess.run([ctl.__globals__["ctl_path"](), "-c", stopped.config_path, "report",
                        "--format", "pdf"], capture_output=True)
    assert p.returncode == 0 and p.stdout.startswith(b"%PDF-"), p.stderr
