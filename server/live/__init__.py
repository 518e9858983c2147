"""Live updates: pub/sub per board, with presence, bounded queues and coalescing ticks.

One process holds every subscriber (gunicorn runs one gevent worker). To scale out, replace
Hub with a LiveHub backed by a broker that feeds each process's Fanout; nothing else changes.
Works both with OS threads and under gevent: `queue`, `threading` and `time.sleep` are looked
up at call time, so gunicorn's monkey-patching turns them into their cooperative versions.
"""

from __future__ import annotations

from flask import Flask, current_app

from .coalesce import coalesce
from .fanout import TICK, Fanout, make_frame
from .hub import Hub, LiveHub
from .messages import BATCH_TYPE, HANGUP, RESYNC, Event, Frame, Message, format_event
from .subscription import Subscription

__all__ = ["BATCH_TYPE", "HANGUP", "RESYNC", "TICK", "Event", "Fanout", "Frame", "Hub",
           "LiveHub", "Message", "Subscription", "coalesce", "format_event", "get_hub",
           "init_app", "make_frame"]


def init_app(app: Flask) -> None:
    """Attach a Hub as app.extensions["herd.live"]."""
    app.extensions["herd.live"] = Hub(int(app.config.get("LIVE_QUEUE_SIZE", 512)),
                                      float(app.config.get("LIVE_TICK_SECONDS", TICK)))


def get_hub(app: Flask | None = None) -> LiveHub:
    """The hub of the given app or of the current one."""
    return (app or current_app).extensions["herd.live"]
