"""Live updates: pub/sub per board, with presence, bounded queues and coalescing ticks.

In one process, Hub hands events straight to the Fanout; with --redis, RedisHub carries
them between processes (redis_hub.py) and each process's Fanout serves its own listeners.
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
    """Attach the hub as app.extensions["herd.live"]: over Redis when the app has one."""
    from ..shared import get_redis

    size = int(app.config.get("LIVE_QUEUE_SIZE", 512))
    tick = float(app.config.get("LIVE_TICK_SECONDS", TICK))
    if get_redis(app) is not None:
        from ..store import get_store
        from .redis_hub import RedisHub

        app.extensions["herd.live"] = RedisHub(app.extensions["herd.redis_url"],
                                               get_store(app), size, tick)
    else:
        app.extensions["herd.live"] = Hub(size, tick)


def get_hub(app: Flask | None = None) -> LiveHub:
    """The hub of the given app or of the current one."""
    return (app or current_app).extensions["herd.live"]
