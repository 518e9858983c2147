"""What the embed and chat clients share: one server, its model and dialect, a worker pool."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from .client import Server
from .errors import LlamafileError
from .pool import ServerPool, connect


class RoleClient:
    """A client for one role (embed or chat) on one server URL, or a pool of them."""

    role = ""

    def __init__(self, server: Server | ServerPool | str, *,
                 max_concurrency: int | None = None) -> None:
        # Several comma-separated URLs make a pool that spreads the calls (pool.py).
        self.server = connect(server, role=self.role) if isinstance(server, str) else server
        self.max_concurrency = max_concurrency
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    @property
    def model(self) -> str:
        """The server's model name ('unknown' until the server answers)."""
        try:
            return self.server.info().model
        except LlamafileError:
            return "unknown"

    @property
    def dialect(self) -> str:
        """The dialect detected for this server."""
        return self.server.info().dialect

    def _executor(self, workers: int) -> ThreadPoolExecutor:
        """A long-lived pool, so each worker thread keeps its pooled HTTP session."""
        with self._pool_lock:
            if self._pool is None or self._pool._max_workers < workers:
                old = self._pool
                self._pool = ThreadPoolExecutor(workers, f"herd-{self.role}")
                if old is not None:
                    old.shutdown(wait=False)
            return self._pool

    def close(self) -> None:
        """Stop the worker threads."""
        if self._pool is not None:
            self._pool.shutdown(wait=False)
