"""SQLite's WAL checkpoints, off the event loop.

With WAL and synchronous=NORMAL, SQLite syncs the disk only when it checkpoints: copies the
WAL back into the database file, then fsyncs it. By default the write that takes the WAL past
1,000 pages runs that checkpoint inside its COMMIT. In a 200-person room (600 writes a second,
~12 MB of WAL a second) that is a few times a second, and a COMMIT is one C call: while the
disk synced, the one gevent worker answered nobody, for 200-730 ms at a time (the worker's
stack sampled every 10 ms from another thread during bench/load.py 200 x 3), which was the
room's seen-by-others p99.

Here a real OS thread checkpoints every INTERVAL seconds on a connection of its own. PASSIVE:
it copies what it can without waiting for readers or writers, and never makes them wait;
SQLite releases the GIL while it works, so the worker keeps answering. The writer keeps an
automatic checkpoint only as a backstop, far past what the thread leaves behind (should the
thread fall behind or stop, the WAL still cannot grow without bound).
"""

from __future__ import annotations

import logging
import sqlite3
import sys
import time
import weakref
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)
INTERVAL = 0.5  # seconds between checkpoints: at 12 MB/s of WAL, ~6 MB each
BACKSTOP_PAGES = 20_000  # the writer's own automatic checkpoint (~80 MB of WAL)


def _real_thread_tools() -> tuple[Callable[..., Any], Callable[[float], None], Any]:
    """start_new_thread, sleep and a lock that are the operating system's, under gevent too."""
    monkey = sys.modules.get("gevent.monkey")
    if monkey is not None and monkey.is_module_patched("threading"):
        return (monkey.get_original("_thread", "start_new_thread"),
                monkey.get_original("time", "sleep"),
                monkey.get_original("_thread", "allocate_lock")())
    import _thread

    return _thread.start_new_thread, time.sleep, _thread.allocate_lock()


class Checkpointer:
    """One thread that checkpoints a SQLite database's WAL every `interval` seconds.

    Each checkpoint opens its own connection and closes it again: none stays open between
    them, so once stop() has returned this process holds no connection of ours (gunicorn's
    master opens the store to check it, then forks its workers, and a SQLite connection
    open across a fork breaks the child's locking: a second process stopped seeing the
    first one's writes)."""

    def __init__(self, connect: Callable[[], sqlite3.Connection], owner: object,
                 interval: float | None = None) -> None:
        self._connect = connect
        self.interval = INTERVAL if interval is None else interval
        self._stopped = False
        # The thread ends with its store, should nobody close it (tests make hundreds).
        self._owner = weakref.ref(owner)
        self.dirty = False  # set by the store after each COMMIT: only then is there work
        self.checkpoints = 0  # completed calls, and the last one's answer (tests)
        self.last: tuple[int, int, int] | None = None
        start_new_thread, self._sleep, self._busy = _real_thread_tools()
        self._start_new_thread = start_new_thread

    def start(self) -> None:
        self._start_new_thread(self._run, ())

    def stop(self) -> None:
        """No checkpoint runs once this returns (it waits for one under way)."""
        with self._busy:
            self._stopped = True

    def checkpoint(self) -> tuple[int, int, int]:
        """One PASSIVE checkpoint: (busy, frames in the WAL, frames copied back)."""
        conn = self._connect()
        try:
            row = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        finally:
            conn.close()
        self.checkpoints += 1
        self.last = (row[0], row[1], row[2])
        return self.last

    def _run(self) -> None:
        warned = 0.0
        while not self._stopped:
            self._sleep(self.interval)
            with self._busy:
                if self._stopped or self._owner() is None:
                    return
                if not self.dirty:
                    continue
                self.dirty = False
                try:
                    self.checkpoint()
                except sqlite3.Error as e:  # the next one tries again; the backstop holds
                    if time.monotonic() - warned > 60:
                        warned = time.monotonic()
                        log.warning("WAL checkpoint failed (%s): trying again", e)
