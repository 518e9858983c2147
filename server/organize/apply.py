"""Pure: which notes an Organize moves, the ops that put its result on the board, and their undo.

Organize reads a snapshot, thinks for a while (embedding, naming), then writes. Meanwhile
other people keep editing, so the write is planned against the board as it is *then*:
notes added meanwhile are not in the plan, notes deleted meanwhile are skipped, and a note
whose version moved on (someone dragged it) keeps that person's move.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

Row = dict[str, Any]
Op = dict[str, Any]

ORGANIZE_ORIGIN = "organize"  # groups made by Organize; everything else is the user's
UNSORTED_ORIGIN = "unsorted"  # the frame of notes that fit no group (made by Organize too)
MACHINE_ORIGINS = (ORGANIZE_ORIGIN, UNSORTED_ORIGIN)


@dataclass
class Scope:
    """The notes one Organize run will move, and the groups it replaces."""

    notes: list[Row]
    retired_groups: list[Row] = field(default_factory=list)


def choose_scope(snapshot: Row, note_ids: Iterable[str] | None, keep_groups: bool) -> Scope:
    """The notes to organize: all or the chosen ones, less those in the user's own groups.

    Groups an earlier Organize made are replaced when all their notes are reorganized, so
    organizing twice does not leave empty frames behind.
    """
    groups = {g["id"]: g for g in snapshot["groups"]}
    wanted = None if note_ids is None else set(note_ids)
    notes = []
    for note in snapshot["notes"]:
        if wanted is not None and note["id"] not in wanted:
            continue
        group = groups.get(note["group_id"]) if note["group_id"] else None
        if keep_groups and group is not None and group.get("origin") not in MACHINE_ORIGINS:
            continue
        notes.append(note)
    moving = {n["id"] for n in notes}
    members: dict[str, list[str]] = {}
    for note in snapshot["notes"]:
        if note["group_id"]:
            members.setdefault(note["group_id"], []).append(note["id"])
    retired = [g for g in snapshot["groups"]
               if g.get("origin") in MACHINE_ORIGINS and members.get(g["id"])
               and all(m in moving for m in members[g["id"]])]
    return Scope(notes=notes, retired_groups=retired)


@dataclass
class Placement:
    """One group of the result: a label, its frame and where each of its notes goes."""

    group_id: str
    label: str
    frame: dict[str, float]  # x, y, w, h
    notes: dict[str, tuple[float, float]]  # note id -> top-left corner
    origin: str = ORGANIZE_ORIGIN
    doubts: dict[str, str] = field(default_factory=dict)  # note id -> runner-up group id


def result_ops(scope: Scope, placements: list[Placement], current: Row) -> tuple[list[Op], Row]:
    """The ops that apply the result to the board as it is now, and the record to undo them.

    `current` is a fresh snapshot: notes deleted since the scope was chosen are skipped, and
    so are notes whose version moved on (a person's edit wins over the machine's).
    """
    before = {n["id"]: n for n in scope.notes}
    now = {n["id"]: n for n in current["notes"]}
    current_groups = {g["id"]: g for g in current["groups"]}
    ops: list[Op] = []
    moved: list[Row] = []
    for p in placements:
        ops.append({"op": "create", "kind": "group", "id": p.group_id,
                    "fields": {"title": p.label, **p.frame, "origin": p.origin}})
    for p in placements:
        for note_id, (x, y) in p.notes.items():
            seen, live = before.get(note_id), now.get(note_id)
            if seen is None or live is None or live["version"] != seen["version"]:
                continue
            # Every note it places gets its doubt mark, or loses an old one: one write.
            ops.append({"op": "update", "kind": "note", "id": note_id, "version": live["version"],
                        "fields": {"x": x, "y": y, "group_id": p.group_id,
                                   "runner_up": p.doubts.get(note_id)}})
            moved.append(_before(live))
    retired = [current_groups[g["id"]] for g in scope.retired_groups if g["id"] in current_groups]
    ops += [{"op": "delete", "kind": "group", "id": g["id"]} for g in retired]
    undo = {"notes": moved, "created_groups": [p.group_id for p in placements],
            "retired_groups": [{k: g[k] for k in ("id", "title", "x", "y", "w", "h")}
                               | {"origin": g.get("origin", ORGANIZE_ORIGIN)} for g in retired]}
    return ops, undo


def _before(note: Row) -> Row:
    """What undo needs to put a note back: its place, its group and its doubt mark."""
    return {k: note.get(k) for k in ("id", "x", "y", "group_id", "runner_up")}


def _alive(group_id: str | None, groups: Iterable[str]) -> str | None:
    """group_id if that group is (still) there, else None."""
    return group_id if group_id is not None and group_id in groups else None


def undo_ops(undo: Row, current: Row) -> list[Op]:
    """The ops that put every moved note and every group back as before the Organize.

    Restores exactly (last writer wins), skipping notes deleted since; a group someone
    deleted since is not deleted twice.
    """
    notes = {n["id"] for n in current["notes"]}
    groups = {g["id"] for g in current["groups"]}
    ops: list[Op] = []
    for g in undo["retired_groups"]:
        if g["id"] not in groups:
            fields = {k: g[k] for k in ("title", "x", "y", "w", "h", "origin")}
            ops.append({"op": "create", "kind": "group", "id": g["id"], "fields": fields})
    restorable = groups | {g["id"] for g in undo["retired_groups"]}
    for n in undo["notes"]:
        if n["id"] not in notes:
            continue
        group_id = n["group_id"] if n["group_id"] in restorable else None
        # The doubt marks come back with the places (records from before them had none).
        runner_up = _alive(n.get("runner_up"), restorable)
        ops.append({"op": "update", "kind": "note", "id": n["id"],
                    "fields": {"x": n["x"], "y": n["y"], "group_id": group_id,
                               "runner_up": runner_up}})
    for g in undo.get("resized_groups", []):
        if g["id"] in groups:
            ops.append({"op": "update", "kind": "group", "id": g["id"],
                        "fields": {k: g[k] for k in ("x", "y", "w", "h")}})
    ops += [{"op": "delete", "kind": "group", "id": gid}
            for gid in undo["created_groups"] if gid in groups]
    return ops


# -- sorting new notes into the groups that exist -------------------------------------------


@dataclass
class SortScope:
    """What a sort reads: the notes in no group, the groups to sort into, an Unsorted frame."""

    notes: list[Row]
    targets: list[tuple[Row, list[Row]]]  # (group, its notes)
    unsorted: tuple[Row, list[Row]] | None


def sort_scope(snapshot: Row) -> SortScope:
    """The notes in no group, every group but Unsorted with its notes, and Unsorted's frame."""
    members: dict[str, list[Row]] = {}
    for n in snapshot["notes"]:
        if n["group_id"]:
            members.setdefault(n["group_id"], []).append(n)
    targets, unsorted = [], None
    for g in snapshot["groups"]:
        if g.get("origin") == UNSORTED_ORIGIN:
            unsorted = unsorted or (g, members.get(g["id"], []))
        else:
            targets.append((g, members.get(g["id"], [])))
    return SortScope([n for n in snapshot["notes"] if not n["group_id"]], targets, unsorted)


@dataclass
class SortPlan:
    """Sorting's result: frames that grow, notes that join them, maybe a new Unsorted frame."""

    frames: dict[str, dict[str, float]]  # existing group id -> its grown frame
    notes: dict[str, tuple[str, float, float]]  # note id -> (group id, x, y)
    new_group: Placement | None = None  # the Unsorted frame, when the board had none
    doubts: dict[str, str] = field(default_factory=dict)  # note id -> runner-up group id
    # Notes already in frames that move down with them, so a grown frame covers nothing.
    shifted: dict[str, tuple[float, float]] = field(default_factory=dict)


def sort_ops(scope: SortScope, plan: SortPlan, current: Row) -> tuple[list[Op], Row]:
    """The ops that sort the new notes in on the board as it is now, and their undo record.

    A note someone moved or grouped since is left alone; a group deleted since takes no one
    (its notes stay where they are); a frame grows only if its group still exists."""
    before = {n["id"]: n for n in scope.notes}
    now = {n["id"]: n for n in current["notes"]}
    groups = {g["id"]: g for g in current["groups"]}
    ops: list[Op] = []
    created: list[str] = []
    if plan.new_group is not None:
        p = plan.new_group
        ops.append({"op": "create", "kind": "group", "id": p.group_id,
                    "fields": {"title": p.label, **p.frame, "origin": p.origin}})
        created.append(p.group_id)
    alive = set(groups) | set(created)
    resized = []
    for gid, frame in plan.frames.items():
        if gid in groups:
            resized.append({k: groups[gid][k] for k in ("id", "x", "y", "w", "h")})  # undo
            ops.append({"op": "update", "kind": "group", "id": gid, "fields": dict(frame)})
    moved = []
    for note_id, (gid, x, y) in plan.notes.items():
        seen, live = before.get(note_id), now.get(note_id)
        if seen is None or live is None or live["version"] != seen["version"] or gid not in alive:
            continue
        ops.append({"op": "update", "kind": "note", "id": note_id, "version": live["version"],
                    "fields": {"x": x, "y": y, "group_id": gid,
                               "runner_up": _alive(plan.doubts.get(note_id), alive)}})
        moved.append(_before(live))
    members = {n["id"]: n for _, ns in scope.targets for n in ns}
    members |= {n["id"]: n for n in (scope.unsorted[1] if scope.unsorted else [])}
    for note_id, (x, y) in plan.shifted.items():
        seen, live = members.get(note_id), now.get(note_id)
        if seen is None or live is None or live["version"] != seen["version"]:
            continue  # someone moved it meanwhile: theirs wins
        ops.append({"op": "update", "kind": "note", "id": note_id, "version": live["version"],
                    "fields": {"x": x, "y": y}})
        moved.append(_before(live))
    undo = {"notes": moved, "created_groups": created, "retired_groups": [],
            "resized_groups": resized}
    return ops, undo


def staying_rects(snapshot: Row, moving: set[str],
                  retired: set[str] = frozenset()) -> list[dict[str, float]]:
    """The rectangles of everything that stays where it is, for new frames to keep clear of.

    Every frame that stays counts, even an empty one: membership follows containment, so a
    new frame laid over an old one would lose notes to it (or take its notes).
    """
    notes = [n for n in snapshot["notes"] if n["id"] not in moving]
    rows = notes + [g for g in snapshot["groups"] if g["id"] not in retired]
    return [{k: float(r[k]) for k in ("x", "y", "w", "h")} for r in rows]
