"""Locks: a facilitator locks or unlocks notes, groups or the whole board."""

from __future__ import annotations

from flask import Blueprint

from ..access import allow
from ..store import get_store
from .common import json_body

bp = Blueprint("locks", __name__)


@bp.post("/boards/<board_id>/lock")
@allow("manage")
def lock(board_id: str):
    """{"board": true} or {"note_ids": [..], "group_ids": [..]}: editors may no longer move
    or edit them (they still read, vote and point)."""
    return get_store().set_locks(board_id, json_body(), on=True)


@bp.post("/boards/<board_id>/unlock")
@allow("manage")
def unlock(board_id: str):
    """The same body as /lock: those are editable again."""
    return get_store().set_locks(board_id, json_body(), on=False)
