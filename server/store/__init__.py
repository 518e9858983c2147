"""Storage behind one write path: SQLite (WAL) by default, or PostgreSQL when DATABASE
(--db, HERD_DB) is a postgresql:// URL. The backend is chosen once, here, when the store is
made (db.py); the SQL, the Store's API and every route are the same on both. Everyone else
uses get_store().

    store = get_store()
    store.apply_ops(board_id, [{"op": "update", "kind": "note", "id": "n1",
                                "fields": {"x": 10, "y": 20}}], client="organize")
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app

from .core import Store, now_iso
from .validate import COLORS, Limits

__all__ = ["COLORS", "Limits", "Store", "apply_ops", "get_store", "init_app", "now_iso"]


def init_app(app: Flask) -> None:
    """Open the database at app.config["DATABASE"] and attach the store to the app."""
    limits = Limits(note_chars=int(app.config["MAX_NOTE_CHARS"]),
                    notes_per_board=int(app.config["MAX_NOTES_PER_BOARD"]),
                    title_chars=int(app.config["MAX_TITLE_CHARS"]))

    def publish(board_id: str, event: dict[str, Any]) -> None:
        # Looked up per call: live.init_app runs after us in create_app.
        hub = app.extensions.get("herd.live")
        if hub is not None:
            hub.publish(board_id, event)

    app.extensions["herd.store"] = Store(
        app.config["DATABASE"], limits,
        events_keep=int(app.config.get("EVENTS_KEEP", 1000)),
        synchronous=str(app.config.get("DB_SYNCHRONOUS", "NORMAL")),
        publish=publish)


def get_store(app: Flask | None = None) -> Store:
    """The store of the given app, or of the current app (inside a request or app context)."""
    return (app or current_app).extensions["herd.store"]


def apply_ops(board_id: str, ops: list[dict[str, Any]], client: str | None = None) -> dict:
    """The one write path, on the current app's store: {"results": [...], "seq": n}."""
    return get_store().apply_ops(board_id, ops, client=client)
