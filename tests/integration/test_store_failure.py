"""A failing database never crashes the daemon and never lets it ACK what it
has not stored; once the database is back, retransmissions are stored once."""

import re
import sqlite3
import time
import urllib.error
import urllib.request

import pytest


def health(d):
    port = int(re.search(r"metrics=127\.0\.0\.1:(\d+)", d.wait_log("ready ", "metrics=")).group(1))
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port,
                                    timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


@pytest.mark.sqlite_only
@pytest.mark.refuge(config={"listen": {"metrics": "127.0.0.1:0"}})
def test_locked_database_gets_no_ack_then_recovers(daemon):
    d = daemon
    u = d.unit("HP-001")
    u.hello()
    assert u.event("s1", "TEST") == "ACK s1"
    before = len(d.log_text().splitlines())

    # Another writer holds the database: every commit of refuged now fails.
    blocker = sqlite3.connect(d.db_path, timeout=0, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        u.send("EVENT s2 BUTTON")
        d.wait_log("store: write failed, nothing acknowledged")
        assert health(d) == 503
        # Meanwhile the daemon keeps serving: heartbeats are answered, and
        # nothing that was not stored is acknowledged.
        u.send("HB 5")
        deadline = time.monotonic() + 1.0
        seen = []
        while time.monotonic() < deadline:
            line = u.readline(max(0.05, deadline - time.monotonic()))
            seen.append(line)
            if line == "HBACK 5":
                break
        assert "HBACK 5" in seen, seen
        assert not any(l and l.startswith("ACK s2") for l in seen), seen
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()

    # The unit retransmits what was never acknowledged.
    assert u.event("s2", "BUTTON") == "ACK s2"
    assert len(d.events("HP-001", "BUTTON")) == 1
    assert health(d) == 200
    assert "ERROR: AddressSanitizer" not in "\n".join(d.log_text().splitlines()[before:])
