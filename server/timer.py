"""The workshop timer: one countdown per board that everyone on it sees.

Never stored in the database: in this process (Timers) or, with several processes, in Redis
with an expiry at its end (RedisTimers). Browsers' clocks disagree, so events carry how
much time is *left* when they are sent, never a wall-clock end; each browser counts down
from there on its own clock.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app


@dataclass
class Countdown:
    """A running timer: its length and when (server monotonic clock) it ends."""

    seconds: float
    ends: float
    by: str
    name: str

    def public(self, now: float) -> dict[str, Any]:
        return {"seconds": self.seconds, "remaining": round(max(0.0, self.ends - now), 3),
                "by": self.by, "name": self.name}


class Timers:
    """Every board's timer; changes go to the board through `publish`."""

    def __init__(self, publish: Callable[[str, dict[str, Any]], None],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.publish, self.clock = publish, clock
        self._lock = threading.Lock()
        self._boards: dict[str, Countdown] = {}

    def start(self, board_id: str, seconds: float, by: str, name: str) -> dict[str, Any]:
        """Start (or restart) the board's timer; everyone is told."""
        now = self.clock()
        timer = Countdown(seconds, now + seconds, by, name)
        with self._lock:
            self._boards[board_id] = timer
        public = timer.public(now)
        self.publish(board_id, {"type": "timer", "timer": public})
        return public

    def stop(self, board_id: str) -> bool:
        """Stop the board's timer; False when none was running."""
        with self._lock:
            running = self._boards.pop(board_id, None)
        if running is None or running.ends <= self.clock():
            return False
        self.publish(board_id, {"type": "timer", "timer": None})
        return True

    def current(self, board_id: str) -> dict[str, Any] | None:
        """The board's running timer, or None (a finished one is forgotten)."""
        now = self.clock()
        with self._lock:
            timer = self._boards.get(board_id)
            if timer is not None and timer.ends <= now:
                del self._boards[board_id]
                timer = None
        return timer.public(now) if timer else None


KEY = "herd:timer:"  # + board id


class RedisTimers(Timers):
    """The same, kept in Redis: a key per board that expires when the countdown ends. Its
    end is wall-clock time, the one clock the processes (on one host or several) share."""

    def __init__(self, publish: Callable[[str, dict[str, Any]], None], redis: Any) -> None:
        super().__init__(publish, clock=time.time)
        self.redis = redis

    def start(self, board_id: str, seconds: float, by: str, name: str) -> dict[str, Any]:
        now = self.clock()
        timer = Countdown(seconds, now + seconds, by, name)
        self.redis.set(KEY + board_id, json.dumps(timer.__dict__), px=max(1, int(seconds * 1000)))
        public = timer.public(now)
        self.publish(board_id, {"type": "timer", "timer": public})
        return public

    def stop(self, board_id: str) -> bool:
        raw = self.redis.getdel(KEY + board_id)
        if raw is None or json.loads(raw)["ends"] <= self.clock():
            return False
        self.publish(board_id, {"type": "timer", "timer": None})
        return True

    def current(self, board_id: str) -> dict[str, Any] | None:
        raw = self.redis.get(KEY + board_id)
        now = self.clock()
        timer = Countdown(**json.loads(raw)) if raw is not None else None
        return timer.public(now) if timer and timer.ends > now else None


def init_app(app: Flask) -> None:
    """Attach the timers, publishing through the app's live hub (in Redis if it has one)."""
    from .live import get_hub
    from .shared import get_redis

    redis = get_redis(app)
    publish = get_hub(app).publish
    app.extensions["herd.timer"] = (Timers(publish) if redis is None
                                    else RedisTimers(publish, redis))


def get_timers(app: Flask | None = None) -> Timers:
    """The timers of the given app or of the current one."""
    return (app or current_app).extensions["herd.timer"]
