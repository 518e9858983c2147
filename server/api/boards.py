"""Boards: list, create, read (with notes, groups and seq), rename, delete."""

from __future__ import annotations

from flask import Blueprint

from ..access import allow, get_access
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
    """A new board named by the body's 'name' (default "Untitled board")."""
    body = name_only(json_body(required=False))
    return get_store().create_board(body.get("name")), 201


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
            "vote": current_vote(store, board_id, voter_of(access.key))}


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


@bp.delete("/boards/<board_id>")
@allow("own")
def delete_board(board_id: str):
    """Delete a board and everything on it."""
    get_store().delete_board(board_id)
    return "", 204
