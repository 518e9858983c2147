"""A throwaway `redis-server` (Debian's package) for tests: a free loopback port, a temporary
directory, no persistence; stopped after. scripts/setup.sh --services installs it.

    def test_x(redis_url): ...        # one Redis for the test
    def test_y(redis_server): redis_server.restart()   # faults
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from pg_server import free_port

BINARY = shutil.which("redis-server") or "/usr/bin/redis-server"


class RedisServer:
    """One redis-server process; restart() keeps its port (clients reconnect to it)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="herd-redis-"))
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        """Start it and wait until it answers."""
        log = open(self.dir / "redis.log", "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [BINARY, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
             "--save", "", "--appendonly", "no", "--protected-mode", "yes",
             "--daemonize", "no"],
            stdout=log, stderr=log, start_new_session=True)
        log.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("redis-server exited: "
                                   + (self.dir / "redis.log").read_text(errors="replace"))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise TimeoutError("redis-server did not answer")

    def stop(self) -> None:
        """Stop it (SIGKILL: nothing to save, and it is quicker)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def restart(self, down_for: float = 0.0) -> None:
        """Kill it, stay down `down_for` seconds, start it again on the same port (empty)."""
        self.stop()
        time.sleep(down_for)
        self.start()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def redis_server():
    """A fresh redis-server for this test (skips, and under CI=true fails, without one)."""
    if not Path(BINARY).exists():
        pytest.skip("redis-server is not installed: run ./scripts/setup.sh --services")
    server = RedisServer()
    yield server
    server.close()


@pytest.fixture
def redis_url(redis_server) -> str:
    return redis_server.url
