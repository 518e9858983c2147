"""Child server processes that never outlive Herd: own process group, parent-death signal."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import requests

from .errors import LlamafileError

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # runs in the child between fork and exec
    # If Herd is killed outright (SIGKILL, OOM), the kernel sends the child SIGTERM: the
    # watchdog that no `finally` can provide. Linux only; elsewhere the process group suffices.
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    """A free TCP port on loopback (the OS picks; we release it just before the child binds)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Child:
    """One started server: its process, URL and log file."""

    def __init__(self, name: str, cmd: list[str], url: str, log_path: Path) -> None:
        self.name, self.cmd, self.url, self.log_path = name, cmd, url, log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(log_path, "wb")
        # A new session: Ctrl+C in the terminal reaches Herd only, and Herd stops the group.
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        self.started = time.monotonic()
        # gunicorn forks workers that unwind the same `with` blocks when they exit: only the
        # process that started a server may stop it.
        self.owner = os.getpid()

    def log_tail(self, lines: int = 15) -> str:
        """The last lines of the server's log, for error messages."""
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(text[-lines:])

    def wait_ready(self, timeout: float = 120.0) -> float:
        """Block until the server answers /health (or, lacking one, anything); seconds taken."""
        session = requests.Session()
        session.trust_env = False
        deadline = self.started + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise LlamafileError(
                    "start_failed",
                    f"{self.name} exited with code {self.proc.returncode} while starting. "
                    f"Its log ({self.log_path}) ends:\n{self.log_tail()}",
                    self.url,
                )
            try:
                r = session.get(self.url + "/health", timeout=2)
                if r.status_code == 200 or r.status_code == 404:
                    return time.monotonic() - self.started
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise LlamafileError(
            "start_failed",
            f"{self.name} did not become ready within {timeout:g}s. Log: {self.log_path}",
            self.url,
        )

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM the whole process group, then SIGKILL what is left after `grace` seconds."""
        if os.getpid() != self.owner:
            return
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        # The leader is gone; make sure no straggler of its group survives it.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self._log.close()


@contextlib.contextmanager
def sigterm_as_exit() -> Iterator[None]:
    """Turn SIGTERM into SystemExit while inside, so `finally` blocks stop the children."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)

    def _exit(signum, frame):  # noqa: ARG001
        raise SystemExit(128 + signum)

    if previous in (signal.SIG_DFL, None):
        signal.signal(signal.SIGTERM, _exit)
    try:
        yield
    finally:
        if previous in (signal.SIG_DFL, None):
            signal.signal(signal.SIGTERM, previous or signal.SIG_DFL)
