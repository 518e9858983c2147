"""Dot voting: a facilitator starts and ends a vote; participants add and take back dots."""

from __future__ import annotations

import threading
from typing import Any

from flask import Blueprint, current_app

from ..access import allow, get_access
from ..errors import Conflict, Invalid
from ..store import Store, get_store
from ..store.votes import check_settings, voter_of
from .common import json_body

bp = Blueprint("votes", __name__)


def _voter() -> str:
    return voter_of(get_access().key)


@bp.get("/boards/<board_id>/vote")
@allow("read")
def current(board_id: str):
    """{"vote": the latest vote as the caller may see it (their dots; totals once ended)}."""
    return {"vote": current_vote(get_store(), board_id, _voter())}


def current_vote(store: Store, board_id: str, voter: str) -> dict[str, Any] | None:
    """The latest vote for this voter; a running one whose timer ran out is ended first
    (after a restart no timer thread is left to do it)."""
    vote = store.current_vote(board_id, voter)
    if vote and vote["status"] == "running" and vote["remaining"] == 0:
        try:
            store.end_vote(board_id, vote["id"])
        except Conflict:
            pass  # someone else ended it just now
        vote = store.current_vote(board_id, voter)
    return vote


@bp.post("/boards/<board_id>/vote")
@allow("manage")
def start(board_id: str):
    """Start a vote: {per_person?=5, one_per_note?=false, note_ids? | group_id?, seconds?}."""
    settings = check_settings(json_body(required=False))
    store = get_store()
    vote = store.start_vote(board_id, settings)
    if settings["seconds"] is not None:
        _end_later(store, board_id, vote["id"], settings["seconds"])
    return {"vote": {**vote, **_own(store, board_id)}}, 201


@bp.post("/boards/<board_id>/vote/end")
@allow("manage")
def end(board_id: str):
    """End the running vote: everyone gets the totals."""
    store = get_store()
    vote = store.end_vote(board_id)
    return {"vote": {**vote, **_own(store, board_id)}}


@bp.post("/boards/<board_id>/vote/dots")
@allow("write")
def add_dot(board_id: str):
    """{"note_id", "vote_id"?}: one more of the caller's dots on that note."""
    note_id, vote_id = _dot_body(json_body())
    return get_store().vote(board_id, _voter(), note_id, vote_id)


@bp.delete("/boards/<board_id>/vote/dots/<note_id>")
@allow("write")
def take_back(board_id: str, note_id: str):
    """Take back one of the caller's dots on that note."""
    return get_store().vote(board_id, _voter(), note_id, take_back=True)


def _dot_body(body: dict[str, Any]) -> tuple[str, str | None]:
    if set(body) - {"note_id", "vote_id"} or "note_id" not in body:
        raise Invalid('Send {"note_id", "vote_id"?} to vote for a note.')
    vote_id = body.get("vote_id")
    if vote_id is not None and not isinstance(vote_id, str):
        raise Invalid("'vote_id' must be a string.")
    return body["note_id"], vote_id


def _own(store: Store, board_id: str) -> dict[str, Any]:
    """The caller's own dots and votes left, for the facilitator's answer."""
    vote = store.current_vote(board_id, _voter()) or {}
    return {"mine": vote.get("mine", {}), "left": vote.get("left")}


def _end_later(store: Store, board_id: str, vote_id: str, seconds: float) -> None:
    """End the vote when its timer runs out (a greenlet under gunicorn's gevent worker)."""
    log = current_app.logger

    def ring() -> None:
        try:
            store.end_vote(board_id, vote_id)
        except Conflict:
            pass  # ended by hand already, or another round runs now
        except Exception:
            log.exception("ending a timed vote failed")

    timer = threading.Timer(seconds, ring)
    timer.daemon = True
    timer.start()
