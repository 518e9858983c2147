"""Boards: list, create, read (with notes, groups and seq), rename, delete."""

from __future__ import annotations

from flask import Blueprint

from ..access import allow, get_access
from ..board_templates import get_templates
from ..errors import Invalid
from ..privacy import view_snapshot
from ..store import get_store
from ..store.votes import voter_of
from .common import json_body
from .private import caller_viewer
from .votes import current_vote

bp = Blueprint("boards", __name__)


@bp.get("/boards")
@allow("own")
def list_boards():
    """Every board, most recently changed first."""
    return {"boards": get_store().list_boards()}


@bp.post("/boards")
@allow("own")
def create_board():
    """A new board named by the body's 'name' (default "Untitled board"), empty or started
    from a template (the body's 'template': an id from GET /api/templates)."""
    body = json_body(required=False)
    template = template_of(body.pop("template", None))
    body = name_only(body)
    return get_store().create_board(body.get("name"), template=template), 201


@bp.get("/boards/<board_id>")
@allow("read")
def get_board(board_id: str):
    """The board, its notes and groups, the seq to follow live events from, and what the
    caller may do on it."""
    store, access = get_store(), get_access()
    # The vote as this caller may see it: their own dots while it runs, nobody else's.
    # Notes as this caller may see them: others' hidden notes face down, authors' names only
    # when the board shows them or the caller runs it (privacy.py).
    snapshot = view_snapshot(store.snapshot(board_id), caller_viewer(board_id))
    return {**snapshot, "access": access.public(),
            "vote": current_vote(store, board_id, voter_of(access.key)),
            "template": store.board_template(board_id)}


@bp.patch("/boards/<board_id>")
@allow("manage")
def rename_board(board_id: str):
    """Rename a board."""
    body = name_only(json_body())
    return get_store().rename_board(board_id, body.get("name"))


def name_only(body: dict) -> dict:
    """A board body: {"name"} and nothing else (a misspelt key must not pass unnoticed)."""
    if set(body) - {"name"}:
        raise Invalid(f"Unknown board field(s) {', '.join(sorted(set(body) - {'name'}))}: "
                      "send {\"name\"}.")
    return body


def template_of(value: object):
    """The template a create body names (None or "" for an empty board)."""
    if value is None or value == "":
        return None
    templates = get_templates()
    if not isinstance(value, str) or value not in templates:
        raise Invalid(f"No template {str(value)[:40]!r}: choose one of "
                      f"{', '.join(templates) or 'none'}, or none for an empty board.")
    return templates[value]


@bp.get("/templates")
@allow("own")
def list_templates():
    """The templates a new board can start from, in the order to offer them."""
    return {"templates": [t.public() for t in get_templates().values()]}


@bp.delete("/boards/<board_id>")
@allow("own")
def delete_board(board_id: str):
    """Delete a board and everything on it."""
    get_store().delete_board(board_id)
    return "", 204
