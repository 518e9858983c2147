"""HTML pages: the start page (list of boards) and a board."""

from __future__ import annotations

from flask import Blueprint, Flask, render_template

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    return render_template("index.html")


@bp.get("/b/<board_id>")
def board(board_id: str):
    return render_template("board.html", board_id=board_id)


def register(app: Flask) -> None:
    app.register_blueprint(bp)
