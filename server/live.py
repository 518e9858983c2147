"""Live updates: in-process pub/sub per board, with presence and bounded queues.

One process holds every subscriber (gunicorn runs one gevent worker). To scale out, replace
Hub with a LiveHub backed by a broker; nothing else changes.
Works both with OS threads and under gevent: `queue` and `threading` are looked up at call
time, so gunicorn's monkey-patching turns them into their cooperative versions.
"""

from __future__ import annotations

import json
import queue
import threading
from functools import cached_property
from typing import Any, Protocol

from flask import Flask, current_app

Event = dict[str, Any]
RESYNC: Event = {"type": "resync"}
HANGUP: Event = {"type": "hangup"}  # internal: the listener's connection is gone


class Message(dict):
    """An event as published: a dict, plus its JSON encoded once for every listener."""

    @cached_property
    def json(self) -> str:
        return json.dumps(self, separators=(",", ":"))


class Subscription:
    """One listener on one board: a bounded queue the hub fills and the listener drains."""

    def __init__(self, hub: Hub, board_id: str, maxsize: int, who: str | None = None) -> None:
        self.hub, self.board_id = hub, board_id
        self.who = who  # the browser (not the tab) listening, for presence
        self._queue: queue.Queue[Event] = queue.Queue(maxsize)
        # Set by the publisher when the queue was full: the listener missed events and must
        # re-read the board. Memory stays bounded however slow the listener is.
        self.overflowed = False
        self.closed = False

    def offer(self, event: Event) -> None:
        """Called by the hub: queue the event, or mark the listener as behind."""
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            self.overflowed = True

    def get(self, timeout: float | None = None) -> Event | None:
        """The next event, RESYNC after an overflow, or None when `timeout` passes first."""
        if self.overflowed:
            self.overflowed = False
            self._drain()
            return dict(RESYNC)
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def get_ready(self, limit: int) -> list[Event]:
        """Up to `limit` events already queued, without waiting (none after an overflow)."""
        out: list[Event] = []
        while len(out) < limit and not self.overflowed:
            try:
                out.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return out

    def hang_up(self) -> None:
        """The connection closed: leave now and wake the listener so its stream ends."""
        self.close()
        self.offer(HANGUP)

    def close(self) -> None:
        """Leave the board (idempotent)."""
        if not self.closed:
            self.closed = True
            self.hub.unsubscribe(self)

    def _drain(self) -> None:
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return


class LiveHub(Protocol):
    """What the store and the event stream need from a hub: a broker-backed one for several
    processes implements these four and hands out Subscription-like objects."""

    def subscribe(self, board_id: str, who: str | None = None) -> Subscription: ...
    def unsubscribe(self, sub: Subscription) -> None: ...
    def publish(self, board_id: str, event: Event) -> None: ...
    def count(self, board_id: str) -> int: ...


class Hub:
    """Per-board fan-out of events to subscriptions; announces presence on join/leave."""

    def __init__(self, queue_size: int = 512) -> None:
        self.queue_size = queue_size
        self._lock = threading.Lock()
        self._boards: dict[str, set[Subscription]] = {}

    def subscribe(self, board_id: str, who: str | None = None) -> Subscription:
        """Join a board; everyone there (the newcomer too) gets the new presence count.

        `who` names the browser: its tabs count as one person (None: the tab alone)."""
        sub = Subscription(self, board_id, self.queue_size, who)
        with self._lock:
            self._boards.setdefault(board_id, set()).add(sub)
        self._presence(board_id)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        """Leave a board; the others get the new presence count."""
        with self._lock:
            subs = self._boards.get(sub.board_id)
            if subs is None or sub not in subs:
                return
            subs.discard(sub)
            if not subs:
                del self._boards[sub.board_id]
        self._presence(sub.board_id)

    def publish(self, board_id: str, event: Event) -> None:
        """Hand the event to every subscription on the board; never blocks."""
        with self._lock:
            subs = list(self._boards.get(board_id, ()))
        message = Message(event)  # 50 listeners, one json.dumps
        for sub in subs:
            sub.offer(message)

    def count(self, board_id: str) -> int:
        """How many people listen to the board: a browser with three tabs open is one."""
        with self._lock:
            return len({sub.who or id(sub) for sub in self._boards.get(board_id, ())})

    def _presence(self, board_id: str) -> None:
        self.publish(board_id, {"type": "presence", "count": self.count(board_id)})


def init_app(app: Flask) -> None:
    """Attach a Hub as app.extensions["herd.live"]."""
    app.extensions["herd.live"] = Hub(int(app.config.get("LIVE_QUEUE_SIZE", 512)))


def get_hub(app: Flask | None = None) -> LiveHub:
    """The hub of the given app or of the current one."""
    return (app or current_app).extensions["herd.live"]
