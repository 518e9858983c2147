"""Pointers and selections on a board: a tab says where its pointer is and what it has
selected; everyone else sees it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from ..access import allow
from ..cursors import MAX_SELECTED, get_relay
from ..errors import Invalid, RateLimited
from ..store.validate import number
from .common import display_name, json_body, required_client_id

bp = Blueprint("cursors", __name__)
FIELDS = {"x", "y", "away", "name", "sel", "gone"}
FORMS = ("send {x, y} (or {away: true} when the pointer leaves the canvas) and/or {sel: [keys]}, "
         "with an optional name; or {gone: true}")


@bp.get("/boards/<board_id>/cursors")
@allow("read")
def peers(board_id: str):
    """{"cursors": {client: {"x", "y", "name", "sel"}}}: what a tab that joins starts from."""
    return {"cursors": get_relay().peers(board_id)}


@bp.post("/boards/<board_id>/cursor")
@allow("write", limit="pointer")
def cursor(board_id: str):
    """This tab's pointer and/or selection, or that it left; 204. Never stored."""
    body = json_body()
    client = required_client_id("A pointer")
    extra = set(body) - FIELDS
    if extra:
        raise Invalid(f"Unknown cursor field(s) {', '.join(sorted(extra))}: {FORMS}.")
    relay = get_relay()
    if "gone" in body:
        if body != {"gone": True}:
            raise Invalid(f"'gone' is alone and true: {FORMS}.")
        relay.leave(board_id, client)
        return "", 204
    name = display_name(body["name"], "pointer") if "name" in body else None
    updates = []
    if "x" in body or "y" in body:
        if not {"x", "y"} <= set(body) or "away" in body:
            raise Invalid(f"A pointer needs both x and y, and no 'away': {FORMS}.")
        x, y = number("x", body["x"], "cursor"), number("y", body["y"], "cursor")
        updates.append(lambda: relay.move(board_id, client, x, y, name))
    elif "away" in body:
        if body["away"] is not True:
            raise Invalid(f"'away' can only be true: {FORMS}.")
        updates.append(lambda: relay.move(board_id, client, None, None, name))
    if "sel" in body:
        keys = _keys(body["sel"])
        updates.append(lambda: relay.select(board_id, client, keys, name))
    if not updates:
        raise Invalid(f"Nothing to show: {FORMS}.")
    if not all(update() for update in updates):
        raise RateLimited("This board already shows as many people as it can; you will "
                            "appear when someone leaves.")
    return "", 204


def _keys(value: Any) -> list[str]:
    """A selection: "note:<id>" and "group:<id>" keys; only the first MAX_SELECTED are shown."""
    if not isinstance(value, list) or not all(
            isinstance(k, str) and 0 < len(k) <= 100 and k.split(":", 1)[0] in ("note", "group")
            for k in value):
        raise Invalid("'sel' must be a list of \"note:<id>\" or \"group:<id>\" keys.")
    return value[:MAX_SELECTED]
