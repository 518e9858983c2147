"""Spotlight: one person on a board leads, and everyone else's view follows theirs.

Never stored in the database: who leads each board, the board rectangle they are looking
at, and when they last said so, in this process (Spotlights) or, with several processes, in
Redis with an expiry (RedisSpotlights). A leader's browser repeats its view every HEARTBEAT seconds,
so a spotlight nobody has confirmed for EXPIRES seconds (a closed laptop) is over.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

HEARTBEAT = 10.0  # the leader's browser re-sends its view this often while still
EXPIRES = 30.0  # a spotlight not heard of this long is over


@dataclass
class Spotlight:
    """Who leads a board and what they see."""

    by: str
    name: str
    view: dict[str, float]
    heard: float

    def public(self) -> dict[str, Any]:
        return {"by": self.by, "name": self.name, "view": self.view}


class Spotlights:
    """The spotlight of every board; changes go to the board through `publish`."""

    def __init__(self, publish: Callable[[str, dict[str, Any]], None],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.publish, self.clock = publish, clock
        self._lock = threading.Lock()
        self._boards: dict[str, Spotlight] = {}

    def lead(self, board_id: str, client: str, name: str, view: dict[str, float]) -> None:
        """`client` leads (taking over from anyone else) and is looking at `view`."""
        spot = Spotlight(client, name, view, self.clock())
        with self._lock:
            self._boards[board_id] = spot
        self.publish(board_id, {"type": "spotlight", "spotlight": spot.public()})

    def stop(self, board_id: str, client: str) -> bool:
        """End the spotlight if `client` leads it; False when they do not."""
        with self._lock:
            spot = self._boards.get(board_id)
            if spot is None or spot.by != client:
                return False
            del self._boards[board_id]
        self.publish(board_id, {"type": "spotlight", "spotlight": None})
        return True

    def current(self, board_id: str) -> Spotlight | None:
        """The board's spotlight, if its leader was heard from within EXPIRES seconds."""
        with self._lock:
            spot = self._boards.get(board_id)
            if spot is not None and self.clock() - spot.heard > EXPIRES:
                del self._boards[board_id]
                spot = None
        return spot


KEY = "herd:spotlight:"  # + board id


class RedisSpotlights(Spotlights):
    """The same, kept in Redis (a key per board that expires EXPIRES after the leader was
    last heard), so every process serving the board agrees on who leads."""

    # Stop only if `client` still leads: the check and the delete in one step.
    _STOP = "local v = redis.call('GET', KEYS[1]) if v and cjson.decode(v)['by'] == ARGV[1] " \
            "then redis.call('DEL', KEYS[1]) return 1 end return 0"

    def __init__(self, publish: Callable[[str, dict[str, Any]], None], redis: Any) -> None:
        super().__init__(publish)
        self.redis = redis
        self._stop = redis.register_script(self._STOP)

    def lead(self, board_id: str, client: str, name: str, view: dict[str, float]) -> None:
        spot = Spotlight(client, name, view, self.clock())
        self.redis.set(KEY + board_id, json.dumps(spot.public()), ex=int(EXPIRES))
        self.publish(board_id, {"type": "spotlight", "spotlight": spot.public()})

    def stop(self, board_id: str, client: str) -> bool:
        if not self._stop(keys=[KEY + board_id], args=[client]):
            return False
        self.publish(board_id, {"type": "spotlight", "spotlight": None})
        return True

    def current(self, board_id: str) -> Spotlight | None:
        raw = self.redis.get(KEY + board_id)
        if raw is None:
            return None
        spot = json.loads(raw)
        return Spotlight(spot["by"], spot["name"], spot["view"], self.clock())


def init_app(app: Flask) -> None:
    """Attach the spotlights, publishing through the app's live hub (in Redis if it has one)."""
    from .live import get_hub
    from .shared import get_redis

    redis = get_redis(app)
    publish = get_hub(app).publish
    app.extensions["herd.spotlight"] = (Spotlights(publish) if redis is None
                                        else RedisSpotlights(publish, redis))


def get_spotlights(app: Flask | None = None) -> Spotlights:
    """The spotlights of the given app or of the current one."""
    return (app or current_app).extensions["herd.spotlight"]
