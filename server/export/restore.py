"""Recreate an exported board exactly, in one transaction of the store's write path."""

from __future__ import annotations

from typing import Any


def restore(store: Any, clean: dict[str, Any], client: str | None = None) -> dict[str, Any]:
    """A new board holding a validated export: same ids, versions, times; all or nothing."""
    return store.import_board(clean["name"], clean["groups"], clean["notes"],
                              clean.get("votes") or [])
