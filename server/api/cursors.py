"""Pointers on a board: a browser says where its pointer is; everyone else sees it move."""

from __future__ import annotations

import re

from flask import Blueprint, request

from ..cursors import get_relay
from ..errors import ApiError
from ..store import get_store
from ..store.validate import number
from .common import json_body

bp = Blueprint("cursors", __name__)
CLIENT = re.compile(r"[A-Za-z0-9_:@.-]{1,64}")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_NAME = 40


def _name(value: object) -> str:
    """The name shown beside the pointer: one line, at most MAX_NAME characters."""
    if not isinstance(value, str):
        raise ApiError(400, "The pointer's 'name' must be a string.")
    name = " ".join(CONTROL.sub(" ", value).split())
    if len(name) > MAX_NAME:
        raise ApiError(400, f"The pointer's 'name' is at most {MAX_NAME} characters.")
    return name


@bp.post("/boards/<board_id>/cursor")
def cursor(board_id: str):
    """{"x", "y", "name"?} in board coordinates, or {"gone": true}; 204. Never stored."""
    body = json_body()
    client = request.headers.get("X-Herd-Client", "")
    if not CLIENT.fullmatch(client):
        raise ApiError(400, "A cursor needs the X-Herd-Client header (1-64 letters, digits "
                            "or -_:@.): it tells the other browsers whose pointer it is.")
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
                      number("y", body["y"], "cursor"), _name(body.get("name", ""))):
        raise ApiError(429, "This board already shows as many pointers as it can; yours will "
                            "appear when someone leaves.")
    return "", 204
