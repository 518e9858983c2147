"""The workshop timer: start, stop and read a board's countdown."""

from __future__ import annotations

from flask import Blueprint

from ..access import allow
from ..errors import Conflict, Invalid
from ..store.validate import SECONDS, number
from ..timer import get_timers
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
    seconds = number("seconds", body["seconds"], "timer", SECONDS)
    name = display_name(body.get("name", ""), "timer")
    return {"timer": timers.start(board_id, seconds, client_id() or "", name)}
