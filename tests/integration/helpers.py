"""A Help Point client and polling helpers for the integration tests."""

import os
import re
import socket
import ssl
import time

_contexts = {}


def wait_for(predicate, timeout=5.0, interval=0.02, message=None):
    """Polls predicate until it returns something true, and returns that."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(message or "condition not met within %ss" % timeout)
        time.sleep(interval)


def tls_context(pki, cert, max_version=None):
    """A client context trusting the test CA, with the unit certificate cert
    (a name under units/, or None for no client certificate)."""
    # Keyed by the files' times too: a unit enrolled again has a new pair.
    stamp = None
    if cert is not None:
        try:
            stamp = os.stat(pki.cert(cert)).st_mtime_ns
        except OSError:
            pass
    key = (pki.dir, cert, max_version, stamp)
    ctx = _contexts.get(key)
    if ctx is None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(pki.ca)
        ctx.check_hostname = True
        if cert is not None:
            ctx.load_cert_chain(pki.cert(cert), pki.key(cert))
        if max_version is not None:
            ctx.maximum_version = max_version
        _contexts[key] = ctx
    return ctx


def read_line(conn, who, timeout):
    """The next line of conn (its .sock, .buf, .eof, .error) without its LF
    (and CR), or None on EOF or a connection error; raises AssertionError
    when nothing comes in time."""
    deadline = time.monotonic() + timeout
    while b"\n" not in conn.buf:
        if conn.eof:
            return None
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError("%s: no line within %ss (have %r)" % (who, timeout, conn.buf))
        conn.sock.settimeout(left)
        try:
            data = conn.sock.recv(65536)
        except socket.timeout:
            continue
        except (ssl.SSLError, OSError) as e:
            conn.error = e
            conn.eof = True
            continue
        if not data:
            conn.eof = True
        conn.buf += data
    line, conn.buf = conn.buf.split(b"\n", 1)
    return line.decode("utf-8", "replace").rstrip("\r")


class Unit:
    """A Help Point's connection to the receiver's unit port.

    cert names the client certificate (None: none); tls=False gives a bare
    TCP connection. With allow_refusal, a failed TLS handshake is kept in
    .error instead of raised, and reads then report EOF."""

    def __init__(self, daemon, cert="HP-001", *, tls=True, max_version=None,
                 rcvbuf=None, allow_refusal=False, timeout=5.0, port=None):
        self.daemon = daemon
        self.cert = cert
        self.buf = b""
        self.eof = False
        self.error = None
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        raw.settimeout(timeout)
        raw.connect(("127.0.0.1", port or daemon.units_port))
        self.local_port = raw.getsockname()[1]
        self.peer = "peer=127.0.0.1:%d" % self.local_port
        self.sock = raw
        if tls:
            ctx = tls_context(daemon.pki, cert, max_version)
            try:
                self.sock = ctx.wrap_socket(raw, server_hostname="localhost")
            except (ssl.SSLError, ConnectionError) as e:
                if not allow_refusal:
                    raw.close()
                    raise
                self.error = e
                self.eof = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def tls_version(self):
        return self.sock.version() if isinstance(self.sock, ssl.SSLSocket) else None

    def send(self, line):
        """Sends one line; a str gets "\\n" appended, bytes go as they are."""
        data = line if isinstance(line, bytes) else (line + "\n").encode()
        self.sock.sendall(data)

    def readline(self, timeout=5.0):
        """The next line without its LF (and CR), or None on EOF or a
        connection error; raises AssertionError when nothing comes in time."""
        return read_line(self, self.cert, timeout)

    def expect(self, prefix, timeout=5.0):
        """Reads a line, asserts it starts with prefix and returns it."""
        line = self.readline(timeout)
        assert line is not None, "%s: expected %r, got EOF (%r)" % (self.cert, prefix, self.error)
        assert line.startswith(prefix), "%s: expected %r, got %r" % (self.cert, prefix, line)
        return line

    def expect_eof(self, timeout=5.0):
        """Asserts the receiver closes the connection with no further line
        but the commands a BUTTON earns."""
        line = self.readline(timeout)
        while line is not None and line.startswith("CMD "):
            line = self.readline(timeout)
        assert line is None, "%s: expected the connection closed, got %r" % (self.cert, line)

    def hello(self, unit_id=None, version=1, fw=None, timeout=5.0):
        """HELLO and WELCOME; returns (heartbeat seconds, receiver unix time)."""
        line = "HELLO %s %s" % (unit_id or self.cert, version)
        if fw is not None:
            line += " fw=%s" % fw
        self.send(line)
        words = self.expect("WELCOME ", timeout).split()
        # WELCOME <hb> <time> [key=value ...]: the keys are kept in .welcome.
        assert len(words) >= 3 and all("=" in w for w in words[3:]), words
        self.welcome = dict(w.split("=", 1) for w in words[3:])
        return int(words[1]), int(words[2])

    def event(self, event_id, type_, *attrs, timeout=5.0):
        """Sends an EVENT and returns the reply line; the activation commands
        a BUTTON earns (CMD lines) are passed over."""
        self.send(" ".join(["EVENT", event_id, type_] + list(attrs)))
        while True:
            line = self.readline(timeout)
            assert line is not None, "%s: EOF after EVENT %s (%r)" % (self.cert, event_id, self.error)
            if not line.startswith("CMD "):
                return line

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# ---- the operator side

OPERATOR_PASSWORD = "secret"	# what conftest's password_hash fixture hashes

_FIELD_RE = re.compile(r'([A-Za-z_]+)=("(?:[^"\\]|\\.)*"|\S*)|("(?:[^"\\]|\\.)*")|(\S+)')


def _unquote(text):
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    return text


def parse_line(line):
    """Splits a protocol line into (words, fields): bare words (quoted ones
    unquoted) in order, and key=value pairs with values unquoted."""
    words, fields = [], {}
    if line.startswith("* "):
        line = line[2:]
    for m in _FIELD_RE.finditer(line):
        if m.group(1) is not None:
            fields[m.group(1)] = _unquote(m.group(2))
        elif m.group(3) is not None:
            words.append(_unquote(m.group(3)))
        else:
            words.append(m.group(4))
    return words, fields


ISO_MS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
ALARM_RE = re.compile(
    r'^(\* )?ALARM (?P<id>\d+) prio=(?P<prio>\d+) state=(?P<state>queued|claimed|resolved)'
    r' type=(?P<type>[A-Z_]+) unit=(?P<unit>\S+) site=(?P<site>\S+)'
    r' at=(?P<at>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)'
    r' name="(?P<name>(?:[^"\\]|\\.)*)"'
    r'(?: lat=(?P<lat>-?\d+\.\d{6}) lon=(?P<lon>-?\d+\.\d{6}))?'
    r'(?: count=(?P<count>\d+))?(?: (?P<restored>restored=1))?(?: by=(?P<by>\S+))?'
    r'(?: (?P<unstored>stored=no))?'
    r'(?: outcome=(?P<outcome>\S+))?'
    # From the alarm's first event (DC-09 panels): refuge-dc09(7).
    r'(?: code=(?P<code>"(?:[^"\\]|\\.)*"|\S+))?'
    r'(?: verify=(?P<verify>"(?:[^"\\]|\\.)*"|\S+))?'
    r'(?: path=(?P<path>\S+))?$')


def iso_ms(text):
    """Milliseconds since the epoch of a YYYY-MM-DDTHH:MM:SS.mmmZ time."""
    import calendar
    assert ISO_MS_RE.match(text), text
    secs = calendar.timegm(time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S"))
    return secs * 1000 + int(text[20:23])


def parse_alarm(line):
    """An ALARM line (reply or push) as a dict; asserts the exact format."""
    m = ALARM_RE.match(line)
    assert m, "not an ALARM line in the v1 format: %r" % line
    a = m.groupdict()
    a["id"] = int(a["id"])
    a["prio"] = int(a["prio"])
    a["count"] = int(a["count"]) if a["count"] else 1
    assert m.group("count") is None or a["count"] > 1, "count=1 must be left out: %r" % line
    a["restored"] = a["restored"] is not None
    a["at_ms"] = iso_ms(a["at"])
    for key in ("code", "verify"):
        if a[key] is not None and a[key].startswith('"'):
            a[key] = _unquote(a[key])
    a["line"] = line[2:] if line.startswith("* ") else line
    return a


class Operator:
    """An operator's connection to the receiver's operator port (TLS, the
    test CA verifies the server; no client certificate).

    request() returns (data lines, final OK/ERR line); pushes ("* " lines)
    met on the way are kept in .pushes until wait_push() takes them, and all
    of them stay in .seen. A push inside a reply fails the test. source
    binds the client to another loopback address (127.0.0.2 and up)."""

    def __init__(self, daemon, user=None, password=OPERATOR_PASSWORD, *, timeout=5.0,
                 rcvbuf=None, tls=True, source=None):
        self.daemon = daemon
        self.user = user
        self.buf = b""
        self.eof = False
        self.error = None
        self.pushes = []
        self.seen = []
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        raw.settimeout(timeout)
        if source is not None:
            raw.bind((source, 0))
        raw.connect(("127.0.0.1", daemon.operators_port))
        self.local_port = raw.getsockname()[1]
        self.peer = "peer=%s:%d" % (source or "127.0.0.1", self.local_port)
        self.sock = raw
        if tls:
            try:
                self.sock = tls_context(daemon.pki, None).wrap_socket(
                    raw, server_hostname="localhost")
            except BaseException:
                raw.close()
                raise
        if user is not None:
            final = self.login(user, password)
            assert final.startswith("OK role="), "%s: LOGIN got %r" % (user, final)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return "Operator(%s %s)" % (self.user, self.peer)

    @property
    def tls_version(self):
        return self.sock.version() if isinstance(self.sock, ssl.SSLSocket) else None

    def send(self, line):
        """Sends one line; a str gets "\\n" appended, bytes go as they are."""
        data = line if isinstance(line, bytes) else (line + "\n").encode()
        self.sock.sendall(data)

    def readline(self, timeout=5.0):
        """The next line (see read_line)."""
        return read_line(self, repr(self), timeout)

    def _push(self, line):
        self.pushes.append(line)
        self.seen.append(line)

    def reply(self, timeout=5.0):
        """Reads one reply: (data lines, final line)."""
        deadline = time.monotonic() + timeout
        data = []
        while True:
            line = self.readline(max(0.0, deadline - time.monotonic()))
            assert line is not None, "%r: EOF before the reply ended (data %r, %r)" \
                % (self, data, self.error)
            if line.startswith("* "):
                assert not data, "%r: push %r inside a reply (after %r)" % (self, line, data)
                self._push(line)
                continue
            if line == "OK" or line.startswith("OK ") or line.startswith("ERR "):
                return data, line
            data.append(line)

    def request(self, line, timeout=5.0):
        """Sends a request and returns (data lines, final OK/ERR line)."""
        self.send(line)
        return self.reply(timeout)

    def ok(self, line, timeout=5.0):
        """request() that asserts OK; returns (data lines, final line)."""
        data, final = self.request(line, timeout)
        assert final == "OK" or final.startswith("OK "), "%r: %r got %r" % (self, line, final)
        return data, final

    def call(self, line, timeout=5.0):
        """request() when only the final line matters."""
        return self.request(line, timeout)[1]

    def login(self, user, password=OPERATOR_PASSWORD, timeout=5.0):
        self.user = user
        return self.call("LOGIN %s %s" % (user, password), timeout)

    def alarms(self):
        """ALARMS parsed: a list of dicts in stack order (checks OK <count>)."""
        data, final = self.ok("ALARMS")
        assert final == "OK %d" % len(data), "ALARMS: %r after %d lines" % (final, len(data))
        return [parse_alarm(l) for l in data]

    def units(self):
        """UNITS parsed: {unit id: fields} (checks OK <count>)."""
        data, final = self.ok("UNITS")
        assert final == "OK %d" % len(data), "UNITS: %r after %d lines" % (final, len(data))
        out = {}
        for l in data:
            words, fields = parse_line(l)
            assert words[0] == "UNIT" and len(words) == 2, l
            out[words[1]] = fields
        return out

    @staticmethod
    def _matches(line, prefix, contains):
        want = prefix.split()
        if want[0] != "*":
            want = ["*"] + want
        return line.split()[:len(want)] == want and all(c in line for c in contains)

    def find_push(self, prefix, *contains, take=True):
        """The first kept push whose first words are prefix's (with or
        without the leading "*") and that holds every one of contains."""
        for n, line in enumerate(self.pushes):
            if self._matches(line, prefix, contains):
                if take:
                    del self.pushes[n]
                return line
        return None

    def wait_push(self, prefix, *contains, timeout=5.0):
        """Waits for a push (see find_push), takes it and returns it."""
        deadline = time.monotonic() + timeout
        while True:
            line = self.find_push(prefix, *contains)
            if line is not None:
                return line
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("%r: no push %r %r within %ss; pushes seen: %r"
                                     % (self, prefix, contains, timeout, self.seen[-20:]))
            try:
                line = self.readline(min(left, 0.1))
            except AssertionError:
                continue
            assert line is not None, "%r: EOF waiting for push %r (%r)" % (self, prefix, self.error)
            assert line.startswith("* "), "%r: %r outside any reply" % (self, line)
            self._push(line)

    def drain(self, wait=0.3):
        """Reads pushes for wait seconds; returns every push kept so far."""
        deadline = time.monotonic() + wait
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or self.eof:
                return list(self.pushes)
            try:
                line = self.readline(left)
            except AssertionError:
                continue
            if line is None:
                continue
            assert line.startswith("* "), "%r: %r outside any reply" % (self, line)
            self._push(line)

    def no_push(self, prefix, *contains, wait=0.3):
        """Asserts no such push is kept or arrives within wait seconds."""
        self.drain(wait)
        line = self.find_push(prefix, *contains, take=False)
        assert line is None, "%r: unexpected push %r" % (self, line)

    def expect_eof(self, timeout=5.0):
        while True:
            line = self.readline(timeout)
            if line is None:
                return
            assert line.startswith("* "), "%r: expected the connection closed, got %r" \
                % (self, line)
            self._push(line)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class CommandedUnit(Unit):
    """A Help Point that also takes the receiver's commands: CMD lines met
    while waiting for a reply are kept in .commands as (cmd_id, words)."""

    def __init__(self, daemon, cert="HP-001", **kw):
        super().__init__(daemon, cert, **kw)
        self.commands = []

    def reply(self, timeout=5.0):
        """The next line that is not a CMD."""
        deadline = time.monotonic() + timeout
        while True:
            line = self.readline(max(0.0, deadline - time.monotonic()))
            if line is not None and line.startswith("CMD "):
                words = line.split()
                assert len(words) >= 3, "%s: bad command line %r" % (self.cert, line)
                self.commands.append((words[1], words[2:]))
                continue
            return line

    def hello(self, unit_id=None, version=1, fw=None, timeout=5.0):
        line = "HELLO %s %s" % (unit_id or self.cert, version)
        if fw is not None:
            line += " fw=%s" % fw
        self.send(line)
        reply = self.reply(timeout)
        assert reply is not None and reply.startswith("WELCOME "), \
            "%s: expected WELCOME, got %r" % (self.cert, reply)
        words = reply.split()
        assert len(words) >= 3 and all("=" in w for w in words[3:]), words
        self.welcome = dict(w.split("=", 1) for w in words[3:])
        return int(words[1]), int(words[2])

    def event(self, event_id, type_, *attrs, timeout=5.0):
        self.send(" ".join(["EVENT", event_id, type_] + list(attrs)))
        line = self.reply(timeout)
        assert line is not None, "%s: EOF after EVENT %s (%r)" % (self.cert, event_id, self.error)
        return line

    def find_command(self, *words):
        for n, (cmd_id, got) in enumerate(self.commands):
            if got == list(words):
                del self.commands[n]
                return cmd_id
        return None

    def wait_command(self, *words, timeout=5.0):
        """Waits for "CMD <id> <words...>", takes it and returns its id."""
        deadline = time.monotonic() + timeout
        while True:
            cmd_id = self.find_command(*words)
            if cmd_id is not None:
                return cmd_id
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("%s: no CMD %r within %ss; kept: %r"
                                     % (self.cert, words, timeout, self.commands))
            try:
                line = self.reply(min(left, 0.1))
            except AssertionError:
                continue
            assert line is not None, "%s: EOF waiting for CMD %r" % (self.cert, words)
            raise AssertionError("%s: %r while waiting for CMD %r" % (self.cert, line, words))

    def drain_commands(self, wait=0.3):
        """Reads for wait seconds; returns every kept command."""
        deadline = time.monotonic() + wait
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or self.eof:
                return list(self.commands)
            try:
                line = self.reply(left)
            except AssertionError:
                continue
            assert line is None, "%s: %r outside any reply" % (self.cert, line)


def raise_alarm(op, unit, event_id, type_, *attrs, timeout=5.0):
    """The unit sends an event; returns the ALARM push op then gets for a
    new alarm (an id op has not seen pushed before), parsed. unit is a
    CommandedUnit."""
    known = {parse_line(l)[0][1] for l in op.seen if l.startswith("* ALARM ")}
    reply = unit.event(event_id, type_, *attrs)
    assert reply == "ACK %s" % event_id, reply
    deadline = time.monotonic() + timeout
    while True:
        push = op.wait_push("ALARM", "type=%s " % type_, "unit=%s " % unit.cert,
                            timeout=max(0.0, deadline - time.monotonic()))
        if parse_line(push)[0][1] not in known:
            return parse_alarm(push)


_PAIR_FIELDS = re.compile(r" (?:name|active)=\S+")


def unpaired(line):
    """A * RECEIVER line without the receiver pair's name= and active=
    (a receiver on PostgreSQL is one of a pair, even alone: the rerun)."""
    if isinstance(line, list):
        return [unpaired(l) for l in line]
    if line.startswith("* RECEIVER "):
        return _PAIR_FIELDS.sub("", line)
    return line
