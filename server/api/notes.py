"""Notes, and /ops: the batch form every write goes through."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from ..errors import ApiError
from ..store import get_store
from .common import client_id, json_body

bp = Blueprint("notes", __name__)


def apply_one(board_id: str, op: dict[str, Any]) -> dict[str, Any]:
    """Run one op through apply_ops and return its result."""
    return get_store().apply_ops(board_id, [op], client=client_id())["results"][0]


def query_version() -> int | None:
    """?version=N on a DELETE (optional)."""
    raw = request.args.get("version")
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ApiError(400, f"'version' must be a positive integer, not {raw!r}.") from None


@bp.post("/boards/<board_id>/ops")
def apply_ops(board_id: str):
    """Apply a batch of ops in one transaction: all or nothing, one live event."""
    body = json_body()
    if "ops" not in body:
        raise ApiError(400, "The body needs 'ops': a list of ops.")
    return get_store().apply_ops(board_id, body["ops"], client=client_id())


@bp.post("/boards/<board_id>/notes")
def create_note(board_id: str):
    """A new note; 'text' is required, 'id' optional."""
    fields = json_body()
    item_id = fields.pop("id", None)
    return apply_one(board_id, {"op": "create", "kind": "note", "id": item_id,
                                "fields": fields}), 201


@bp.patch("/boards/<board_id>/notes/<note_id>")
def update_note(board_id: str, note_id: str):
    """Change some fields; a stale 'version' gets 409 with the current note."""
    fields = json_body()
    version = fields.pop("version", None)
    return apply_one(board_id, {"op": "update", "kind": "note", "id": note_id,
                                "fields": fields, "version": version})


@bp.delete("/boards/<board_id>/notes/<note_id>")
def delete_note(board_id: str, note_id: str):
    """Remove a note (?version=N refuses if it changed since)."""
    apply_one(board_id, {"op": "delete", "kind": "note", "id": note_id,
                         "version": query_version()})
    return "", 204
