"""Notes and groups, one at a time: each route is a one-op batch on the /ops write path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, request

from ..access import allow
from ..errors import Invalid
from .common import json_body
from .private import apply_for_caller

bp = Blueprint("items", __name__)
PLURAL = {"note": "notes", "group": "groups"}


def apply_one(board_id: str, op: dict[str, Any]) -> dict[str, Any]:
    """Run one op through apply_ops and return its result, as the caller may see it."""
    return apply_for_caller(board_id, [op])["results"][0]


def query_version() -> int | None:
    """?version=N on a DELETE (optional)."""
    raw = request.args.get("version")
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise Invalid(f"'version' must be a positive integer, not {raw!r}.") from None


def create_view(kind: str) -> Callable:
    @allow("write")
    def create(board_id: str):
        """A new item; 'id' is optional (undo brings a deleted one back with its id)."""
        fields = json_body()
        item_id = fields.pop("id", None)
        return apply_one(board_id, {"op": "create", "kind": kind, "id": item_id,
                                    "fields": fields}), 201
    return create


def update_view(kind: str) -> Callable:
    @allow("write")
    def update(board_id: str, item_id: str):
        """Change some fields; a stale 'version' gets 409 with the current item."""
        fields = json_body()
        version = fields.pop("version", None)
        return apply_one(board_id, {"op": "update", "kind": kind, "id": item_id,
                                    "fields": fields, "version": version})
    return update


def delete_view(kind: str) -> Callable:
    @allow("write")
    def delete(board_id: str, item_id: str):
        """Remove the item (?version=N refuses if it changed since); a group's notes stay."""
        apply_one(board_id, {"op": "delete", "kind": kind, "id": item_id,
                             "version": query_version()})
        return "", 204
    return delete


for _kind, _plural in PLURAL.items():
    bp.add_url_rule(f"/boards/<board_id>/{_plural}", f"create_{_kind}", create_view(_kind),
                    methods=["POST"])
    bp.add_url_rule(f"/boards/<board_id>/{_plural}/<item_id>", f"update_{_kind}",
                    update_view(_kind), methods=["PATCH"])
    bp.add_url_rule(f"/boards/<board_id>/{_plural}/<item_id>", f"delete_{_kind}",
                    delete_view(_kind), methods=["DELETE"])
