"""refugectl incident: one alarm's verified record for an evidence request,
as text and as a PDF read back with pdftotext."""

import re
import shutil
import subprocess

import pytest

from test_refugectl import ctl
from test_verify import edit, handled


def test_incident_text_holds_the_whole_record(make_daemon):
    d = make_daemon()
    alarm = handled(d)
    d.stop()
    r = ctl("incident", str(alarm), config=d.config_path)
    assert r.returncode == 0, r.stderr
    text = r.stdout
    assert text.startswith("INCIDENT RECORD: alarm %d" % alarm)
    assert re.search(r"^Alarm +%d, BUTTON, priority 1, resolved$" % alarm, text, re.M), text
    assert re.search(r"^Resolved +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d by alice: genuine, action police$",
                     text, re.M), text
    assert re.search(r"^Unit +HP-002$", text, re.M)
    assert re.search(r"^Location +-?\d+\.\d{6}, -?\d+\.\d{6}$", text, re.M), text
    # Every event, every action with who and a hash, the commands.
    assert re.search(r"^  .* BUTTON +id=b1 source=unit", text, re.M), text
    for action in ("raise", "claim", "note", "resolve"):
        assert re.search(r"^  #\d+ +.* %s " % action, text, re.M), (action, text)
    assert "Caller shaken, police on the way" in text
    assert len(re.findall(r"^          hash [0-9a-f]{64}$", text, re.M)) >= 4
    assert re.search(r"^  .* LIGHT FLASH by the receiver", text, re.M), text
    assert re.search(r"^  audit chain: intact, \d+ rows, head row \d+ hash [0-9a-f]{64}$",
                     text, re.M), text
    assert re.search(r"^  records: intact, \d+ rows match their seals$", text, re.M), text


@pytest.mark.sqlite_only
def test_incident_shows_a_broken_record(make_daemon):
    d = make_daemon()
    alarm = handled(d)
    d.stop()
    edit(d, "UPDATE alarms SET outcome = 'false' WHERE id = %d" % alarm)
    r = ctl("incident", str(alarm), config=d.config_path)
    assert r.returncode == 0
    assert "records: BROKEN: alarms row %d was changed" % alarm in r.stdout, r.stdout


def test_incident_pdf_and_refusals(make_daemon):
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is not installed (tests/deps.sh installs poppler-utils)")
    d = make_daemon()
    alarm = handled(d)
    d.stop()
    out = d.dir + "/incident.pdf"
    r = ctl("incident", str(alarm), "-o", out, config=d.config_path)
    assert r.returncode == 0, r.stderr
    text = subprocess.run(["pdftotext", "-layout", out, "-"], capture_output=True,
                          text=True).stdout
    assert "INCIDENT RECORD: alarm %d" % alarm in text
    assert "by alice: genuine, action police" in text
    assert "audit chain: intact" in text
    r = ctl("incident", "99999", config=d.config_path)
    assert r.returncode == 1 and "no alarm 99999" in r.stderr
    r = ctl("incident", "x", config=d.config_path)
    assert r.returncode == 2 and "which alarm? give its id" in r.stderr
    r = ctl("incident", "1", "--format", "csv", config=d.config_path)
    assert r.returncode == 2 and "--format is text or pdf" in r.stderr
