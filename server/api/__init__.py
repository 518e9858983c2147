"""JSON blueprints under /api; each resource in its own module."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Register every API blueprint (add a line per module)."""
    from . import boards, events, groups, notes  # issue 2

    for mod in (boards, notes, groups, events):
        app.register_blueprint(mod.bp, url_prefix="/api")
