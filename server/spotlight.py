"""Spotlight: one person on a board leads, and everyone else's view follows theirs.

In memory only, like pointers: who leads each board, the board rectangle they are looking
at, and when they last said so. A leader's browser repeats its view every HEARTBEAT seconds,
so a spotlight nobody has confirmed for EXPIRES seconds (a closed laptop) is over.
"""

from __future__ import annotations

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


def init_app(app: Flask) -> None:
    """Attach Spotlights publishing through the app's live hub."""
    from .live import get_hub

    app.extensions["herd.spotlight"] = Spotlights(get_hub(app).publish)


def get_spotlights(app: Flask | None = None) -> Spotlights:
    """The spotlights of the given app or of the current one."""
    return (app or current_app).extensions["herd.spotlight"]
