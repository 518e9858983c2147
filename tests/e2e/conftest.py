"""End-to-end fixtures: the real `herd serve --no-ai` on a temporary database and Debian's
Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import SERVERS, TEST_CONTEXT
from serve_log import token_from_log

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("HERD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _herd_command() -> list[str]:
    exe = ROOT / ".venv" / "bin" / "herd"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "server.cli"]


class Server:
    """The running server: its base URL, the owner token it printed, and a tiny JSON client
    (as the owner) for arranging and checking."""

    def __init__(self, base: str, token: str) -> None:
        self.base, self.token = base, token
        SERVERS[base] = self  # so helpers that get a URL can log in to its server

    def login(self, target) -> None:
        """Make a browser context (or a page's) the owner's: open the owner link, as the
        person who started Herd does, so the context holds the session cookie."""
        ctx = getattr(target, "context", target)
        resp = ctx.request.get(f"{self.base}/?token={self.token}")
        assert resp.ok, resp.status

    def api(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json",
                                              "Authorization": f"Bearer {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    def board(self, name: str = "Test board", notes: list[dict] | None = None,
              groups: list[dict] | None = None) -> str:
        """A new board holding the given notes and groups; returns its id."""
        b = self.api("POST", "/api/boards", {"name": name})["id"]
        ops = [{"op": "create", "kind": "group", "id": g.pop("id"), "fields": g}
               for g in (groups or [])]
        ops += [{"op": "create", "kind": "note", "id": n.pop("id"), "fields": n}
                for n in (notes or [])]
        if ops:
            self.api("POST", f"/api/boards/{b}/ops", {"ops": ops})
        return b

    def snapshot(self, board_id: str) -> dict:
        return self.api("GET", f"/api/boards/{board_id}")

    def notes(self, board_id: str) -> dict[str, dict]:
        return {n["id"]: n for n in self.snapshot(board_id)["notes"]}


class ServerProcess:
    """`herd serve` (--no-ai unless ai=True) as a child process that can be stopped and started
    again."""

    def __init__(self, db: Path, port: int, log_path: Path, ai: bool = False) -> None:
        self.db, self.port, self.log_path, self.ai = db, port, log_path, ai
        self.base = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Server:
        log = open(self.log_path, "a+")  # noqa: SIM115 (closed by stop)
        self._log = log
        self.proc = subprocess.Popen(
            [*_herd_command(), "serve", *([] if self.ai else ["--no-ai"]), "--db", str(self.db),
             "--port", str(self.port)],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + (180 if self.ai else 60)  # the models take a while
        while True:
            try:
                urllib.request.urlopen(self.base + "/api/health", timeout=2).read()
                log.seek(0)
                return Server(self.base, token_from_log(log.read()))
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"herd serve did not start:\n{log.read()[-3000:]}")
                time.sleep(0.2)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self._log.close()
        self.proc = None


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[Server]:
    """`herd serve --no-ai` on a free port and a fresh database; stopped after the session."""
    tmp = tmp_path_factory.mktemp("e2e")
    sp = ServerProcess(tmp / "herd.db", _free_port(), tmp / "server.log")
    try:
        yield sp.start()
    finally:
        sp.stop()


@pytest.fixture
def ai_server(tmp_path) -> Iterator[Server]:
    """`herd serve` with the bundled local models (skipped when they are not prepared)."""
    if not _models_ready():
        pytest.skip("the bundled models are not prepared (herd models prepare)")
    sp = ServerProcess(tmp_path / "herd.db", _free_port(), tmp_path / "server.log", ai=True)
    try:
        yield sp.start()
    finally:
        sp.stop()


def _models_ready() -> bool:
    proc = subprocess.run([*_herd_command(), "models", "status"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    return proc.returncode == 0  # non-zero when anything is missing


@pytest.fixture
def server_process(tmp_path) -> Iterator[ServerProcess]:
    """A server of the test's own, for tests that stop and restart it."""
    sp = ServerProcess(tmp_path / "herd.db", _free_port(), tmp_path / "server.log")
    try:
        yield sp
    finally:
        sp.stop()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session (Debian's, not a Playwright download)."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, **TEST_CONTEXT)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    """A page that fails the test on any uncaught script error."""
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    assert not errors, f"script errors in the page: {errors}"


@pytest.fixture
def open_board(server) -> Callable:
    """Open a board in a page and wait until it is loaded and live."""

    def _open(pg, board_id: str):
        server.login(pg)
        pg.goto(f"{server.base}/b/{board_id}")
        pg.wait_for_function(
            "window.herd && window.herd.model && window.herd.connection === 'live'")
        return pg

    return _open


@pytest.fixture
def wait() -> Callable:
    """wait(check, timeout=10, what=...): poll until check() is truthy."""
    return wait_until


def wait_until(check: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    """Poll `check` until it returns something truthy (a condition, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")
