"""Herd: a sticky-note board that organizes itself through a local Llamafile."""

from __future__ import annotations

from typing import Any

from flask import Flask

from . import config as config_mod
from . import http_errors


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The app factory: settings, storage, the access gate, live updates, AI, routes."""
    app = Flask(
        __name__,
        static_folder=str(config_mod.ROOT / "static"),
        template_folder=str(config_mod.ROOT / "templates"),
    )
    app.config.update(config_mod.load(config))
    app.json.sort_keys = False
    http_errors.init_app(app)

    from . import access, board_templates, cursors, live, shared, spotlight, store, timer
    from .llamafile import service

    # Chosen once, here: with a Redis URL every live part shares its state through Redis,
    # without one each keeps it in this process. No route knows which it has.
    shared.init_app(app)
    store.init_app(app)
    board_templates.init_app(app)
    access.init_app(app)
    live.init_app(app)
    cursors.init_app(app)
    spotlight.init_app(app)
    timer.init_app(app)
    service.init_app(app)

    from . import api, pages

    api.register(app)
    pages.register(app)
    return app
