"""Recreate an exported board through the store's one write path, all or nothing."""

from __future__ import annotations

import logging
from typing import Any

from ..store.ops import MAX_OPS

log = logging.getLogger(__name__)

# The store sets version 1 on create; an exported version N is reached with N-1 empty
# updates, each bumping it by one. Past this many bumps (a board dragged about for months)
# the import would take minutes, so versions restart at 1 instead: they only order edits.
MAX_VERSION_BUMPS = 100_000
GROUP_KEYS = ("title", "x", "y", "w", "h")
NOTE_KEYS = ("text", "x", "y", "w", "h", "color", "group_id")


def import_ops(clean: dict[str, Any]) -> list[dict[str, Any]]:
    """Ops recreating a validated export: groups, then notes, then version bumps."""
    ops = [{"op": "create", "kind": "group", "id": g["id"],
            "fields": {k: g[k] for k in GROUP_KEYS}} for g in clean["groups"]]
    ops += [{"op": "create", "kind": "note", "id": n["id"],
             "fields": {k: n[k] for k in NOTE_KEYS}} for n in clean["notes"]]
    rows = [("group", g) for g in clean["groups"]] + [("note", n) for n in clean["notes"]]
    bumps = sum(row["version"] - 1 for _, row in rows)
    if bumps > MAX_VERSION_BUMPS:
        log.warning("import: %d version bumps is too many; versions restart at 1", bumps)
        return ops
    for kind, row in rows:
        ops += [{"op": "update", "kind": kind, "id": row["id"], "fields": {}}] * (
            row["version"] - 1)
    return ops


def chunks(ops: list[dict[str, Any]], size: int = MAX_OPS) -> list[list[dict[str, Any]]]:
    """Ops cut into batches the store accepts (an empty export is still one batch)."""
    return [ops[i:i + size] for i in range(0, len(ops), size)] or [[]]


def restore(store: Any, clean: dict[str, Any], client: str | None = None) -> dict[str, Any]:
    """A new board holding the export; on any failure the new board is deleted again."""
    board = store.create_board(clean["name"])
    try:
        for batch in chunks(import_ops(clean)):
            store.apply_ops(board["id"], batch, client=client)
    except BaseException:
        try:
            store.delete_board(board["id"])
        except Exception:
            log.exception("import: could not remove the half-made board %s", board["id"])
        raise
    return store.get_board(board["id"])
