"""The workshop timer: start, stop and read a board's countdown."""

from __future__ import annotations

import math

from flask import Blueprint

from ..access import allow
from ..errors import Conflict, Invalid
from ..timer import MAX_SECONDS, get_timers
from .common import client_id, display_name, json_body

bp = Blueprint("timer", __name__)


@bp.get("/boards/<board_id>/timer")
@allow("read")
def current(board_id: str):
    """{"timer": {"seconds", "remaining", "by", "name"} or null}."""
    return {"timer": get_timers().current(board_id)}


@bp.post("/boards/<board_id>/timer")
@allow("manage")
def start_or_stop(board_id: str):
    """{"seconds": n, "name"?} starts (or restarts) it; {"stop": true} stops it."""
    body = json_body()
    timers = get_timers()
    if body == {"stop": True}:
        if not timers.stop(board_id):
            raise Conflict("No timer is running on this board.")
        return {"timer": None}
    if set(body) - {"name"} != {"seconds"}:
        raise Invalid("Send {seconds, name?} to start the timer, or {stop: true}.")
    seconds = body["seconds"]
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) \
            or not math.isfinite(seconds) or not 1 <= seconds <= MAX_SECONDS:
        raise Invalid(f"'seconds' must be a number from 1 to {MAX_SECONDS:,}.")
    name = display_name(body.get("name", ""), "timer")
    return {"timer": timers.start(board_id, float(seconds), client_id() or "", name)}
