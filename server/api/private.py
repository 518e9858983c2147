"""Private mode and authors (issue 10): the facilitator's switches, the name a person goes by
on a board, and the helpers every route that hands out notes uses to filter them for the
caller (privacy.py decides; this says who the caller is)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from ..access import allow, get_access
from ..errors import Conflict, HerdError, Invalid
from ..privacy import Viewer, view_details, view_result
from ..store import get_store
from ..store.votes import voter_of
from .common import client_id, display_name, json_body

bp = Blueprint("private", __name__)
HIDDEN_ORGANIZE = ("{n} note(s) on this board are face down in private mode: Organize and "
                   "Sort read every note's text, so they wait until the facilitator reveals.")


def person() -> str:
    """The caller as the store names people (a hash of their session or token: the gate's
    Access.key, never anything the client says)."""
    return voter_of(get_access().key)


def caller_viewer(board_id: str, board_modes: dict[str, Any] | None = None) -> Viewer:
    """What the caller may see of notes on this board: their own hidden notes, and authors'
    names when they run the board or it shows them (`board_modes`: already read)."""
    access = get_access()
    shows = access.may("manage") or (board_modes or get_store().modes(board_id))["show_authors"]
    return Viewer(person(), shows)


def apply_for_caller(board_id: str, ops: Any, client: str | None = None) -> dict[str, Any]:
    """Run ops through the one write path as the caller, and answer with what they may see:
    results and a 409's current row pass the same filter as the live stream. `client`: the
    tab the events name (default: the X-Herd-Client header)."""
    store, access = get_store(), get_access()
    try:
        out = store.apply_ops(board_id, ops, client=client or client_id(),
                              locked_ok=access.may("manage"), person=person(), with_modes=True)
    except HerdError as e:
        if isinstance(e.details, dict):
            e.details = view_details(e.details, caller_viewer(board_id))
        raise
    # The modes the write itself saw: the filter matches the event the stream carries.
    viewer = caller_viewer(board_id, out.pop("modes"))
    return {**out, "results": [view_result(r, viewer) for r in out["results"]]}


def refuse_if_hidden(board_id: str) -> None:
    """Organize and Sort embed, cluster and name by every note's text, and move notes by it:
    run over face-down notes they would leak them (a group's name, which notes sit
    together). Leaving those notes out would half-organize the board and let its new frames
    swallow face-down cards, so both are refused, for everyone, until the reveal."""
    n = get_store().hidden_count(board_id)
    if n:
        raise Conflict(HIDDEN_ORGANIZE.format(n=n), code="private_mode",
                       details={"hidden": n})


@bp.patch("/boards/<board_id>/modes")
@allow("manage")
def set_modes(board_id: str):
    """{"private"?: bool, "show_authors"?: bool}: private true starts private mode (authors
    hidden unless the body shows them), false reveals every hidden note to everyone."""
    # No client id on the events: the caller's own page applies the revealed notes from the
    # stream like everyone else's (it never had their text to apply locally).
    return get_store().set_modes(board_id, json_body())


@bp.put("/boards/<board_id>/me")
@allow("write")
def set_me(board_id: str):
    """{"name"}: the name the caller's notes carry as their author on this board."""
    body = json_body()
    if set(body) != {"name"}:
        raise Invalid('Send {"name": "..."}: the name your notes carry on this board.')
    name = display_name(body["name"], "author")
    if not name:
        raise Invalid("The author's 'name' must not be empty.")
    return get_store().set_name(board_id, person(), name)
