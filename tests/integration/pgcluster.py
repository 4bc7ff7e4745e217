"""A throw-away PostgreSQL cluster for the tests: Debian's postgresql-15,
initdb in a temporary directory as an unprivileged user (PostgreSQL refuses
to run as root), listening on a loopback port of its own; nothing touches
the system's clusters or port 5432.

    cluster = PgCluster(directory).start()
    url = cluster.create_database("t1")   # postgresql://postgres@127.0.0.1:PORT/t1
    cluster.psql("t1", "SELECT 1")
    cluster.stop()

available() says why PostgreSQL cannot run here (None when it can).
"""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time

PG_BIN = os.environ.get("REFUGE_PG_BIN", "/usr/lib/postgresql/15/bin")
RUN_AS = os.environ.get("REFUGE_PG_USER", "postgres")


def available():
    """None when a cluster can be made here, else the reason."""
    if not os.access(os.path.join(PG_BIN, "initdb"), os.X_OK):
        return "no %s/initdb (apt-get install postgresql-15)" % PG_BIN
    if os.getuid() == 0:
        try:
            pwd.getpwnam(RUN_AS)
        except KeyError:
            return "no user %r to run PostgreSQL as" % RUN_AS
    return None


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgCluster:
    def __init__(self, directory, port=None, fsync=False, settings=None):
        self.dir = directory
        self.data = os.path.join(directory, "data")
        self.sock = os.path.join(directory, "sock")
        self.log = os.path.join(directory, "postgresql.log")
        self.port = port or free_port()
        self.fsync = fsync
        self.settings = dict(settings or {})

    # ---- running commands as the cluster's owner

    def _owner(self):
        if os.getuid() != 0:
            return None
        return pwd.getpwnam(RUN_AS)

    def _run(self, argv, check=True, input=None, timeout=60):
        owner = self._owner()
        if owner is not None:
            argv = ["runuser", "-u", RUN_AS, "--"] + argv
        return subprocess.run(argv, check=check, capture_output=True, text=True,
                              input=input, timeout=timeout, cwd=self.dir)

    def _chown(self, path):
        owner = self._owner()
        if owner is not None:
            os.chown(path, owner.pw_uid, owner.pw_gid)

    def init(self):
        os.makedirs(self.dir, exist_ok=True)
        self._chown(self.dir)
        os.chmod(self.dir, 0o755)
        # The temporary directories above it must let the owner through.
        parent = os.path.dirname(self.dir)
        while parent not in ("/", ""):
            st = os.stat(parent)
            if not st.st_mode & 0o001:
                os.chmod(parent, st.st_mode | 0o001)
            parent = os.path.dirname(parent)
        os.makedirs(self.sock, exist_ok=True)
        self._chown(self.sock)
        argv = [os.path.join(PG_BIN, "initdb"), "-D", self.data, "-A", "trust",
                "-U", "postgres", "-E", "UTF8", "--locale=C"]
        if not self.fsync:
            argv.append("--no-sync")
        self._run(argv)
        conf = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": "'%s'" % self.sock,
            "fsync": "on" if self.fsync else "off",
            "synchronous_commit": "on",
            "max_connections": "200",
            "shared_buffers": "64MB",
            "wal_level": "replica",
            "max_wal_senders": "4",
            "logging_collector": "off",
        }
        conf.update(self.settings)
        with open(os.path.join(self.data, "postgresql.auto.conf"), "a") as f:
            for k, v in conf.items():
                f.write("%s = %s\n" % (k, v))
        with open(os.path.join(self.data, "pg_hba.conf"), "a") as f:
            f.write("host replication all 127.0.0.1/32 trust\n")
        return self

    def start(self, init=True):
        if init and not os.path.exists(os.path.join(self.data, "PG_VERSION")):
            self.init()
        self._run([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-l", self.log,
                   "-w", "-t", "60", "start"])
        return self

    def stop(self, mode="fast"):
        self._run([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-m", mode,
                   "-w", "stop"], check=False)

    def pid(self):
        try:
            with open(os.path.join(self.data, "postmaster.pid")) as f:
                return int(f.readline())
        except (OSError, ValueError):
            return None

    def kill(self):
        """SIGKILL of the postmaster, as a crash of its machine would."""
        pid = self.pid()
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except OSError:
                    break
                time.sleep(0.02)
        # The children go when they see the postmaster gone; make sure.
        self._run(["pkill", "-9", "-f", "-u", RUN_AS, self.data], check=False)

    def destroy(self):
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)

    # ---- databases

    def url(self, dbname, host="127.0.0.1", port=None):
        return "postgresql://postgres@%s:%d/%s" % (host, port or self.port, dbname)

    def psql(self, dbname, sql, check=True):
        """Runs sql; the rows as lists of text fields (| separated)."""
        out = self._run([os.path.join(PG_BIN, "psql"), "-X", "-q", "-A", "-t",
                         "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                         "-p", str(self.port), "-U", "postgres", "-d", dbname,
                         "-c", sql], check=check)
        return [line.split("|") for line in out.stdout.splitlines() if line != ""]

    def create_database(self, dbname):
        self.psql("postgres", 'CREATE DATABASE "%s"' % dbname)
        return self.url(dbname)

    def drop_database(self, dbname):
        self.psql("postgres", 'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % dbname,
                  check=False)

    # ---- a synchronous standby of this cluster

    def make_standby(self, directory, name="standby1"):
        """A streaming standby of this cluster (pg_basebackup), started, and
        named in this one's synchronous_standby_names."""
        standby = PgCluster(directory, fsync=self.fsync)
        os.makedirs(directory, exist_ok=True)
        standby._chown(directory)
        os.makedirs(standby.sock, exist_ok=True)
        standby._chown(standby.sock)
        self._run([os.path.join(PG_BIN, "pg_basebackup"), "-h", "127.0.0.1",
                   "-p", str(self.port), "-U", "postgres", "-D", standby.data,
                   "-R", "-X", "stream", "-c", "fast", "--no-sync"])
        with open(os.path.join(standby.data, "postgresql.auto.conf"), "a") as f:
            f.write("port = %d\n" % standby.port)
            f.write("unix_socket_directories = '%s'\n" % standby.sock)
            f.write("primary_conninfo = 'host=127.0.0.1 port=%d user=postgres "
                    "application_name=%s'\n" % (self.port, name))
        standby.start(init=False)
        self.psql("postgres", "ALTER SYSTEM SET synchronous_standby_names = '%s'" % name)
        self.psql("postgres", "SELECT pg_reload_conf()")
        return standby

    def promote(self):
        self._run([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-w",
                   "promote"])
