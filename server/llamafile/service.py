"""The app's AI service: which servers and models, whether they are ready, and the clients."""

from __future__ import annotations

from flask import Flask, current_app


def init_app(app: Flask) -> None:
    """Attach the AI service (None when started with --no-ai)."""
    app.extensions["herd.ai"] = None
    # The llamafile package fills this in from EMBED_URL / CHAT_URL when AI is enabled.


def get_ai():
    """The AI service of the current app, or None when AI is off."""
    return current_app.extensions.get("herd.ai")
