"""Organize runs on a board: one at a time per board, in the background, seen by everyone.

A run reads the board, asks the models, and only then writes, in one batch through the
store's one write path; until that moment the board is untouched, so a failure or a
Cancel leaves it exactly as it was.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from ..errors import Conflict, HerdError, Invalid, NotFound
from ..llamafile.errors import LlamafileError
from . import apply
from .pipeline import Cancelled

log = logging.getLogger(__name__)
KEEP_FINISHED = 50  # finished runs remembered (for Undo), across all boards
PROGRESS_EVERY = 0.25  # seconds between progress events for one run
APPLY_TRIES = 3  # a write can meet a concurrent edit between our read and our write


@dataclass
class Job:
    """One Organize run and what everybody on the board may know of it."""

    id: str
    board_id: str
    by: str | None
    params: dict[str, Any]
    state: str = "running"
    stage: str | None = None
    done: int = 0
    total: int = 0
    message: str | None = None
    notes: int = 0
    groups: int = 0
    undo: dict[str, Any] | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    _last_progress: float = 0.0

    def public(self) -> dict[str, Any]:
        """The Job object of the API."""
        return {"id": self.id, "board_id": self.board_id, "state": self.state,
                "stage": self.stage, "done": self.done, "total": self.total,
                "message": self.message, "notes": self.notes, "groups": self.groups,
                "undoable": self.undo is not None, "by": self.by}


class Organizer:
    """Starts, tracks, cancels and undoes Organize runs for every board of one app."""

    def __init__(self, store: Any, hub: Any, run_pipeline: Any) -> None:
        self.store, self.hub = store, hub
        # run_pipeline(notes, ai, params, progress, cancelled, avoid) -> list[apply.Placement]
        self.run_pipeline = run_pipeline
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()

    def start(self, board_id: str, params: dict[str, Any], ai: Any, client: str | None) -> Job:
        """Begin an Organize in the background; 409 if one is already running on the board."""
        snapshot = self.store.snapshot(board_id)
        scope = apply.choose_scope(snapshot, params.get("note_ids"), params["keep_groups"])
        if len(scope.notes) < 2:
            raise Invalid("Organize needs at least 2 notes that are not in your own "
                                "groups: add notes, select more, or untick 'keep my groups'.")
        with self._lock:
            if any(j.board_id == board_id and j.state == "running" for j in self._jobs.values()):
                raise Conflict("Organize is already running on this board: wait for it "
                                    "or cancel it.")
            job = Job(id=uuid.uuid4().hex[:12], board_id=board_id, by=client, params=params,
                      total=len(scope.notes))
            self._remember(job)
        self._publish(job)
        threading.Thread(target=self._run, args=(job, scope, snapshot, ai), daemon=True,
                         name=f"organize-{job.id}").start()
        return job

    def get(self, board_id: str, job_id: str) -> Job:
        """A run on this board, or a 404."""
        job = self._jobs.get(job_id)
        if job is None or job.board_id != board_id:
            raise NotFound(f"No Organize run {job_id!r} on board {board_id!r}.")
        return job

    def cancel(self, board_id: str, job_id: str) -> Job:
        """Ask a running Organize to stop before it writes anything."""
        job = self.get(board_id, job_id)
        job.cancel.set()
        return job

    def undo(self, board_id: str, job_id: str, client: str | None) -> dict[str, Any]:
        """Put every note and group back as before the run, for everyone."""
        job = self.get(board_id, job_id)
        with self._lock:
            record, job.undo = job.undo, None
        if record is None:
            raise Conflict("That Organize has already been undone or did not change "
                                "the board.")
        try:
            ops = apply.undo_ops(record, self.store.snapshot(board_id))
            result = self.store.apply_ops(board_id, ops, client=client)
        except BaseException:
            job.undo = record  # nothing was written: it can still be undone
            raise
        job.message = "Undone."
        self._publish(job)
        return {"seq": result["seq"]}

    # -- the run -----------------------------------------------------------------------

    def _run(self, job: Job, scope: apply.Scope, snapshot: dict, ai: Any) -> None:
        try:
            notes = [{k: n[k] for k in ("id", "text", "w", "h")} for n in scope.notes]
            avoid = apply.staying_rects(snapshot, {n["id"] for n in notes},
                                        {g["id"] for g in scope.retired_groups})
            placements = self.run_pipeline(notes, ai, job.params,
                                           lambda *a: self._progress(job, *a),
                                           job.cancel.is_set, avoid)
            self._check_cancel(job)
            job.undo, job.notes = self._write(job, scope, placements)
            job.groups = len(placements)
            job.state, job.stage = "done", None
            job.message = f"Organized {job.notes} notes into {job.groups} groups."
        except Cancelled:
            job.state, job.message = "cancelled", "Organize was cancelled; nothing changed."
        except LlamafileError as e:
            job.state, job.message = "failed", f"Organize failed: {e.message}"
        except HerdError as e:
            job.state, job.message = "failed", f"Organize failed: {e.message}"
        except Exception:
            log.exception("Organize run %s failed", job.id)
            job.state = "failed"
            job.message = "Organize failed unexpectedly; the board is unchanged (see the log)."
        self._publish(job)

    def _write(self, job: Job, scope: apply.Scope, placements: list[apply.Placement]):
        """One batch through the store; on a concurrent edit, re-plan against the new board."""
        for attempt in range(APPLY_TRIES):
            self._check_cancel(job)
            current = self.store.snapshot(job.board_id)
            ops, record = apply.result_ops(scope, placements, current)
            try:
                self.store.apply_ops(job.board_id, ops, client=f"organize:{job.id}")
                return record, len(record["notes"])
            except Conflict:
                if attempt == APPLY_TRIES - 1:
                    raise
        raise AssertionError("unreachable")

    def _check_cancel(self, job: Job) -> None:
        if job.cancel.is_set():
            raise Cancelled

    def _progress(self, job: Job, stage: str, done: int, total: int, force: bool = False) -> None:
        """Record progress; tell the board at most every PROGRESS_EVERY s, and on a new stage."""
        self._check_cancel(job)
        new_stage = stage != job.stage
        job.stage, job.done, job.total = stage, done, total
        now = time.monotonic()
        if force or new_stage or now - job._last_progress >= PROGRESS_EVERY:
            job._last_progress = now
            self._publish(job)

    def _publish(self, job: Job) -> None:
        try:
            self.hub.publish(job.board_id, {"type": "organize", "job": job.public()})
        except Exception:  # progress is a courtesy; the run goes on
            log.exception("publishing Organize progress failed")

    def _remember(self, job: Job) -> None:
        self._jobs[job.id] = job
        finished = [k for k, j in self._jobs.items() if j.state != "running"]
        for k in finished[: max(0, len(self._jobs) - KEEP_FINISHED)]:
            del self._jobs[k]
