"""refugectl sign and map: the printed matter, read back by other tools
(zbarimg decodes the QR code, pdftotext and pdfinfo read the PDF, the SVG is
parsed and its markers found where the coordinates put them)."""

import math
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from test_refugectl import ctl, init

URL = "https://www.example.gov.uk/help-points/{unit}"
ROUTES = """routes:
  - name: "Lit path"
    site: racecourse
    points: [[52.2485, -0.8880], [52.2470, -0.8858], [52.2455, -0.8850]]
"""


def tool(name):
    path = shutil.which(name)
    if path is None:
        pytest.fail("%s is not installed (tests/deps.sh installs it)" % name)
    return path


def scheme(tmp_path, extra="signs:\n  url: \"%s\"\n" % URL, name="site"):
    directory, _ = init(tmp_path, name=name, units=5)
    with open(os.path.join(directory, "units.yaml"), "a") as f:
        f.write(extra)
    return directory, os.path.join(directory, "refuge.yaml")


def units_of(directory):
    """(id, site, lat, lon) of every unit in units.yaml, in id order."""
    text = open(os.path.join(directory, "units.yaml")).read()
    found = re.findall(r"- id: (\S+)\n(?:    .*\n)*?    site: (\S+)\n    lat: (\S+)\n    lon: (\S+)", text)
    return sorted((u, s, float(la), float(lo)) for u, s, la, lo in found)


def test_sign_qr_code_decodes_to_the_units_page(tmp_path):
    _, config = scheme(tmp_path)
    out = str(tmp_path / "HP-002.png")
    r = ctl("sign", "HP-002", "-o", out, config=config)
    assert r.returncode == 0, r.stderr
    z = subprocess.run([tool("zbarimg"), "-q", "--raw", out], capture_output=True, text=True)
    assert z.returncode == 0, z.stderr
    assert z.stdout.strip() == "https://www.example.gov.uk/help-points/HP-002"


def test_sign_pdf_reads_as_a_sign(tmp_path):
    directory, config = scheme(tmp_path, "signs:\n  url: \"%s\"\n  text: \"Press for help. Staffed day and night.\"\n" % URL)
    out = str(tmp_path / "sign.pdf")
    r = ctl("sign", "HP-001", "-o", out, "--size", "A5", config=config)
    assert r.returncode == 0, r.stderr
    text = subprocess.run([tool("pdftotext"), out, "-"], capture_output=True, text=True).stdout
    assert "HELP POINT" in text
    assert "Press for help. Staffed day and night." in text
    assert "Help Point HP-001" in text
    assert "You are here" in text
    assert "https://www.example.gov.uk/help-points/HP-001" in text
    info = subprocess.run([tool("pdfinfo"), out], capture_output=True, text=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M), info
    # A5 portrait: 419.53 x 595.28 points.
    assert re.search(r"Page size:\s+419\.5\d* x 595\.2\d* pts", info), info


def test_sign_all_makes_one_pdf_per_unit(tmp_path):
    directory, config = scheme(tmp_path)
    out = str(tmp_path / "signs")
    r = ctl("sign", "--all", "-o", out, config=config)
    assert r.returncode == 0, r.stderr
    assert sorted(os.listdir(out)) == ["HP-00%d.pdf" % i for i in range(1, 6)]


def test_sign_refusals(tmp_path):
    directory, config = scheme(tmp_path, "")
    r = ctl("sign", "HP-001", "-o", str(tmp_path / "x.pdf"), config=config)
    assert r.returncode == 1
    assert "has no signs: {url: ...}" in r.stderr
    r = ctl("sign", "HP-001", "-o", str(tmp_path / "x.doc"), config=config)
    assert r.returncode == 2 and "-o wants a .pdf, .svg or .png file" in r.stderr
    r = ctl("sign", "HP-001", "--all", config=config)
    assert r.returncode == 2 and "give a unit id or --all" in r.stderr
    r = ctl("sign", "HP-001", "--size", "B5", config=config)
    assert r.returncode == 2 and "--size is A4, A3 or A5" in r.stderr


def test_bad_printed_keys_are_refused_with_their_place(tmp_path):
    directory, config = scheme(tmp_path, "signs:\n  url: \"file:///etc/passwd\"\n")
    r = ctl("check", config=config)
    assert r.returncode != 0
    assert re.search(r"units\.yaml:\d+:\d+: signs\.url: expected an http:// or https:// address", r.stderr), r.stderr
    directory, config = scheme(tmp_path, name="b", extra="routes:\n  - name: x\n    site: nowhere\n    points: [[52.1, -0.8], [52.2, -0.9]]\n")
    r = ctl("check", config=config)
    assert r.returncode != 0
    assert re.search(r"units\.yaml:\d+:\d+: routes\[0\]: site: unknown site 'nowhere'", r.stderr), r.stderr


def svg_markers(path):
    """Start points of the paths drawn as markers: 'M x y C ...' arcs."""
    root = ET.parse(path).getroot()
    starts = []
    for el in root.iter():
        d = el.get("d")
        if d and d.startswith("M ") and " C " in d:
            m = re.match(r"M ([-\d.]+) ([-\d.]+) ", d)
            starts.append((float(m.group(1)), float(m.group(2))))
    return starts


def test_map_markers_are_where_the_coordinates_say(tmp_path):
    directory, config = scheme(tmp_path, ROUTES)
    out = str(tmp_path / "map.svg")
    r = ctl("map", "racecourse", "-o", out, config=config)
    assert r.returncode == 0, r.stderr
    units = [u for u in units_of(directory) if u[1] == "racecourse"]
    assert len(units) >= 2
    starts = svg_markers(out)
    # The map is a local equirectangular projection with equal scale on both
    # axes: relative positions of any two markers must match the coordinates.
    lat0 = (max(u[2] for u in units) + min(u[2] for u in units)) / 2
    k = math.cos(math.radians(lat0))

    def near(x, y):
        return [s for s in starts if abs(s[0] - x) < 0.6 and abs(s[1] - y) < 0.6]

    # Take the first unit's marker and the scale from the last one's, then
    # every other unit must have a marker where its coordinates say.
    a, b = units[0], units[-1]
    ok = False
    for sa in starts:
        for sb in starts:
            dy_deg = b[2] - a[2]
            if sa == sb or abs(dy_deg) < 1e-9:
                continue
            scale = -(sb[1] - sa[1]) / dy_deg
            if scale <= 0 or abs((sb[0] - sa[0]) - (b[3] - a[3]) * k * scale) > 0.6:
                continue
            if all(near(sa[0] + (u[3] - a[3]) * k * scale, sa[1] - (u[2] - a[2]) * scale)
                   for u in units):
                ok = True
    assert ok, "no set of markers matches the units' coordinates: %r" % starts
    text = open(out).read()
    assert text.count("<path") > len(units)


def test_map_pdf_has_the_legend_and_scale(tmp_path):
    directory, config = scheme(tmp_path, ROUTES)
    out = str(tmp_path / "map.pdf")
    r = ctl("map", "racecourse", "-o", out, config=config)
    assert r.returncode == 0, r.stderr
    text = subprocess.run([tool("pdftotext"), out, "-"], capture_output=True, text=True).stdout
    assert "Help Points: Racecourse Park" in text
    assert "1  HP-001" in text or "1 HP-001" in text
    assert re.search(r"\b\d+ (m|km)\b", text), text
    assert "Lit path" in text
    r = ctl("map", "nowhere", "-o", out, config=config)
    assert r.returncode == 1 and "no site 'nowhere'" in r.stderr
