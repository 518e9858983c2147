"""HTML pages: the start page (the owner's list of boards) and a board. Both are where a link
is opened: `/?token=` (the owner's) and `/b/<id>?key=` (a board's share link) trade the
secret for a session cookie and redirect to the same page without it, so the secret stays
out of the address bar, the history and any Referer."""

from __future__ import annotations

import secrets

from flask import Blueprint, Flask, g, redirect, render_template, request, url_for

from .access import allow, get_access, sessions
from .store import get_store
from .store.access import fingerprint

bp = Blueprint("pages", __name__)
STALE = ("This link no longer works: it was replaced, or mistyped. Ask the person who "
         "shared it for the current one.")


def _take_owner_token() -> bool | None:
    """?token=: True if it is the owner's (the session now is), False if not, None if absent."""
    token = request.args.get("token")
    if token is None:
        return None
    if secrets.compare_digest(token.encode(), g.owner_token.encode()):
        sessions.grant_owner(g.owner_token)
        return True
    return False


@bp.get("/")
@allow("public")
def index():
    """The start page: the owner's boards (filled in by static/js/start.js)."""
    taken = _take_owner_token()
    if taken:
        return redirect(url_for("pages.index"), 303)
    access = get_access()
    problem = STALE if taken is False else None
    return render_template("index.html", owner=access.owner, problem=problem), \
        403 if problem else 200


@bp.get("/b/<board_id>")
@allow("public")
def board(board_id: str):
    """One board; static/js/board.js loads it and learns there what the caller may do."""
    taken = _take_owner_token()
    key = request.args.get("key")
    if taken or key is not None:
        if key is not None:
            keys = get_store().board_keys(board_id)
            role = keys.role_of(key)
            if role is None:
                return render_template("closed.html", message=STALE), 403
            sessions.grant_link(board_id, role, fingerprint(key))
        return redirect(url_for("pages.board", board_id=board_id), 303)
    if taken is False:
        return render_template("closed.html", message=STALE), 403
    return render_template("board.html", board_id=board_id)


def register(app: Flask) -> None:
    """Add the page routes to the app."""
    app.register_blueprint(bp)
