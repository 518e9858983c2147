"""Groups: titled frames holding notes."""

from __future__ import annotations

from flask import Blueprint

from .common import json_body
from .notes import apply_one, query_version

bp = Blueprint("groups", __name__)


@bp.post("/boards/<board_id>/groups")
def create_group(board_id: str):
    """A new group; 'note_ids' moves those notes into it."""
    fields = json_body()
    item_id = fields.pop("id", None)
    return apply_one(board_id, {"op": "create", "kind": "group", "id": item_id,
                                "fields": fields}), 201


@bp.patch("/boards/<board_id>/groups/<group_id>")
def update_group(board_id: str, group_id: str):
    """Change some fields; a stale 'version' gets 409 with the current group."""
    fields = json_body()
    version = fields.pop("version", None)
    return apply_one(board_id, {"op": "update", "kind": "group", "id": group_id,
                                "fields": fields, "version": version})


@bp.delete("/boards/<board_id>/groups/<group_id>")
def delete_group(board_id: str, group_id: str):
    """Remove a group; its notes stay on the board, ungrouped."""
    apply_one(board_id, {"op": "delete", "kind": "group", "id": group_id,
                         "version": query_version()})
    return "", 204
