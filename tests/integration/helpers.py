"""A Help Point client and polling helpers for the integration tests."""

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
    key = (pki.dir, cert, max_version)
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
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            if self.eof:
                return None
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("%s: no line within %ss (have %r)"
                                     % (self.cert, timeout, self.buf))
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except (ssl.SSLError, OSError) as e:
                self.error = e
                self.eof = True
                continue
            if not data:
                self.eof = True
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode("utf-8", "replace").rstrip("\r")

    def expect(self, prefix, timeout=5.0):
        """Reads a line, asserts it starts with prefix and returns it."""
        line = self.readline(timeout)
        assert line is not None, "%s: expected %r, got EOF (%r)" % (self.cert, prefix, self.error)
        assert line.startswith(prefix), "%s: expected %r, got %r" % (self.cert, prefix, line)
        return line

    def expect_eof(self, timeout=5.0):
        """Asserts the receiver closes the connection with no further line."""
        line = self.readline(timeout)
        assert line is None, "%s: expected the connection closed, got %r" % (self.cert, line)

    def hello(self, unit_id=None, version=1, fw=None, timeout=5.0):
        """HELLO and WELCOME; returns (heartbeat seconds, receiver unix time)."""
        line = "HELLO %s %s" % (unit_id or self.cert, version)
        if fw is not None:
            line += " fw=%s" % fw
        self.send(line)
        words = self.expect("WELCOME ", timeout).split()
        assert len(words) == 3, words
        return int(words[1]), int(words[2])

    def event(self, event_id, type_, *attrs, timeout=5.0):
        """Sends an EVENT and returns the reply line."""
        self.send(" ".join(["EVENT", event_id, type_] + list(attrs)))
        line = self.readline(timeout)
        assert line is not None, "%s: EOF after EVENT %s (%r)" % (self.cert, event_id, self.error)
        return line

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
