"""A TCP proxy on 127.0.0.1 that a test can cut, as a network partition
between a receiver and its database would.

    proxy = TcpProxy(("127.0.0.1", pg_port)).start()
    url = "postgresql://postgres@127.0.0.1:%d/db" % proxy.port
    ...
    proxy.cut()

cut() closes the upstream side of every session (so PostgreSQL sees the
client go, ends the session and frees its advisory locks) while the client
side stays open and silent: no FIN, no RST, nothing read from it or written
to it. Connections made after the cut are accepted and left silent the same
way (the partition goes on); heal() lets new ones through again. Only what
the proxy itself opened is ever closed, at stop().

One thread runs a selector loop; every method is safe from other threads.
"""

import selectors
import socket
import threading
import time

CHUNK = 65536


class _Session:
    __slots__ = ("client", "upstream", "to_up", "to_client", "silent")

    def __init__(self, client, upstream):
        self.client = client
        self.upstream = upstream
        self.to_up = b""	# read from the client, not yet written upstream
        self.to_client = b""
        self.silent = upstream is None


class TcpProxy:
    def __init__(self, upstream, listen=("127.0.0.1", 0)):
        self.upstream = upstream
        self.sel = selectors.DefaultSelector()
        self.lock = threading.Lock()
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(listen)
        self.listener.listen(64)
        self.listener.setblocking(False)
        self.port = self.listener.getsockname()[1]
        self.sessions = []
        self.cut_at = None	# time.monotonic() of the cut, None while whole
        self.accepted = 0
        self.silenced = 0	# sessions cut or accepted while cut
        self.bytes_up = 0
        self.bytes_down = 0
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._stop = False
        self._thread = None
        self._pending = []	# functions the loop runs next (cut, heal)

    # ---- control, from any thread

    def start(self):
        self.sel.register(self.listener, selectors.EVENT_READ, ("accept", None))
        self.sel.register(self._wake_r, selectors.EVENT_READ, ("wake", None))
        self._thread = threading.Thread(target=self._loop, name="tcpproxy", daemon=True)
        self._thread.start()
        return self

    def _call(self, fn, timeout=5.0):
        """Runs fn in the loop's thread and waits for it."""
        done = threading.Event()

        def run():
            try:
                fn()
            finally:
                done.set()
        with self.lock:
            self._pending.append(run)
        self._wake_w.send(b"x")
        if not done.wait(timeout):
            raise AssertionError("tcpproxy: the loop did not answer within %ss" % timeout)

    def cut(self):
        """Closes every upstream side, leaves every client side open and
        silent, and keeps new connections silent; returns the cut's time."""
        self._call(self._cut)
        return self.cut_at

    def heal(self):
        """New connections reach the upstream again (silenced ones stay so)."""
        def run():
            self.cut_at = None
        self._call(run)

    @property
    def is_cut(self):
        return self.cut_at is not None

    def live(self):
        """How many sessions are forwarding now."""
        with self.lock:
            return sum(1 for s in self.sessions if not s.silent)

    def stop(self):
        if self._thread is None:
            return
        self._stop = True
        self._wake_w.send(b"x")
        self._thread.join(10)
        self._thread = None
        for s in self.sessions:
            for sock in (s.client, s.upstream):
                if sock is not None:
                    sock.close()
        self.sessions = []
        self.listener.close()
        self._wake_r.close()
        self._wake_w.close()
        self.sel.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ---- the loop

    def _loop(self):
        while not self._stop:
            for key, events in self.sel.select(1.0):
                kind, session = key.data
                if kind == "accept":
                    self._accept()
                elif kind == "wake":
                    self._wake()
                else:
                    self._io(session, key.fileobj, events)

    def _wake(self):
        try:
            self._wake_r.recv(4096)
        except BlockingIOError:
            pass
        with self.lock:
            todo, self._pending = self._pending, []
        for fn in todo:
            fn()

    def _accept(self):
        try:
            client, _ = self.listener.accept()
        except (BlockingIOError, InterruptedError):
            return
        self.accepted += 1
        client.setblocking(False)
        upstream = None
        if self.cut_at is None:
            upstream = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            upstream.settimeout(5)
            try:
                upstream.connect(self.upstream)
            except OSError:
                # Nothing there: the client sees its connection refused.
                upstream.close()
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                  b"\x01\x00\x00\x00\x00\x00\x00\x00")
                client.close()
                return
            upstream.setblocking(False)
            upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s = _Session(client, upstream)
        with self.lock:
            self.sessions.append(s)
        if s.silent:
            # Accepted and never read: the client waits on a silent peer.
            self.silenced += 1
            return
        self.sel.register(client, selectors.EVENT_READ, ("client", s))
        self.sel.register(upstream, selectors.EVENT_READ, ("upstream", s))

    def _cut(self):
        self.cut_at = time.monotonic()
        with self.lock:
            sessions = list(self.sessions)
        for s in sessions:
            if not s.silent:
                self._silence(s)

    def _silence(self, s):
        """The upstream side closed, the client side kept open and ignored."""
        for sock in (s.client, s.upstream):
            try:
                self.sel.unregister(sock)
            except (KeyError, ValueError):
                pass
        s.upstream.close()
        s.upstream = None
        s.silent = True
        s.to_up = s.to_client = b""
        self.silenced += 1

    def _close(self, s):
        """An end closed by its peer before any cut: close both, as a
        plain forwarder would."""
        for sock in (s.client, s.upstream):
            if sock is None:
                continue
            try:
                self.sel.unregister(sock)
            except (KeyError, ValueError):
                pass
            sock.close()
        with self.lock:
            self.sessions.remove(s)

    def _io(self, s, sock, events):
        if s.silent:
            return
        src_is_client = sock is s.client
        dst = s.upstream if src_is_client else s.client
        if events & selectors.EVENT_READ:
            try:
                data = sock.recv(CHUNK)
            except (BlockingIOError, InterruptedError):
                data = None
            except OSError:
                data = b""
            if data == b"":
                self._close(s)
                return
            if data:
                if src_is_client:
                    s.to_up += data
                    self.bytes_up += len(data)
                else:
                    s.to_client += data
                    self.bytes_down += len(data)
        # Whatever woke us, write what is buffered each way.
        if not self._flush(s):
            return
        self._arm(s)

    def _flush(self, s):
        """Writes what is buffered each way; False when the session closed."""
        for attr, sock in (("to_up", s.upstream), ("to_client", s.client)):
            buf = getattr(s, attr)
            if not buf:
                continue
            try:
                n = sock.send(buf)
            except (BlockingIOError, InterruptedError):
                n = 0
            except OSError:
                self._close(s)
                return False
            setattr(s, attr, buf[n:])
        return True

    def _arm(self, s):
        """Reads from both ends always (test traffic is small); waits for
        writability where something is left to write."""
        for sock, out in ((s.client, s.to_client), (s.upstream, s.to_up)):
            ev = selectors.EVENT_READ | (selectors.EVENT_WRITE if out else 0)
            self.sel.modify(sock, ev, self.sel.get_key(sock).data)
