"""Pointers on a board: a browser says where its pointer is; everyone else sees it move."""

from __future__ import annotations

from flask import Blueprint

from ..cursors import get_relay
from ..errors import ApiError
from ..store import get_store
from ..store.validate import number
from .common import display_name, json_body, required_client_id

bp = Blueprint("cursors", __name__)


@bp.post("/boards/<board_id>/cursor")
def cursor(board_id: str):
    """{"x", "y", "name"?} in board coordinates, or {"gone": true}; 204. Never stored."""
    body = json_body()
    client = required_client_id("A pointer")
    extra = set(body) - {"x", "y", "name", "gone"}
    if extra:
        raise ApiError(400, f"Unknown cursor field(s) {', '.join(sorted(extra))}; "
                            "send {x, y, name?} or {gone: true}.")
    get_store().current_seq(board_id)  # 404 for a board that does not exist
    relay = get_relay()
    if body.get("gone") is True and set(body) == {"gone"}:
        relay.leave(board_id, client)
        return "", 204
    if set(body) - {"name"} != {"x", "y"}:
        raise ApiError(400, "Send the pointer as {x, y, name?} in board coordinates, or "
                            "{gone: true}.")
    if not relay.move(board_id, client, number("x", body["x"], "cursor"),
                      number("y", body["y"], "cursor"),
                      display_name(body.get("name", ""), "pointer")):
        raise ApiError(429, "This board already shows as many pointers as it can; yours will "
                            "appear when someone leaves.")
    return "", 204
