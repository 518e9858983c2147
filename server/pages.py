"""HTML pages: the start page (list of boards) and a board."""

from __future__ import annotations

from flask import Blueprint, Flask, render_template

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    """The start page: the list of boards (filled in by static/js/start.js)."""
    return render_template("index.html")


@bp.get("/b/<board_id>")
def board(board_id: str):
    """One board; static/js/board.js loads it (and says so when it does not exist)."""
    return render_template("board.html", board_id=board_id)


def register(app: Flask) -> None:
    """Add the page routes to the app."""
    app.register_blueprint(bp)
