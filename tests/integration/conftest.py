"""Fixtures that run the real refuged on loopback with throw-away certificates.

REFUGE_BUILD names the build directory holding refuged (default: build/).
The `daemon` fixture starts one receiver per test; mark a test with
@pytest.mark.refuge(config={...}, units={...}, registry={...}) to change its
configuration (merged into the defaults below). `make_daemon` starts more,
or restarts one on the same directory and database.

REFUGE_TEST_STORE=postgresql runs the same tests on the PostgreSQL backend:
one private cluster for the session (pgcluster.py) and a fresh database per
daemon, whose URL replaces the default `database: refuge.db`; Daemon.query,
.db, .events, .unit_row and db() then read PostgreSQL (psycopg2), with rows
indexed by position and by column name as sqlite3.Row allows. Tests about
the SQLite file itself, or writing rows straight into it, are marked
sqlite_only and deselected there.
"""

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time

import pytest

import pgcluster
from helpers import OPERATOR_PASSWORD, CommandedUnit, Operator, Unit, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MKPKI = os.path.join(ROOT, "tests", "certs", "mkpki.sh")

# Units with certificates: the first five are registered by default.
REGISTERED = ["HP-001", "HP-002", "HP-003", "HP-004", "HP-005"]
UNREGISTERED = "HP-404"	# a valid certificate, absent from the registry
REVOKED = "HP-009"	# registered, but its certificate is in the CRL

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "runtime error:", "LeakSanitizer")
READY_RE = re.compile(r"ready units=(\S+):(\d+) operators=(\S+):(\d+)")
START_TIMEOUT = 15.0
STOP_TIMEOUT = 15.0

STORES = ("sqlite", "postgresql")
STORE = os.environ.get("REFUGE_TEST_STORE", "sqlite")


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "refuge(config=None, units=None, registry=None): configuration for the daemon fixture")
    config.addinivalue_line(
        "markers",
        "slow: soak and failover runs; the ASan pass deselects them (-m 'not slow')")
    config.addinivalue_line(
        "markers",
        "sqlite_only: about the SQLite file itself, or writing rows straight "
        "into it; the PostgreSQL run deselects them (-m 'not sqlite_only')")
    config.addinivalue_line(
        "markers",
        "own_database: the test makes its own databases (PostgreSQL clusters "
        "of its own, SQLite files to move over): run once, in the first pass; "
        "the PostgreSQL run deselects them (-m 'not own_database')")
    if STORE not in STORES:
        raise pytest.UsageError("REFUGE_TEST_STORE=%s: expected one of %s"
                                % (STORE, ", ".join(STORES)))


def build_dir():
    return os.environ.get("REFUGE_BUILD", os.path.join(ROOT, "build"))


def refuged_path():
    path = os.path.join(build_dir(), "refuged")
    if not os.access(path, os.X_OK):
        pytest.fail("no executable %s (set REFUGE_BUILD to the build directory)" % path)
    return path


class PKI:
    def __init__(self, path):
        self.dir = path
        self.ca = os.path.join(path, "ca.crt")
        self.server_cert = os.path.join(path, "server.crt")
        self.server_key = os.path.join(path, "server.key")
        self.crl = os.path.join(path, "units.crl")

    def cert(self, name):
        return os.path.join(self.dir, "units", name + ".crt")

    def key(self, name):
        return os.path.join(self.dir, "units", name + ".key")

    def spki_sha256(self, name):
        """Hex SHA-256 of the DER SubjectPublicKeyInfo of a unit's key."""
        import hashlib
        der = subprocess.run(
            ["openssl", "pkey", "-in", self.key(name), "-pubout", "-outform", "DER"],
            check=True, capture_output=True).stdout
        return hashlib.sha256(der).hexdigest()


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("pki"))
    subprocess.run(["sh", MKPKI, path] + REGISTERED + [UNREGISTERED, REVOKED],
                   check=True, capture_output=True)
    subprocess.run(["sh", MKPKI, "--revoke", path, REVOKED], check=True,
                   capture_output=True)
    return PKI(path)


@pytest.fixture(scope="session")
def password_hash():
    return subprocess.run(["openssl", "passwd", "-6", "-salt", "refugetest", "secret"],
                          check=True, capture_output=True, text=True).stdout.strip()


# ---- a small YAML writer (block style), so the suite needs only the stdlib

_PLAIN_RE = re.compile(r"^[A-Za-z0-9_./][A-Za-z0-9_./:@+=-]*$")


def _scalar(value):
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    if _PLAIN_RE.match(text) and not text.endswith(":"):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _emit(value, indent, out):
    pad = " " * indent
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, dict) and v:
                out.append("%s%s:" % (pad, k))
                _emit(v, indent + 2, out)
            elif isinstance(v, list) and v:
                out.append("%s%s:" % (pad, k))
                _emit(v, indent + 2, out)
            elif isinstance(v, (dict, list)):
                out.append("%s%s: %s" % (pad, k, "{}" if isinstance(v, dict) else "[]"))
            else:
                out.append("%s%s: %s" % (pad, k, _scalar(v)))
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item:
                sub = []
                _emit(item, indent + 2, sub)
                sub[0] = pad + "- " + sub[0][indent + 2:]
                out.extend(sub)
            elif isinstance(item, list):
                raise ValueError("nested lists are not needed here")
            else:
                out.append("%s- %s" % (pad, _scalar(item)))
    else:
        raise ValueError("top level must be a mapping or a list")


def to_yaml(value):
    out = []
    _emit(value, 0, out)
    return "\n".join(out) + "\n"


def yaml_line_of(text, needle):
    """1-based number of the first line of text containing needle."""
    for n, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError("%r not in the written YAML" % needle)


def merge(base, over):
    """Deep-merges over into a copy of base; a None value deletes the key."""
    out = dict(base)
    for k, v in over.items():
        if v is None:
            out.pop(k, None)
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge(out[k], v)
        else:
            out[k] = v
    return out


def default_config(pki):
    return {
        "listen": {"units": "127.0.0.1:0", "operators": "127.0.0.1:0"},
        "tls": {
            "cert": pki.server_cert,
            "key": pki.server_key,
            "unit_ca": pki.ca,
            "crl": pki.crl,
            "min_version": "1.3",
        },
        "database": "refuge.db",
        "registry": "units.yaml",
        "supervision": {"heartbeat": "30s", "missed": 3},
        "limits": {
            "connections_per_address": 64,
            "max_connections": 1000,
            "handshake_timeout": "2s",
            "command_timeout": "30s",
        },
        "escalation": {"after": "30s"},
        "log": {"level": "debug"},
    }


def default_registry(password_hash):
    units = []
    for n, uid in enumerate(REGISTERED + [REVOKED]):
        units.append({
            "id": uid,
            "name": "Racecourse Park point %d" % (n + 1),
            "site": "racecourse",
            "lat": round(52.246 + n * 0.001, 4),
            "lon": round(-0.887 + n * 0.001, 4),
        })
    units[0]["camera_preset"] = 2
    units[1]["audio_uri"] = "sip:hp-002@127.0.0.1"
    return {
        "sites": [{"id": "racecourse", "name": "Racecourse Park", "plan": "park"}],
        "plans": [{"id": "park", "steps": ["Look at the camera", "Speak to the caller"]}],
        "units": units,
        "operators": [
            {"user": "alice", "password": password_hash, "role": "operator"},
            {"user": "carol", "password": password_hash, "role": "operator"},
            {"user": "bob", "password": password_hash, "role": "supervisor"},
        ],
    }


class Daemon:
    """One refuged process with its directory, log and database."""

    def __init__(self, directory, pki):
        self.dir = directory
        self.pki = pki
        self.config_path = os.path.join(directory, "refuge.yaml")
        self.registry_path = os.path.join(directory, "units.yaml")
        self.db_path = os.path.join(directory, "refuge.db")
        # The PostgreSQL database refuge.yaml names, if it names one.
        self.pg_url = database_url(self.config_path)
        self.proc = None
        self.lines = []
        self.cond = threading.Condition()
        self.reader = None
        self.killed = False
        self.units_port = None
        self.operators_port = None
        self.started_ms = None
        self.env = None		# extra environment for refuged (make_daemon(env=))
        self.wrap = None	# a function of the command line, e.g. to run it in a namespace
        # The run's own PostgreSQL database, with this receiver alone on it:
        # it may start as standby and take the lease a moment after "ready".
        self.alone_on_pg = False

    def write(self, config, registry):
        with open(self.config_path, "w") as f:
            f.write(to_yaml(config))
        with open(self.registry_path, "w") as f:
            f.write(to_yaml(registry))

    def _read(self, stream):
        for raw in stream:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self.cond:
                self.lines.append(line)
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def start(self):
        self.lines = []
        self.killed = False
        self.started_ms = int(time.time() * 1000)
        # Run from elsewhere, so relative paths must resolve against refuge.yaml.
        command = [refuged_path(), "-c", self.config_path]
        if self.wrap is not None:
            command = self.wrap(command)
        self.proc = subprocess.Popen(
            command,
            cwd="/", stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=dict(os.environ, **self.env) if self.env else None)
        self.reader = threading.Thread(target=self._read, args=(self.proc.stdout,),
                                       daemon=True)
        self.reader.start()
        deadline = time.monotonic() + START_TIMEOUT
        with self.cond:
            while True:
                for line in self.lines:
                    m = READY_RE.search(line)
                    if m:
                        assert m.group(1) == "127.0.0.1" and m.group(3) == "127.0.0.1", line
                        self.units_port = int(m.group(2))
                        self.operators_port = int(m.group(4))
                        assert self.units_port > 0 and self.operators_port > 0, line
                        if self._serving():
                            return self
                        break
                if self.proc.poll() is not None:
                    self.cond.wait(0.2)	# let the reader drain what is left
                    pytest.fail("refuged exited with %s before ready:\n%s"
                                % (self.proc.returncode, self.log_text()))
                left = deadline - time.monotonic()
                if left <= 0:
                    self.proc.kill()
                    pytest.fail("refuged not ready (and active) within %ss:\n%s"
                                % (START_TIMEOUT, self.log_text()))
                self.cond.wait(min(left, 0.1))

    def _serving(self):
        """Ready, and if alone on the run's PostgreSQL database, holding the
        lease (the tests are about one active receiver; under self.cond)."""
        if not self.alone_on_pg:
            return True
        standby = False
        for line in self.lines:
            if "receiver: active " in line:
                return True
            standby = standby or "receiver: standby " in line
        return not standby

    def log_text(self):
        with self.cond:
            return "\n".join(self.lines)

    def find_log(self, *parts):
        """The first log line holding every one of parts, or None."""
        with self.cond:
            for line in self.lines:
                if all(p in line for p in parts):
                    return line
        return None

    def wait_log(self, *parts, timeout=5.0):
        """Waits for a log line holding every one of parts and returns it."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for line in self.lines:
                    if all(p in line for p in parts):
                        return line
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("no log line with %r within %ss; log:\n%s"
                                         % (parts, timeout, "\n".join(self.lines[-60:])))
                self.cond.wait(min(left, 0.1))

    def unit(self, cert="HP-001", **kw):
        return Unit(self, cert, **kw)

    def commanded_unit(self, cert="HP-001", **kw):
        """A unit that keeps the receiver's CMD lines (see helpers)."""
        return CommandedUnit(self, cert, **kw)

    def operator(self, user="alice", password=OPERATOR_PASSWORD, **kw):
        """An operator connection, logged in as user (None: not logged in)."""
        return Operator(self, user, password, **kw)

    def db(self):
        if self.pg_url is not None:
            return PgConnection(self.pg_url)
        return db(self.db_path)

    def query(self, sql, params=()):
        conn = self.db()
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def events(self, unit_id=None, type_=None, source="unit"):
        """Event rows in insertion order; by default only what units sent
        (source=None: receiver-made ones too)."""
        sql = "SELECT * FROM events WHERE 1=1"
        params = []
        if source is not None:
            sql += " AND source = ?"
            params.append(source)
        if unit_id is not None:
            sql += " AND unit_id = ?"
            params.append(unit_id)
        if type_ is not None:
            sql += " AND type = ?"
            params.append(type_)
        return self.query(sql + " ORDER BY id", params)

    def unit_row(self, unit_id):
        rows = self.query("SELECT * FROM units WHERE id = ?", (unit_id,))
        return rows[0] if rows else None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM and wait; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.reader.join(5)
                raise AssertionError("refuged did not exit within %ss of SIGTERM; log:\n%s"
                                     % (timeout, self.log_text()))
        self.reader.join(5)
        return self.proc.returncode

    def kill(self):
        """SIGKILL, as a crash would; the exit status is then not checked."""
        self.killed = True
        self.proc.kill()
        self.proc.wait()
        self.reader.join(5)

    def sanitizer_report(self):
        text = self.log_text()
        for mark in SANITIZER_MARKS:
            if mark in text:
                return mark
        return None


def db(path):
    """Opens the daemon's database read-only: the SQLite file at path, or the
    PostgreSQL database that replaced it (REFUGE_TEST_STORE=postgresql)."""
    if path in _PG_URLS:
        return PgConnection(_PG_URLS[path])
    conn = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=10)
    conn.row_factory = sqlite3.Row
    return conn


# ---- the PostgreSQL run (REFUGE_TEST_STORE=postgresql)

_PG_URLS = {}		# a daemon's db_path -> its PostgreSQL URL, for db(path)
_DATABASE_RE = re.compile(r"^database:[ \t]*(.*?)[ \t]*$", re.M)
_SQL_TOKEN_RE = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|[A-Za-z_][A-Za-z0-9_$]*|[?%]")


def is_pg_url(text):
    return isinstance(text, str) and text.startswith(("postgresql://", "postgres://"))


def database_url(config_path):
    """The PostgreSQL URL refuge.yaml's database names, else None."""
    try:
        with open(config_path) as f:
            m = _DATABASE_RE.search(f.read())
    except OSError:
        return None
    if m is None:
        return None
    value = m.group(1)
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return value if is_pg_url(value) else None


def pg_sql(sql):
    """sqlite3's SQL as the tests write it, for psycopg2: a ? placeholder
    becomes %s, every literal % doubles (psycopg2 formats string literals
    too), and the column user (a reserved word in PostgreSQL, quoted in its
    schema) is quoted; a ? or user in a string literal or quoted name stays."""
    def token(m):
        t = m.group(0)
        if t == "?":
            return "%s"
        if t[0] in "%'\"":
            return t.replace("%", "%%")
        if t.lower() == "user":
            return '"user"'
        return t
    return _SQL_TOKEN_RE.sub(token, sql)


class PgConnection:
    """A read-only PostgreSQL connection with sqlite3's execute(): the SQL
    goes through pg_sql(), rows are psycopg2's DictRow (row[0], row["id"],
    keys(), dict(row)), bytea comes back as bytes."""

    def __init__(self, url):
        import psycopg2
        import psycopg2.extensions
        import psycopg2.extras
        self.conn = psycopg2.connect(url, connect_timeout=10,
                                     options="-c statement_timeout=30000",
                                     cursor_factory=psycopg2.extras.DictCursor)
        self.conn.set_session(readonly=True, autocommit=True)
        binary = psycopg2.BINARY
        as_bytes = psycopg2.extensions.new_type(
            binary.values, "REFUGE_BYTES",
            lambda value, cur: None if value is None else bytes(binary(value, cur)))
        psycopg2.extensions.register_type(as_bytes, self.conn)

    def execute(self, sql, params=()):
        cur = self.conn.cursor()
        cur.execute(pg_sql(sql), tuple(params))
        return cur

    def close(self):
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False	# as sqlite3's: the connection stays open


def pg_unavailable():
    """Why the PostgreSQL run cannot go on here, or None."""
    why = pgcluster.available()
    if why is not None:
        return why
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        return "no psycopg2 (apt-get install python3-psycopg2)"
    return None


class PgDatabases:
    """The session's cluster and the databases made in it, one per daemon."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.count = 0
        self.urls = set()

    def create(self):
        self.count += 1
        name = "refuge_%d" % self.count
        url = self.cluster.create_database(name)
        self.urls.add(url)
        return name, url

    def drop(self, name):
        self.urls.discard(self.cluster.url(name))
        self.cluster.drop_database(name)


@pytest.fixture(scope="session")
def pg_databases():
    """None on SQLite; with REFUGE_TEST_STORE=postgresql, the cluster."""
    if STORE != "postgresql":
        yield None
        return
    why = pg_unavailable()
    if why is not None:
        pytest.skip("REFUGE_TEST_STORE=postgresql, but PostgreSQL cannot run "
                    "here: %s" % why)
    # Not under pytest's basetemp: another pytest session as the same user
    # starting meanwhile removes all but the three newest of those.
    top = tempfile.mkdtemp(prefix="refuge-pg-")
    cluster = pgcluster.PgCluster(os.path.join(top, "cluster"))
    try:
        cluster.start()
        yield PgDatabases(cluster)
    finally:
        cluster.destroy()
        shutil.rmtree(top, ignore_errors=True)


@pytest.fixture
def make_daemon(pki, password_hash, tmp_path, request, pg_databases):
    """Factory: make_daemon(config=, units=, registry=, directory=, start=True, env=).

    units maps a unit id to keys merged into its registry entry (None removes
    the unit); registry replaces top-level registry keys. Passing the
    directory of an earlier daemon reuses its files and database; env adds
    to refuged's environment. On PostgreSQL each new directory gets a fresh
    database, dropped after the test."""
    started = []
    count = [0]
    databases = []
    request.node.refuge_daemons = started	# for the log on failure

    def make(config=None, units=None, registry=None, directory=None, start=True, env=None):
        if directory is None:
            count[0] += 1
            directory = str(tmp_path / ("d%d" % count[0]))
            os.makedirs(directory)
            reg = default_registry(password_hash)
            if units:
                kept = []
                for entry in reg["units"]:
                    over = units.get(entry["id"], {})
                    if over is None:
                        continue
                    kept.append(merge(entry, over))
                reg["units"] = kept
            if registry:
                reg = merge(reg, registry)
            base = default_config(pki)
            if pg_databases is not None:
                name, base["database"] = pg_databases.create()
                databases.append(name)
            d = Daemon(directory, pki)
            d.write(merge(base, config or {}), reg)
            d.pg_url = database_url(d.config_path)
        else:
            d = Daemon(directory, pki)
        if d.pg_url is not None:
            _PG_URLS[d.db_path] = d.pg_url
        d.alone_on_pg = pg_databases is not None and d.pg_url in pg_databases.urls
        d.env = env
        started.append(d)
        if start:
            d.start()
        return d

    yield make

    problems = []
    for d in started:
        if d.proc is None:
            continue
        try:
            status = d.stop()
        except AssertionError as e:
            problems.append(str(e))
            continue
        mark = d.sanitizer_report()
        if mark:
            problems.append("sanitizer report (%s) from refuged in %s" % (mark, d.dir))
        elif not d.killed and status != 0:
            problems.append("refuged in %s exited with status %s after SIGTERM"
                            % (d.dir, status))
    for d in started:
        _PG_URLS.pop(d.db_path, None)
    for name in databases:
        pg_databases.drop(name)
    if problems:
        for d in started:
            print("---- refuged log (%s)\n%s" % (d.dir, d.log_text()))
        pytest.fail("; ".join(problems), pytrace=False)


@pytest.fixture
def daemon(make_daemon, request):
    marker = request.node.get_closest_marker("refuge")
    kw = dict(marker.kwargs) if marker else {}
    return make_daemon(**kw)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    # Show the daemon's log under a failing test.
    outcome = yield
    report = outcome.get_result()
    ci_refuses_skip(report)
    if report.when == "call" and report.failed:
        for d in getattr(item, "refuge_daemons", []):
            report.sections.append(("refuged log (%s)" % d.dir, d.log_text()[-20000:]))


# ---- with CI set, a skipped test fails: CI must run everything it is given.
# Tests left out on purpose are deselected (-m "not slow"), not skipped.

def ci_refuses_skip(report):
    """Turns a skip (not an expected failure) into a failure when CI is set."""
    if not os.environ.get("CI") or not report.skipped or hasattr(report, "wasxfail"):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = "failed"
    report.longrepr = "skipped while CI is set (install what it needs): %s" % reason


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    # A whole module skipped at import time fails the same way.
    outcome = yield
    ci_refuses_skip(outcome.get_result())


__all__ = ["Daemon", "db", "wait_for", "to_yaml", "yaml_line_of"]
