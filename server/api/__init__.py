"""JSON blueprints under /api; each resource in its own module."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Register every API blueprint (add a line per module)."""
    from . import (
        ai,
        boards,
        cursors,
        events,
        export,
        items,
        links,
        locks,
        openapi,
        ops,
        organize,
        private,
        socket,
        spotlight,
        timer,
        votes,
    )

    for mod in (boards, items, ops, events, cursors, spotlight, timer, export, ai, organize,
                links, votes, locks, private, socket, openapi):
        app.register_blueprint(mod.bp, url_prefix="/api")
