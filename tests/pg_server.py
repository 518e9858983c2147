"""A throwaway PostgreSQL cluster for the tests, from Debian's `postgresql` package
(scripts/setup.sh --services installs it): initdb in a temporary directory, run as an
unprivileged user (PostgreSQL refuses root), on a free loopback port, its unix socket in
that directory too. Each test gets a database of its own, copied from a migrated template.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

BACKENDS = ["sqlite", "postgresql"]  # what the store tests run on (conftest.any_db)
USER = "herd-test-pg"  # made when running as root and Debian's `postgres` user is absent
TEMPLATE = "herd_template"


class Missing(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def bindir() -> Path:
    """Where initdb and pg_ctl are: on PATH, or Debian's /usr/lib/postgresql/N/bin."""
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                  key=lambda p: int(Path(p).parent.parent.name)
                  if Path(p).parent.parent.name.isdigit() else 0)
    if not dirs:
        raise Missing("PostgreSQL is not installed: run ./scripts/setup.sh --services "
                      "(Debian's postgresql package).")
    return Path(dirs[-1]).parent


def _run_as() -> tuple[list[str], int | None]:
    """The command prefix that drops root to an unprivileged user, and its uid (not root:
    no prefix, no uid)."""
    if os.geteuid() != 0:
        return [], None
    for name in ("postgres", USER):
        try:
            pwd.getpwnam(name)
            break
        except KeyError:
            continue
    else:
        name = USER
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell",
                        "/usr/sbin/nologin", name], check=True, capture_output=True)
    entry = pwd.getpwnam(name)
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", name, "--"], entry.pw_uid
    return ["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}",
            "--clear-groups"], entry.pw_uid


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    """One cluster for the test session; start()/stop() for tests of a database going away."""

    def __init__(self) -> None:
        self.bin = bindir()
        self.prefix, uid = _run_as()
        self.dir = Path(tempfile.mkdtemp(prefix="herd-pg-"))
        self.data = self.dir / "data"
        if uid is not None:
            os.chown(self.dir, uid, -1)
        self.port = free_port()
        self._count = 0
        self._pg("initdb", "-D", str(self.data), "-U", "herd", "--auth=trust",
                 "--no-locale", "-E", "UTF8", "--no-sync")
        self.start()
        with self.admin() as conn:
            conn.execute(f"CREATE DATABASE {TEMPLATE}")
        from server.store import Store

        Store(self.url(TEMPLATE)).close()  # migrated once; each test's database copies it

    def _pg(self, tool: str, *args: str) -> None:
        cmd = [*self.prefix, str(self.bin / tool), *args]
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=self.dir)
        if done.returncode != 0:
            log = (self.dir / "log").read_text() if (self.dir / "log").exists() else ""
            raise RuntimeError(f"{tool} failed: {done.stdout}{done.stderr}\n{log[-2000:]}")

    def start(self) -> None:
        """Start (again) on the same port; returns once it accepts connections."""
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c full_page_writes=off -c synchronous_commit=off "
                   "-c max_connections=300")
        self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-o", options,
                 "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop it: `fast` rolls back open transactions and drops every connection."""
        self._pg("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://herd@127.0.0.1:{self.port}/{database}"

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(self.url(), autocommit=True)

    def new_database(self, empty: bool = False) -> str:
        """A fresh database of its own, migrated (or empty): its URL."""
        self._count += 1
        name = f"t{self._count}"
        template = "template0" if empty else TEMPLATE
        with self.admin() as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY")
        return self.url(name)

    def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with self.admin() as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def close(self) -> None:
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
