"""Spotlight: one person leads a board and everyone else's view follows theirs."""

from __future__ import annotations

from flask import Blueprint

from ..access import allow
from ..errors import Conflict, Invalid
from ..spotlight import get_spotlights
from ..store.validate import number
from .common import display_name, json_body, required_client_id

bp = Blueprint("spotlight", __name__)


@bp.get("/boards/<board_id>/spotlight")
@allow("read")
def current(board_id: str):
    """{"spotlight": {"by", "name", "view"} or null}: what a browser joining now follows."""
    spot = get_spotlights().current(board_id)
    return {"spotlight": spot.public() if spot else None}


@bp.post("/boards/<board_id>/spotlight")
@allow("manage", limit="pointer")
def lead(board_id: str):
    """{"view": {x, y, w, h}, "name"}: lead (or go on leading); {"stop": true}: stop. 204."""
    body = json_body()
    client = required_client_id("A spotlight")
    spots = get_spotlights()
    if body == {"stop": True}:
        if not spots.stop(board_id, client):
            raise Conflict("Only the person leading the spotlight can stop it; follow "
                                "your own view instead (Stop following).")
        return "", 204
    if set(body) - {"name"} != {"view"}:
        raise Invalid("Send {view: {x, y, w, h}, name?} to lead, or {stop: true}.")
    view = body["view"]
    if not isinstance(view, dict) or set(view) != {"x", "y", "w", "h"}:
        raise Invalid("'view' must be {x, y, w, h}: the board rectangle you see.")
    rect = {k: number(k, view[k], "spotlight view") for k in ("x", "y", "w", "h")}
    spots.lead(board_id, client, display_name(body.get("name", ""), "spotlight"), rect)
    return "", 204
