"""Boards: list, create, read (with notes, groups and seq), rename, delete."""

from __future__ import annotations

from flask import Blueprint

from ..access import allow, get_access
from ..store import get_store
from .common import json_body

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
    body = json_body(required=False)
    return get_store().create_board(body.get("name")), 201


@bp.get("/boards/<board_id>")
@allow("read")
def get_board(board_id: str):
    """The board, its notes and groups, the seq to follow live events from, and what the
    caller may do on it."""
    return {**get_store().snapshot(board_id), "access": get_access().public()}


@bp.patch("/boards/<board_id>")
@allow("manage")
def rename_board(board_id: str):
    """Rename a board."""
    body = json_body()
    return get_store().rename_board(board_id, body.get("name"))


@bp.delete("/boards/<board_id>")
@allow("own")
def delete_board(board_id: str):
    """Delete a board and everything on it."""
    get_store().delete_board(board_id)
    return "", 204
