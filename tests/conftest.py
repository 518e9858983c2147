"""Shared fixtures: an app on a temporary SQLite file, with no AI unless a test asks."""

from __future__ import annotations

import os

import pytest
from flask import Flask
from flask.testing import FlaskClient
from serve_log import token_from_log

from server import create_app
from server.store import get_store
from server.store.access import OWNER


class OwnerClient(FlaskClient):
    """A test client that is the owner (Authorization: Bearer <owner token>) unless made
    with owner=False, as scripts are; tests of access make anonymous or link clients."""

    def __init__(self, *args, owner: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if owner:
            token = get_store(self.application).secret(OWNER)
            self.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI=true a test that would skip (no Chromium, node, models or ../shared/) fails
    instead, so a green CI run ran everything."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") == "true" and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, where every part must be present: {reason}"


# Every app a test makes hands out owner clients: the suite's tests of boards, notes and
# Organize act as the owner, as `herd serve`'s printed link does; tests of access ask for
# app.test_client(owner=False) and add the credentials they test.
Flask.test_client_class = OwnerClient


def owner_token(app) -> str:
    """The app's owner token, as `herd token` prints it."""
    return get_store(app).secret(OWNER)


@pytest.fixture
def db_path(request, tmp_path):
    """The test's database: a SQLite file, or with
    @pytest.mark.parametrize("db_path", BACKENDS, indirect=True) each backend in turn.
    HERD_TEST_BACKEND=postgresql runs every other test on PostgreSQL too."""
    backend = getattr(request, "param", os.environ.get("HERD_TEST_BACKEND", "sqlite"))
    yield from _database(request, tmp_path, backend)


@pytest.fixture
def make_app(db_path):
    """A test app on this test's database (no AI), with any settings changed: call it again
    for a restart on the same file."""
    def make(**settings):
        return create_app({"DATABASE": db_path, "AI_ENABLED": False, "TESTING": True,
                           **settings})
    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api_headers(app) -> dict[str, str]:
    """Headers every request of the API fuzz (tests/test_api_fuzz.py) carries: the owner's
    token, so the fuzz reaches past the gate."""
    return {"Authorization": f"Bearer {owner_token(app)}"}


class HerdServer:
    """A `herd serve --no-ai` subprocess on a free loopback port (its own process group)."""

    def __init__(self, db: str, *extra: str) -> None:
        import socket
        import subprocess
        import sys
        import tempfile
        from pathlib import Path

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = ""  # read from the line `herd serve` prints once it is up
        herd = Path(sys.executable).with_name("herd")
        self.log = tempfile.TemporaryFile()  # a file, not a pipe: a full pipe would block it
        # No AI unless the test hands it model servers (a fake's URL).
        no_ai = [] if "--llamafile-url" in extra else ["--no-ai"]
        self.proc = subprocess.Popen(
            [str(herd), "serve", *no_ai, "--db", db, "--host", "127.0.0.1",
             "--port", str(self.port), *extra],
            stdout=self.log, stderr=self.log, start_new_session=True)
        self.wait_ready()

    def wait_ready(self, timeout: float = 30) -> None:
        import time
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"herd serve exited: {self.output()}")
            try:
                with urllib.request.urlopen(self.url + "/api/health", timeout=2):
                    self.token = token_from_log(self.output())
                    return
            except OSError:
                time.sleep(0.1)
        raise TimeoutError(f"herd serve did not answer: {self.output()}")

    @property
    def headers(self) -> dict[str, str]:
        """The owner's Authorization header, for requests a test makes to this server."""
        return {"Authorization": f"Bearer {self.token}"}

    def output(self) -> str:
        """What the server logged so far."""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def kill(self) -> None:
        """SIGKILL the whole process group (gunicorn's master and its worker)."""
        import os
        import signal

        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM and wait, or SIGKILL after 10 s."""
        import os
        import signal
        import subprocess

        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


@pytest.fixture
def herd_server():
    """Start `herd serve --no-ai` subprocesses: herd_server(db_path) -> HerdServer."""
    started: list[HerdServer] = []

    def start(db: str, *extra: str) -> HerdServer:
        server = HerdServer(db, *extra)
        started.append(server)
        return server

    yield start
    for server in started:
        if server.proc.poll() is None:
            server.kill()
        server.log.close()


# -- the two store backends (issue 11) -------------------------------------------------------

from pg_server import BACKENDS  # noqa: E402  (beside its fixtures, not at the top)


@pytest.fixture(scope="session")
def pg_server():
    """One throwaway PostgreSQL cluster for the session (tests/pg_server.py); skipped when
    PostgreSQL is not installed, which fails under CI=true."""
    from pg_server import Missing, PgServer

    try:
        server = PgServer()
    except Missing as e:
        pytest.skip(str(e))
    yield server
    server.close()


@pytest.fixture(params=BACKENDS)
def any_db(request, tmp_path):
    """A database on each backend in turn: a SQLite file, then a fresh PostgreSQL database
    (migrated). A module runs all its app tests on both by overriding db_path with it."""
    yield from _database(request, tmp_path, request.param)


@pytest.fixture(params=BACKENDS)
def any_empty_db(request, tmp_path):
    """As any_db, but with no schema at all: for tests of migrations."""
    yield from _database(request, tmp_path, request.param, empty=True)


def _database(request, tmp_path, backend: str, empty: bool = False):
    if backend == "sqlite":
        yield str(tmp_path / "herd.db")
        return
    server = request.getfixturevalue("pg_server")
    url = server.new_database(empty=empty)
    yield url
    import gc

    gc.collect()  # the test's apps and stores, and with them their connections
    server.drop(url)
