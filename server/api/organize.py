"""Organize on a board: start, watch, cancel, undo; and a fresh AI title for one group."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app

from ..access import allow, get_access
from ..errors import Forbidden, Invalid, NotFound, Unavailable
from ..live import get_hub
from ..llamafile.errors import LlamafileError
from ..llamafile.pool import ServerPool
from ..llamafile.service import get_ai
from ..organize import board_run
from ..organize.jobs import Organizer
from ..organize.queue import RunQueue, Turns
from ..organize.share import RedisRuns
from ..shared import get_redis
from ..store import get_store
from ..store.validate import GROUP_COUNT, box, whole
from .common import client_id, json_body
from .private import refuse_if_hidden

bp = Blueprint("organize", __name__)


def organizer() -> Organizer:
    """The app's Organizer, made on first use."""
    ext = current_app.extensions
    if "herd.organizer" not in ext:
        redis = get_redis()
        if redis is None:
            queue: Turns = RunQueue(runs_at_once())
        else:  # one line for every process on the same model servers; redis-py only here
            from ..organize.queue_redis import RedisRunQueue

            queue = RedisRunQueue(redis, runs_at_once())
        ext["herd.organizer"] = Organizer(get_store(), get_hub(), board_run.run_pipeline,
                                          board_run.run_sort,
                                          RedisRuns(redis) if redis is not None else None,
                                          queue)
    return ext["herd.organizer"]


def runs_at_once() -> int:
    """How many Organize runs go at once: the setting, else one per chat server (two runs
    on one server only slow each other down)."""
    said = current_app.config.get("ORGANIZE_AT_ONCE")
    if said:
        return max(1, int(said))
    ai = get_ai()
    server = getattr(getattr(ai, "chat", None), "server", None)
    return len(server.members()) if isinstance(server, ServerPool) else 1


def require_ai() -> Any:
    """The AI service when it can organize, else a 503 that says how to fix it."""
    ai = get_ai()
    if ai is None or not current_app.config.get("AI_ENABLED", True):
        raise Unavailable("Organize is off: Herd was started with --no-ai. Restart it "
                            "without --no-ai (make run) to organize notes.", code="ai_off")
    status = ai.status()
    if not status.get("ready"):
        message = status.get("message") or "The local models are not ready."
        fix = status.get("fix")
        raise Unavailable(f"{message} Fix: {fix}" if fix else message, code="ai_unavailable",
                       details={"ai": status})
    return ai


def organize_params(body: dict[str, Any]) -> dict[str, Any]:
    """Validated Organize options (see docs/api.md)."""
    extra = set(body) - {"groups", "note_ids", "keep_groups", "view", "unsorted", "preview"}
    if extra:
        raise Invalid(f"Unknown Organize option(s): {', '.join(sorted(extra))}.")
    flags = {k: body.get(k, False) for k in ("unsorted", "preview")}
    for k, v in flags.items():
        if not isinstance(v, bool):
            raise Invalid(f"'{k}' must be true or false.")
    groups = body.get("groups")
    if groups is not None and (groups := whole(groups, GROUP_COUNT)) is None:
        raise Invalid(f"'groups' must be null (automatic) or a whole number "
                      f"{GROUP_COUNT.says()}.")
    note_ids = body.get("note_ids")
    if note_ids is not None and (not isinstance(note_ids, list)
                                 or not all(isinstance(i, str) for i in note_ids)):
        raise Invalid("'note_ids' must be null (every note) or a list of note ids.")
    keep = body.get("keep_groups", True)
    if not isinstance(keep, bool):
        raise Invalid("'keep_groups' must be true or false.")
    return {"groups": groups, "note_ids": note_ids, "keep_groups": keep,
            "view": view_param(body.get("view")), **flags}


def view_param(view: Any) -> dict[str, float] | None:
    """The visible board rectangle {x, y, w, h}, validated, or None."""
    if view is not None:
        view = box(view, "Organize")
    return view


def refuse_if_locked(board_id: str) -> None:
    """Organize moves notes wholesale: an editor may not run it while anything is locked."""
    if not get_access().may("manage") and get_store().locks(board_id).any():
        raise Forbidden("The facilitator locked part of this board, so only they can run "
                        "Organize now.", code="locked")


@bp.post("/boards/<board_id>/organize")
@allow("write")
def start(board_id: str):
    """Begin an Organize; progress and the result reach everyone as live events."""
    refuse_if_locked(board_id)
    refuse_if_hidden(board_id)
    params = organize_params(json_body(required=False))
    job = organizer().start(board_id, params, require_ai(), client_id())
    return {"job": job.public()}, 202


@bp.post("/boards/<board_id>/organize/sort")
@allow("write")
def sort(board_id: str):
    """Sort the notes in no group into the groups that exist; misfits wait in Unsorted."""
    refuse_if_locked(board_id)
    refuse_if_hidden(board_id)
    body = json_body(required=False)
    extra = set(body) - {"view", "preview"}
    if extra:
        raise Invalid(f"Unknown sort option(s): {', '.join(sorted(extra))}.")
    preview = body.get("preview", False)
    if not isinstance(preview, bool):
        raise Invalid("'preview' must be true or false.")
    params = {"view": view_param(body.get("view")), "preview": preview}
    job = organizer().start(board_id, params, require_ai(), client_id(), kind="sort")
    return {"job": job.public()}, 202


@bp.get("/boards/<board_id>/organize/<job_id>")
@allow("read")
def status(board_id: str, job_id: str):
    return {"job": organizer().get(board_id, job_id).public()}


@bp.post("/boards/<board_id>/organize/<job_id>/cancel")
@allow("write")
def cancel(board_id: str, job_id: str):
    return {"job": organizer().cancel(board_id, job_id).public()}


@bp.post("/boards/<board_id>/organize/<job_id>/apply")
@allow("write")
def apply_preview(board_id: str, job_id: str):
    """Write a previewed Organize: the same single write and undo as without a preview."""
    refuse_if_locked(board_id)
    refuse_if_hidden(board_id)  # notes written since the preview may be face down
    return {"job": organizer().apply(board_id, job_id).public()}


@bp.post("/boards/<board_id>/organize/<job_id>/undo")
@allow("write")
def undo(board_id: str, job_id: str):
    """Every note and group back as before that Organize, for everyone."""
    refuse_if_locked(board_id)
    return organizer().undo(board_id, job_id, client_id())


@bp.post("/boards/<board_id>/groups/<group_id>/suggest-title")
@allow("write")
def suggest_title(board_id: str, group_id: str):
    """A fresh AI title for one group, judged against the other groups on the board."""
    snap = get_store().snapshot(board_id)
    # The title goes on the board for all to read: face-down notes' text never feeds it.
    snap = {**snap, "notes": [n for n in snap["notes"] if not n["hidden"]]}
    if not any(g["id"] == group_id for g in snap["groups"]):
        raise NotFound(f"No group {group_id!r} on board {board_id!r}.")
    texts = [n["text"] for n in snap["notes"] if n["group_id"] == group_id and n["text"].strip()]
    if not texts:
        raise Invalid("This group has no notes with text to name it by.")
    others = [[n["text"] for n in snap["notes"] if n["group_id"] == g["id"] and n["text"]]
              for g in snap["groups"] if g["id"] != group_id]
    titles = [g["title"] for g in snap["groups"]]
    try:
        title = board_run.suggest_title(texts, [o for o in others if o], titles, require_ai())
    except LlamafileError as e:
        raise Unavailable(e.message, code="ai_unavailable") from None
    return {"title": title}
