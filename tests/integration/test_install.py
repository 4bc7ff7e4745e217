"""`make install` and `make uninstall` into a throw-away DESTDIR."""

import os
import shutil
import stat
import subprocess

import pytest

from conftest import ROOT, build_dir

PREFIX = "/usr/local"


def make(target, destdir, *extra):
    """Runs make in the source tree on the suite's build directory, with none
    of an outer make's flags."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    # -o: install what the suite tests, never remake it from sources others
    # may be editing.
    keep = []
    for name in ("refuged", "refugectl", "refuge-console", "refuge-sim"):
        keep += ["-o", os.path.join(build_dir(), name)]
    cmd = ["make", "--no-print-directory", "-C", ROOT, target] + keep + [
           "BUILD=" + build_dir(), "DESTDIR=" + destdir, "PREFIX=" + PREFIX] + list(extra)
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, "%s failed:\n%s%s" % (" ".join(cmd), done.stdout, done.stderr)
    return done.stdout


def files_under(top):
    found = set()
    for dirpath, _dirs, names in os.walk(top):
        for n in names:
            found.add(os.path.relpath(os.path.join(dirpath, n), top))
    return found


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def programs():
    """The programs this build made, as make install sees them."""
    return [n for n in ("refuged", "refugectl", "refuge-console", "refuge-sim")
            if os.access(os.path.join(build_dir(), n), os.X_OK)]


@pytest.fixture
def destdir(tmp_path):
    return str(tmp_path / "root")


def test_install_tree_and_uninstall(destdir):
    if not os.access(os.path.join(build_dir(), "refuged"), os.X_OK):
        pytest.fail("no refuged in %s" % build_dir())
    make("install", destdir)
    tree = files_under(destdir)
    p = lambda rel: os.path.join(destdir, rel.lstrip("/"))

    for name in programs():
        d = "sbin" if name in ("refuged", "refugectl") else "bin"
        rel = "usr/local/%s/%s" % (d, name)
        assert rel in tree, sorted(tree)
        assert mode(p(rel)) == 0o755, (rel, oct(mode(p(rel))))
    for page in os.listdir(os.path.join(ROOT, "man")):
        section = page.rsplit(".", 1)[-1]
        if section.isdigit():
            rel = "usr/local/share/man/man%s/%s" % (section, page)
            assert rel in tree, rel
            assert mode(p(rel)) == 0o644
    unit = "usr/local/lib/systemd/system/refuged.service"
    for rel, m in ((unit, 0o644),
                   ("usr/local/lib/sysusers.d/refuge.conf", 0o644),
                   ("usr/local/share/doc/refuge/README.md", 0o644),
                   ("usr/local/share/doc/refuge/examples/refuge.yaml", 0o644),
                   ("usr/local/share/doc/refuge/examples/units.yaml", 0o644),
                   ("etc/refuge/refuge.yaml", 0o644),
                   ("etc/refuge/units.yaml", 0o640)):
        assert rel in tree, (rel, sorted(tree))
        assert mode(p(rel)) == m, (rel, oct(mode(p(rel))))
    schemas = 0
    for backend in os.listdir(os.path.join(ROOT, "schema")):
        if not os.path.isdir(os.path.join(ROOT, "schema", backend)):
            continue
        for sql in os.listdir(os.path.join(ROOT, "schema", backend)):
            if sql.endswith(".sql"):
                rel = "usr/local/share/refuge/schema/%s/%s" % (backend, sql)
                assert rel in tree, (rel, sorted(tree))
                assert mode(p(rel)) == 0o644
                schemas += 1
    assert schemas > 0

    text = open(p(unit)).read()
    assert "ExecStart=/usr/local/sbin/refuged -c /etc/refuge/refuge.yaml\n" in text
    assert "@SBINDIR@" not in text and "@SYSCONFDIR@" not in text, text
    assert "Type=notify\n" in text and "WatchdogSec=30s\n" in text
    # /etc is read-only to the service: the installed configuration keeps its
    # database in the state directory.
    conf = open(p("etc/refuge/refuge.yaml")).read()
    assert "\ndatabase: /var/lib/refuge/refuge.db " in conf, conf
    assert open(p("usr/local/lib/sysusers.d/refuge.conf")).read().count(
        'u refuge - "refuge alarm receiver" /var/lib/refuge') == 1

    # A second install keeps an operator's configuration.
    with open(p("etc/refuge/refuge.yaml"), "a") as f:
        f.write("# edited by the operator\n")
    with open(p("etc/refuge/units.yaml"), "a") as f:
        f.write("# edited too\n")
    out = make("install", destdir)
    assert "kept" in out
    assert open(p("etc/refuge/refuge.yaml")).read().endswith("# edited by the operator\n")

    make("uninstall", destdir)
    left = files_under(destdir)
    # Only the operator's edited configuration stays.
    assert left == {"etc/refuge/refuge.yaml", "etc/refuge/units.yaml"}, sorted(left)
    os.remove(p("etc/refuge/refuge.yaml"))
    os.remove(p("etc/refuge/units.yaml"))
    make("install", destdir)
    make("uninstall", destdir)
    assert files_under(destdir) == set(), sorted(files_under(destdir))


def test_installed_unit_verifies(destdir, tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    make("install", destdir)
    unit = os.path.join(destdir, "usr/local/lib/systemd/system/refuged.service")
    # verify wants ExecStart= to exist: point it into DESTDIR, change nothing else.
    check = tmp_path / "verify"
    check.mkdir()
    text = open(unit).read().replace("ExecStart=/usr/local/sbin/refuged",
                                     "ExecStart=%s/usr/local/sbin/refuged" % destdir)
    (check / "refuged.service").write_text(text)
    done = subprocess.run([analyze, "verify", "--man=no", str(check / "refuged.service")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr
    sec = subprocess.run([analyze, "security", "--offline=yes", "--no-pager",
                          str(check / "refuged.service")],
                         capture_output=True, text=True, timeout=120)
    if sec.returncode != 0 and "offline" in sec.stderr:
        return	# an older systemd without --offline
    last = [l for l in sec.stdout.splitlines() if "Overall exposure level" in l]
    assert last, sec.stdout + sec.stderr
    score = float(last[0].split(":")[1].split()[0])
    assert score < 2.0, last[0]
    make("uninstall", destdir)
