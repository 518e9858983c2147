"""Where everyone's pointer is on each board, and what they have selected: in memory only,
sent to the board in batches.

Like the spotlight and the timer, this live news is never stored or replayed: a position is
stale a moment later. Many people moving their pointers at once must not multiply the traffic, so
moves are not published one by one; a flusher sends each board at most one `cursors` event
per INTERVAL with every pointer that moved (and those that left) since the last one. With 50
people on a board, each listener gets 10 events a second, not 500.

With several processes, each one batches the pointers of the tabs it hears from and
publishes through the shared hub, so everyone sees every pointer; what a joining tab starts
from (peers) also reads what the other processes wrote to Redis (RedisPeers) at each flush.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from flask import Flask, current_app

INTERVAL = 0.1  # seconds between a board's cursor events
FORGET_AFTER = 60.0  # a pointer silent this long is dropped (a tab that closed without saying)
MAX_PER_BOARD = 200  # tabs shown per board; later ones are ignored until some leave
MAX_SELECTED = 200  # selected items shown per tab (a select-all of 5,000 notes is not news)
log = logging.getLogger(__name__)


class PeerShare(Protocol):
    """Where the processes of one Herd leave their tabs' pointers for each other."""

    def save(self, board_id: str, peers: dict[str, dict[str, Any]], gone: list[str]) -> None: ...
    def load(self, board_id: str) -> dict[str, dict[str, Any]]: ...


class RedisPeers:
    """A hash per board in Redis: tab -> its pointer, name, selection and when it was heard;
    a tab (or a whole process) silent for FORGET_AFTER is left out, and the key expires."""

    KEY = "herd:peers:"  # + board id

    def __init__(self, redis: Any) -> None:
        self.redis = redis

    def save(self, board_id: str, peers: dict[str, dict[str, Any]], gone: list[str]) -> None:
        key, now = self.KEY + board_id, time.time()
        pipe = self.redis.pipeline(transaction=False)
        if peers:
            pipe.hset(key, mapping={c: json.dumps({**p, "t": now}) for c, p in peers.items()})
        if gone:
            pipe.hdel(key, *gone)
        pipe.expire(key, int(FORGET_AFTER))
        pipe.execute()

    def load(self, board_id: str) -> dict[str, dict[str, Any]]:
        oldest, out = time.time() - FORGET_AFTER, {}
        for client, raw in self.redis.hgetall(self.KEY + board_id).items():
            peer = json.loads(raw)
            if peer.pop("t", 0) >= oldest:
                out[client] = peer
        return out


@dataclass
class Peer:
    """One tab on a board as the others see it: its pointer (None while away), its name and
    what it has selected."""

    x: float | None
    y: float | None
    name: str
    sel: list[str]
    heard: float


class CursorRelay:
    """Collects pointer moves and selections per board and publishes them in batches."""

    def __init__(self, publish: Callable[[str, dict[str, Any]], None],
                 interval: float = INTERVAL, clock: Callable[[], float] = time.monotonic,
                 background: bool = True, share: PeerShare | None = None) -> None:
        self.publish, self.interval, self.clock = publish, interval, clock
        self.share = share  # the other processes' tabs (None: this process is all there is)
        self.background = background  # False: the caller flushes (tests)
        self._lock = threading.Lock()
        self._peers: dict[str, dict[str, Peer]] = {}  # board -> client -> peer
        self._moved: dict[str, set[str]] = {}
        self._selected: dict[str, set[str]] = {}
        self._gone: dict[str, set[str]] = {}
        self._flusher: threading.Thread | None = None
        self._wake = threading.Event()

    def move(self, board_id: str, client: str, x: float | None, y: float | None,
             name: str | None = None) -> bool:
        """Record a pointer position (None, None: the pointer left the canvas) and the name
        shown beside it; False when the board already shows MAX_PER_BOARD people."""
        return self._update(board_id, client, name, self._moved, x=x, y=y)

    def select(self, board_id: str, client: str, keys: list[str],
               name: str | None = None) -> bool:
        """Record what a tab has selected ("note:<id>", "group:<id>"); same bound as move."""
        return self._update(board_id, client, name, self._selected, sel=keys)

    def leave(self, board_id: str, client: str) -> None:
        """The tab left the board (hidden, closed): its pointer and selection go."""
        with self._lock:
            if self._peers.get(board_id, {}).pop(client, None) is None:
                return
            self._moved.get(board_id, set()).discard(client)
            self._selected.get(board_id, set()).discard(client)
            self._gone.setdefault(board_id, set()).add(client)
        self._kick()

    def peers(self, board_id: str) -> dict[str, dict[str, Any]]:
        """Everyone's pointer, name and selection now: what a tab that joins starts from."""
        with self._lock:
            mine = {c: {"x": p.x, "y": p.y, "name": p.name, "sel": list(p.sel)}
                    for c, p in self._peers.get(board_id, {}).items()}
        if self.share is None:
            return dict(sorted(mine.items()))
        return dict(sorted({**self.share.load(board_id), **mine}.items()))

    def flush(self) -> int:
        """Publish one event per board with news; forget silent tabs. Boards published."""
        events, saves = [], []
        now = self.clock()
        with self._lock:
            for board_id, board in list(self._peers.items()):
                for client in [c for c, p in board.items() if now - p.heard > FORGET_AFTER]:
                    del board[client]
                    self._moved.get(board_id, set()).discard(client)
                    self._selected.get(board_id, set()).discard(client)
                    self._gone.setdefault(board_id, set()).add(client)
                if not board:
                    del self._peers[board_id]
            for board_id in set(self._moved) | set(self._selected) | set(self._gone):
                board = self._peers.get(board_id, {})
                moved = {c: [board[c].x, board[c].y, board[c].name]
                         for c in sorted(self._moved.pop(board_id, ())) if c in board}
                selected = {c: list(board[c].sel)
                            for c in sorted(self._selected.pop(board_id, ())) if c in board}
                gone = sorted(self._gone.pop(board_id, ()))
                if moved or selected or gone:
                    event: dict[str, Any] = {"type": "cursors", "moved": moved, "gone": gone}
                    if selected:
                        event["selected"] = selected
                    events.append((board_id, event))
                    if self.share is not None:
                        saves.append((board_id, {
                            c: {"x": board[c].x, "y": board[c].y, "name": board[c].name,
                                "sel": list(board[c].sel)}
                            for c in set(moved) | set(selected)}, gone))
        for board_id, event in events:
            self.publish(board_id, event)
        for board_id, peers, gone in saves:
            try:
                self.share.save(board_id, peers, gone)  # type: ignore[union-attr]
            except Exception as e:  # pointers are a courtesy: the next flush writes again
                log.warning("saving pointers to Redis failed: %s", e)
        return len(events)

    def _update(self, board_id: str, client: str, name: str | None,
                news: dict[str, set[str]], **fields: Any) -> bool:
        with self._lock:
            board = self._peers.setdefault(board_id, {})
            peer = board.get(client)
            if peer is None:
                if len(board) >= MAX_PER_BOARD:
                    return False
                peer = board[client] = Peer(None, None, name or "", [], self.clock())
            for key, value in fields.items():
                setattr(peer, key, value)
            if name is not None and peer.name != name:
                peer.name = name
                self._moved.setdefault(board_id, set()).add(client)  # the name travels there
            peer.heard = self.clock()
            news.setdefault(board_id, set()).add(client)
            self._gone.get(board_id, set()).discard(client)
        self._kick()
        return True

    def count(self, board_id: str) -> int:
        """Tabs currently shown on a board."""
        with self._lock:
            return len(self._peers.get(board_id, {}))

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
                if not self._wake.is_set() and not (
                        self._peers or self._moved or self._selected or self._gone):
                    self._flusher = None  # the next move starts a new flusher
                    return


def init_app(app: Flask) -> None:
    """Attach a CursorRelay publishing through the app's live hub (sharing its tabs through
    Redis when the app has one)."""
    from .live import get_hub
    from .shared import get_redis

    redis = get_redis(app)
    app.extensions["herd.cursors"] = CursorRelay(
        get_hub(app).publish, share=RedisPeers(redis) if redis is not None else None)


def get_relay(app: Flask | None = None) -> CursorRelay:
    """The relay of the given app or of the current one."""
    return (app or current_app).extensions["herd.cursors"]
