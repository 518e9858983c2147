"""Organize runs on a board: one at a time per board, in the background, seen by everyone.

A run reads the board, asks the models, and only then writes, in one batch through the
store's one write path; until that moment the board is untouched, so a failure or a
Cancel leaves it exactly as it was.

With several processes (--redis) the process that starts a run owns it, and `share`
(share.RedisRuns) tells the others: one run per board across them (a lock with a lease,
renewed while it runs), its progress and result, Cancel, Undo and a preview's Apply from
any of them. A preview's plan waits in its owner's memory: Apply through another process
is carried to the owner, which writes it and answers (share.py).
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
from .queue import RunQueue, Turns
from .share import APPLY_WAIT, POLL_CANCEL, RENEW_EVERY, RedisRuns, SharedJob

log = logging.getLogger(__name__)
KEEP_FINISHED = 50  # finished runs remembered (for Undo), across all boards
PROGRESS_EVERY = 0.25  # seconds between progress events for one run
APPLY_TRIES = 3  # a write can meet a concurrent edit between our read and our write
RUNNING = "Organize is already running on this board: wait for it or cancel it."
NOT_PREVIEW = ("That Organize is not waiting for Apply: it was applied, discarded, or never a "
               "preview.")


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
    kind: str = "organize"  # or "sort": new notes into the groups that exist
    marked: int = 0  # notes given a doubt mark (the marks themselves are board data: runner_up)
    unsorted: int = 0  # notes left in the Unsorted frame
    proposal: list[dict[str, Any]] | None = None  # a preview's groups, until applied
    queue: dict[str, int] | None = None  # {"place", "ahead"} while it waits for its turn
    cancel: threading.Event = field(default_factory=threading.Event)
    _plan: Any = None  # a preview's planner: current snapshot -> (ops, undo record)
    _last_progress: float = 0.0

    def discard(self) -> bool:
        """Drop a waiting preview (under the Organizer's lock); whether there was one."""
        if self.state != "preview":
            return False
        self.state, self._plan, self.proposal = "cancelled", None, None
        return True

    def public(self) -> dict[str, Any]:
        """The Job object of the API."""
        return {"id": self.id, "board_id": self.board_id, "kind": self.kind,
                "state": self.state, "stage": self.stage, "done": self.done,
                "total": self.total, "message": self.message, "notes": self.notes,
                "groups": self.groups, "unsorted": self.unsorted,
                "undoable": self.undo is not None, "by": self.by, "marked": self.marked,
                "proposal": self.proposal, "queue": self.queue}


@dataclass
class _Plan:
    """A run's result before it is written: how to write it, and what to tell about it."""

    ops: Any  # current snapshot -> (ops, undo record)
    doubts: dict[str, str]  # note id -> runner-up group id
    homes: dict[str, str]  # note id -> the id of the group it goes to
    unsorted: set[str]  # ids of Unsorted frames
    proposal: list[dict[str, Any]]  # the groups as a preview shows them


def sort_proposal(scope: apply.SortScope, sort: apply.SortPlan) -> list[dict[str, Any]]:
    """A sort's preview: each frame that takes new notes, as it will be, with those notes."""
    joining: dict[str, list[str]] = {}
    for note_id, (gid, _, _) in sort.notes.items():
        joining.setdefault(gid, []).append(note_id)
    rows = {g["id"]: g for g, _ in scope.targets}
    if scope.unsorted:
        rows[scope.unsorted[0]["id"]] = scope.unsorted[0]
    out = []
    if sort.new_group is not None:
        p = sort.new_group
        out.append({"id": p.group_id, "title": p.label, "frame": p.frame, "origin": p.origin,
                    "note_ids": joining.get(p.group_id, [])})
    for gid, ids in joining.items():
        if gid in rows:
            g = rows[gid]
            frame = sort.frames.get(gid) or {k: g[k] for k in ("x", "y", "w", "h")}
            out.append({"id": gid, "title": g["title"], "frame": dict(frame),
                        "origin": g.get("origin", "user"), "note_ids": ids})
    return out


class Organizer:
    """Starts, tracks, cancels and undoes Organize runs for every board of one app."""

    def __init__(self, store: Any, hub: Any, run_pipeline: Any, run_sort: Any = None,
                 share: RedisRuns | None = None, queue: Turns | None = None) -> None:
        self.store, self.hub = store, hub
        # Runs from every board take turns on the model servers (queue.py).
        self.queue = queue or RunQueue(1)
        self.share = share  # the other processes (None: this process is all there is)
        # run_pipeline(notes, ai, params, progress, cancelled, avoid) -> list[apply.Placement]
        self.run_pipeline = run_pipeline
        # run_sort(sort_scope, ai, params, progress, avoid) -> apply.SortPlan
        self.run_sort = run_sort
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()

    def start(self, board_id: str, params: dict[str, Any], ai: Any, client: str | None,
              kind: str = "organize") -> Job:
        """Begin an Organize (or a sort of new notes) in the background; Conflict if one is
        already running on the board."""
        snapshot = self.store.snapshot(board_id)
        # The API refuses Organize while notes are face down (api/private.py); one written
        # between that check and this read still never feeds embeddings or names: it only
        # stays where it is, like any note outside the scope.
        visible = {**snapshot, "notes": [n for n in snapshot["notes"] if not n.get("hidden")]}
        scope: Any
        if kind == "sort":
            scope = apply.sort_scope(visible)
            if not scope.notes:
                raise Invalid("There are no new notes to sort: every note is in a group.")
            if not scope.targets:
                raise Invalid("There are no groups to sort new notes into: Organize first, "
                              "or make a group.")
        else:
            scope = apply.choose_scope(visible, params.get("note_ids"), params["keep_groups"])
            if len(scope.notes) < 2:
                raise Invalid("Organize needs at least 2 notes that are not in your own "
                              "groups: add notes, select more, or untick 'keep my groups'.")
        with self._lock:
            if any(j.board_id == board_id and j.state == "running" for j in self._jobs.values()):
                raise Conflict(RUNNING)
            job = Job(id=uuid.uuid4().hex[:12], board_id=board_id, by=client, params=params,
                      total=len(scope.notes), kind=kind)
            if self.share is not None and not self.share.claim(board_id, job.id):
                raise Conflict(RUNNING)  # running on another process
            self._remember(job)
        self._publish(job)
        threading.Thread(target=self._run, args=(job, scope, snapshot, ai), daemon=True,
                         name=f"organize-{job.id}").start()
        if self.share is not None:
            threading.Thread(target=self._hold, args=(job,), daemon=True,
                             name=f"organize-lease-{job.id}").start()
        return job

    def get(self, board_id: str, job_id: str) -> Job | SharedJob:
        """A run on this board (this process's own, or another's as it told), or a 404."""
        job = self._jobs.get(job_id)
        if job is None and self.share is not None:
            public = self.share.load(job_id)
            if public is not None and public.get("board_id") == board_id:
                return SharedJob(public)
        if job is None or job.board_id != board_id:
            raise NotFound(f"No Organize run {job_id!r} on board {board_id!r}.")
        if self.share is not None and job.state != "running" and job.undo is not None:
            public = self.share.load(job_id)  # undone through another process?
            if public is not None and not public.get("undoable"):
                job.undo, job.message = None, public.get("message")
        return job

    def cancel(self, board_id: str, job_id: str) -> Job | SharedJob:
        """Ask a running Organize to stop before it writes anything; discard a preview."""
        job = self.get(board_id, job_id)
        if isinstance(job, SharedJob):
            return self._cancel_shared(job)
        job.cancel.set()
        with self._lock:
            if not job.discard():
                return job
            job.message = "Preview discarded; nothing changed."
        self._publish(job)
        return job

    def apply(self, board_id: str, job_id: str) -> Job:
        """Write a previewed Organize to the board: the same one write and undo as without."""
        job = self.get(board_id, job_id)
        if isinstance(job, SharedJob):
            return self._apply_shared(job)
        if self.share is not None and self.share.cancel_requested(job.id):
            job.cancel.set()  # discarded through another process
        with self._lock:
            if job.cancel.is_set():
                job.discard()
            plan, job._plan = job._plan, None
            if job.state != "preview" or plan is None:
                raise Conflict(NOT_PREVIEW)
        try:
            self._finish(job, plan)
        except BaseException:
            job._plan = plan  # nothing was written: it can still be applied or discarded
            raise
        job.proposal = None
        self._publish(job)
        return job

    def undo(self, board_id: str, job_id: str, client: str | None) -> dict[str, Any]:
        """Put every note and group back as before the run, for everyone."""
        job = self.get(board_id, job_id)
        if isinstance(job, SharedJob):
            return self._undo_shared(job, client)
        with self._lock:
            record, job.undo = job.undo, None
            if self.share is not None:  # the shared copy decides: one Undo wins
                record = self.share.take_undo(job.id) if record is not None else None
        if record is None:
            raise Conflict("That Organize has already been undone or did not change "
                                "the board.")
        try:
            ops = apply.undo_ops(record, self.store.snapshot(board_id))
            result = self.store.apply_ops(board_id, ops, client=client)
        except BaseException:
            job.undo = record  # nothing was written: it can still be undone
            if self.share is not None:
                self.share.put_undo(job.id, record)
            raise
        job.message = "Undone."
        self._publish(job)
        return {"seq": result["seq"]}

    # -- runs another process owns -------------------------------------------------------

    def _cancel_shared(self, job: SharedJob) -> SharedJob:
        """Cancel another process's run: it stops at its next look at the flag; a preview
        there is discarded at once."""
        assert self.share is not None
        self.share.request_cancel(job.id)
        if job.state == "preview":
            job.data.update(state="cancelled", proposal=None,
                            message="Preview discarded; nothing changed.")
            self._publish_shared(job)
        return job

    def _undo_shared(self, job: SharedJob, client: str | None) -> dict[str, Any]:
        assert self.share is not None
        record = self.share.take_undo(job.id)
        if record is None:
            raise Conflict("That Organize has already been undone or did not change "
                           "the board.")
        try:
            ops = apply.undo_ops(record, self.store.snapshot(job.board_id))
            result = self.store.apply_ops(job.board_id, ops, client=client)
        except BaseException:
            self.share.put_undo(job.id, record)  # nothing was written: it can still be undone
            raise
        job.data.update(undoable=False, message="Undone.")
        self._publish_shared(job)
        return {"seq": result["seq"]}

    def _apply_shared(self, job: SharedJob) -> SharedJob:
        """Apply another process's preview: ask its owner, wait for the answer."""
        assert self.share is not None
        if job.state != "preview":
            raise Conflict(NOT_PREVIEW)
        ticket = uuid.uuid4().hex
        self.share.request_apply(job.id, ticket)
        deadline = time.monotonic() + APPLY_WAIT
        while time.monotonic() < deadline:
            time.sleep(POLL_CANCEL / 5)
            answer = self.share.apply_answer(ticket)
            if answer is not None:
                if not answer.get("ok"):
                    raise Conflict(answer.get("message") or NOT_PREVIEW,
                                   code=answer.get("code"))
                public = self.share.load(job.id)
                return SharedJob(public) if public is not None else job
        self.share.take_apply(job.id)  # withdrawn: nobody took it
        raise Conflict("The Herd process holding that preview did not answer (it may have "
                       "stopped, and its preview with it): Organize again.",
                       code="preview_unreachable")

    def _serve_applies(self, job: Job) -> None:
        """While this process's preview waits, apply it when another process asks."""
        assert self.share is not None
        while job.state == "preview":
            time.sleep(POLL_CANCEL)
            try:
                if self.share.cancel_requested(job.id):  # discarded through another process
                    with self._lock:
                        job.discard()
                    return
                ticket = self.share.take_apply(job.id)
            except Exception:
                log.exception("reading Apply requests for Organize run %s failed", job.id)
                continue
            if ticket is None:
                continue
            try:
                self.apply(job.board_id, job.id)
                answer: dict[str, Any] = {"ok": True}
            except HerdError as e:
                answer = {"ok": False, "message": e.message, "code": e.code}
            except Exception:
                log.exception("applying Organize run %s for another process failed", job.id)
                answer = {"ok": False, "message": "Applying failed unexpectedly; the board is "
                          "unchanged (see the log)."}
            try:
                self.share.answer_apply(ticket, answer)
            except Exception:
                log.exception("answering an Apply of Organize run %s failed", job.id)

    def _publish_shared(self, job: SharedJob) -> None:
        assert self.share is not None
        self.share.save(job.public())
        self.hub.publish(job.board_id, {"type": "organize", "job": job.public()})

    def _hold(self, job: Job) -> None:
        """While the run goes on: renew its lease on the board and watch for a Cancel asked
        through another process; release the board when it ends."""
        assert self.share is not None
        renewed = time.monotonic()
        try:
            while job.state == "running":
                time.sleep(POLL_CANCEL)
                try:
                    if self.share.cancel_requested(job.id):
                        job.cancel.set()
                    if time.monotonic() - renewed >= RENEW_EVERY:
                        renewed = time.monotonic()
                        if not self.share.renew(job.board_id, job.id):
                            log.warning("Organize run %s lost its lease on board %s",
                                        job.id, job.board_id)
                except Exception as e:  # Redis away a moment: the lease outlasts it
                    log.warning("renewing Organize run %s's lease failed: %s", job.id, e)
        finally:
            try:
                self.share.release(job.board_id, job.id)
            except Exception:
                log.exception("releasing Organize run %s's board lock failed", job.id)

    # -- the run -----------------------------------------------------------------------

    def _run(self, job: Job, scope: Any, snapshot: dict, ai: Any) -> None:
        turn = False
        try:
            self._wait_turn(job)
            turn = True
            retired = {g["id"] for g in getattr(scope, "retired_groups", ())}  # none in a sort
            avoid = apply.staying_rects(snapshot, {n["id"] for n in scope.notes}, retired)
            progress = lambda *a: self._progress(job, *a)  # noqa: E731
            if job.kind == "sort":
                plan = self._plan_sort(scope, ai, job.params, progress, avoid)
            else:
                notes = [{k: n[k] for k in ("id", "text", "w", "h")} for n in scope.notes]
                placements = self.run_pipeline(notes, ai, job.params, progress,
                                               job.cancel.is_set, avoid)
                plan = _Plan(lambda current: apply.result_ops(scope, placements, current),
                             {n: r for p in placements for n, r in p.doubts.items()},
                             {n: p.group_id for p in placements for n in p.notes},
                             {p.group_id for p in placements if p.origin == apply.UNSORTED_ORIGIN},
                             [{"id": p.group_id, "title": p.label, "frame": p.frame,
                               "origin": p.origin, "note_ids": list(p.notes)}
                              for p in placements])
            self._check_cancel(job)
            if job.params.get("preview"):
                job._plan, job.proposal = plan, plan.proposal
                job.state, job.stage = "preview", None
                job.message = (f"Preview: {len(plan.proposal)} groups. Apply to move the "
                               "notes, or Discard.")
                if job.kind == "sort":
                    job.message = (f"Preview: {len(plan.homes)} new notes into "
                                   f"{len(plan.proposal)} groups. Apply to move them, or "
                                   "Discard.")
                if self.share is not None:  # Apply may come through another process
                    threading.Thread(target=self._serve_applies, args=(job,), daemon=True,
                                     name=f"organize-apply-{job.id}").start()
            else:
                self._finish(job, plan)
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
        finally:
            if turn:
                self.queue.done(job.id)
        job.queue = None
        self._publish(job)
        if self.share is not None:  # the board is free for the next run at once
            try:
                self.share.release(job.board_id, job.id)
            except Exception:
                log.exception("releasing Organize run %s's board lock failed", job.id)

    def _wait_turn(self, job: Job) -> None:
        """Wait in line behind other boards' runs, telling this board its place."""
        def told(place: int, ahead: int) -> None:
            job.queue = {"place": place, "ahead": ahead}
            job.stage = "queued"
            job.message = (f"Waiting for {ahead} Organize run{'s' if ahead != 1 else ''} on "
                           "other boards to finish first: the model servers take one at a time"
                           if self.queue.slots == 1 else
                           f"Waiting for its turn: {ahead} Organize runs are ahead of this one")
            self._publish(job)

        self.queue.wait_turn(job.id, told, job.cancel.is_set)
        if job.queue is not None:
            job.queue, job.stage, job.message = None, None, None
            self._publish(job)

    def _plan_sort(self, scope: apply.SortScope, ai: Any, params: dict[str, Any], progress: Any,
                   avoid: list[dict[str, float]]) -> _Plan:
        sort = self.run_sort(scope, ai, params, progress, avoid)
        unsorted = {sort.new_group.group_id} if sort.new_group else set()
        if scope.unsorted:
            unsorted.add(scope.unsorted[0]["id"])
        return _Plan(lambda current: apply.sort_ops(scope, sort, current), sort.doubts,
                     {n: g for n, (g, _, _) in sort.notes.items()}, unsorted,
                     sort_proposal(scope, sort))

    def _finish(self, job: Job, plan: _Plan) -> None:
        """Write the plan and tell what it did."""
        job.undo, _ = self._write(job, plan.ops)
        if self.share is not None:
            self.share.put_undo(job.id, job.undo)
        # Only the notes it placed: a sort may also move notes down with their frame.
        moved = {n["id"] for n in job.undo["notes"]} & set(plan.homes)
        job.notes = len(moved)
        homes = {plan.homes[n] for n in moved}
        job.unsorted = sum(1 for n in moved if plan.homes[n] in plan.unsorted)
        job.groups = len({h for h in homes if h not in plan.unsorted})
        job.marked = sum(1 for n in plan.doubts if n in moved)
        job.state, job.stage = "done", None
        if job.kind == "sort":
            job.message = (f"Sorted {job.notes - job.unsorted} new notes into {job.groups} "
                           f"groups" + (f"; {job.unsorted} fit no group and wait in Unsorted."
                                        if job.unsorted else "."))
        else:
            job.message = f"Organized {job.notes} notes into {job.groups} groups" + (
                f"; {job.unsorted} fit no group and wait in Unsorted." if job.unsorted else ".")

    def _write(self, job: Job, plan_ops: Any):
        """One batch through the store; on a concurrent edit, re-plan against the new board."""
        for attempt in range(APPLY_TRIES):
            self._check_cancel(job)
            current = self.store.snapshot(job.board_id)
            ops, record = plan_ops(current)
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
            if self.share is not None:
                self.share.save(job.public())
            self.hub.publish(job.board_id, {"type": "organize", "job": job.public()})
        except Exception:  # progress is a courtesy; the run goes on
            log.exception("publishing Organize progress failed")

    def _remember(self, job: Job) -> None:
        self._jobs[job.id] = job
        finished = [k for k, j in self._jobs.items() if j.state != "running"]
        for k in finished[: max(0, len(self._jobs) - KEEP_FINISHED)]:
            del self._jobs[k]
