"""Where everyone's pointer is on each board: in memory only, sent to the board in batches.

Cursors are the one kind of live news that is never stored or replayed: a position is stale
a moment later. Many people moving their pointers at once must not multiply the traffic, so
moves are not published one by one; a flusher sends each board at most one `cursors` event
per INTERVAL with every pointer that moved (and those that left) since the last one. With 50
people on a board, each listener gets 10 events a second, not 500.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

INTERVAL = 0.1  # seconds between a board's cursor events
FORGET_AFTER = 60.0  # a pointer silent this long is dropped (a tab that closed without saying)
MAX_PER_BOARD = 200  # pointers shown per board; later ones are ignored until some leave


class CursorRelay:
    """Collects pointer moves per board and publishes them in batches through the live hub."""

    def __init__(self, publish: Callable[[str, dict[str, Any]], None],
                 interval: float = INTERVAL, clock: Callable[[], float] = time.monotonic,
                 background: bool = True) -> None:
        self.publish, self.interval, self.clock = publish, interval, clock
        self.background = background  # False: the caller flushes (tests)
        self._lock = threading.Lock()
        # board -> client -> (x, y, name, last heard)
        self._where: dict[str, dict[str, tuple[float, float, str, float]]] = {}
        self._moved: dict[str, set[str]] = {}
        self._gone: dict[str, set[str]] = {}
        self._flusher: threading.Thread | None = None
        self._wake = threading.Event()

    def move(self, board_id: str, client: str, x: float, y: float, name: str = "") -> bool:
        """Record a pointer position (and the name shown beside it); False when the board
        already shows MAX_PER_BOARD pointers."""
        with self._lock:
            board = self._where.setdefault(board_id, {})
            if client not in board and len(board) >= MAX_PER_BOARD:
                return False
            board[client] = (x, y, name, self.clock())
            self._moved.setdefault(board_id, set()).add(client)
            self._gone.get(board_id, set()).discard(client)
        self._kick()
        return True

    def leave(self, board_id: str, client: str) -> None:
        """The pointer left the board (tab hidden, pointer out of the window, page closed)."""
        with self._lock:
            board = self._where.get(board_id, {})
            if board.pop(client, None) is None:
                return
            self._moved.get(board_id, set()).discard(client)
            self._gone.setdefault(board_id, set()).add(client)
        self._kick()

    def flush(self) -> int:
        """Publish one event per board with news; forget silent pointers. Boards published."""
        events = []
        now = self.clock()
        with self._lock:
            for board_id, board in list(self._where.items()):
                for client in [c for c, v in board.items() if now - v[3] > FORGET_AFTER]:
                    del board[client]
                    self._moved.get(board_id, set()).discard(client)
                    self._gone.setdefault(board_id, set()).add(client)
                if not board:
                    del self._where[board_id]
            for board_id in set(self._moved) | set(self._gone):
                moved = self._moved.pop(board_id, set())
                gone = self._gone.pop(board_id, set())
                where = self._where.get(board_id, {})
                positions = {c: list(where[c][:3]) for c in sorted(moved) if c in where}
                if positions or gone:
                    events.append((board_id, {"type": "cursors", "moved": positions,
                                              "gone": sorted(gone)}))
        for board_id, event in events:
            self.publish(board_id, event)
        return len(events)

    def count(self, board_id: str) -> int:
        """Pointers currently shown on a board."""
        with self._lock:
            return len(self._where.get(board_id, {}))

    def _kick(self) -> None:
        if not self.background:
            return
        with self._lock:  # the same lock as the flusher's decision to stop: no lost wake-up
            self._wake.set()
            if self._flusher is None:
                self._flusher = threading.Thread(target=self._run, name="herd-cursors",
                                                 daemon=True)
                self._flusher.start()

    def _run(self) -> None:
        """Flush every interval while there is news; stop when no board shows a pointer."""
        while True:
            # Pointers shown but none moving: wake up now and then to forget silent ones.
            self._wake.wait(timeout=FORGET_AFTER)
            self._wake.clear()
            time.sleep(self.interval)  # gather the moves of one interval into one event
            self.flush()
            with self._lock:
                if not self._wake.is_set() and not (self._where or self._moved or self._gone):
                    self._flusher = None  # the next move starts a new flusher
                    return


def init_app(app: Flask) -> None:
    """Attach a CursorRelay publishing through the app's live hub."""
    from .live import get_hub

    hub = get_hub(app)
    app.extensions["herd.cursors"] = CursorRelay(hub.publish)


def get_relay(app: Flask | None = None) -> CursorRelay:
    """The relay of the given app or of the current one."""
    return (app or current_app).extensions["herd.cursors"]
