"""The op engine: apply a batch of create/update/delete ops inside an open transaction."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from .. import privacy
from ..errors import Conflict, Forbidden, HerdError, Invalid, NotFound, TooLarge
from . import db
from . import locks as lk
from . import membership as m
from . import validate as v
from .locks import Locks

NOTE_COLS = ("id", "board_id", "text", "x", "y", "w", "h", "color", "group_id", "runner_up",
             "version", "created_at", "updated_at", "author_id", "author", "hidden")
GROUP_COLS = ("id", "board_id", "title", "x", "y", "w", "h", "origin", "version",
              "created_at", "updated_at")
TABLES = {"note": ("notes", NOTE_COLS), "group": ("groups", GROUP_COLS)}
MAX_OPS = 10_000
GEOMETRY = {"x", "y", "w", "h"}


HIDDEN_TEXT = ("This note was written in private mode: only its author can change its text "
               "until the facilitator reveals it.")
HIDDEN_DELETE = ("This note was written in private mode: only its author can delete it until "
                 "the facilitator reveals it (an undo could only bring it back empty).")


@dataclass(frozen=True)
class Writer:
    """Who a batch writes for: the person new notes are by (None: Herd itself, as Organize)
    and their name, and whether the board is in private mode (new notes start hidden)."""

    person: str | None = None
    name: str | None = None
    private: bool = False


def row_dict(row: sqlite3.Row | None, kind: str) -> dict[str, Any] | None:
    """A Note or Group as the store holds it (privacy.py says what each person is sent)."""
    if row is None:
        return None
    out = {c: row[c] for c in TABLES[kind][1]}
    if kind == "note":
        out["hidden"] = bool(out["hidden"])
    return out


class Batch:
    """One batch of ops against one board, in the caller's transaction."""

    def __init__(self, conn: sqlite3.Connection, board_id: str, limits: v.Limits, now: str,
                 locks: Locks | None = None, writer: Writer | None = None):
        self.conn, self.board_id, self.limits, self.now = conn, board_id, limits, now
        self.locks = locks  # None: the caller may change locked things (a facilitator)
        self.writer = writer or Writer()
        self.results: list[dict[str, Any]] = []
        # (kind, id) -> change; re-inserted on each touch so the event lists final states.
        self.changes: dict[tuple[str, str], dict[str, Any]] = {}
        # (kind, id) -> the columns this batch wrote of a row it did not create (None: all).
        self._fields: dict[tuple[str, str], frozenset[str] | None] = {}
        self._note_count: int | None = None
        # Membership follows geometry (membership.py): what this batch did that may change it,
        # settled once after the last op so a multi-op move is judged on its final positions.
        self._moved_notes: set[str] = set()
        self._frame_areas: list[dict[str, Any]] = []  # old and new rects of changed frames
        self._asks: dict[str, str] = {}  # note id -> the group it was explicitly put in
        self._settled: set[tuple[str, str]] = set()  # rows settle_membership rewrote
        self._kinds: list[Any] = []  # each op's kind, to match results to changes
        # Doubt marks (runner_up) hold only while a note stays in the group the machine put it
        # in: each touched note's group before this batch, and the notes whose runner_up this
        # batch set itself (Organize's own write, undo, "keep it here").
        self._group_before: dict[str, str | None] = {}
        self._runner_up_set: set[str] = set()
        self._deleted_groups: set[str] = set()

    def run(self, ops: Any) -> None:
        """Apply every op in order; the first invalid one raises and nothing is kept."""
        if not isinstance(ops, list):
            raise Invalid("'ops' must be a list of ops.")
        if len(ops) > MAX_OPS:
            raise TooLarge(f"{len(ops):,} ops in one batch; the limit is {MAX_OPS:,}.")
        for index, op in enumerate(ops):
            try:
                self._kinds.append(op.get("kind") if isinstance(op, dict) else None)
                self.results.append(self._one(op))
            except HerdError as e:
                if len(ops) > 1:
                    e.message = f"Op {index}: {e.message}"
                    e.details = {**(e.details or {}), "index": index}
                raise
        self.settle_membership()
        self.clear_stale_doubts()
        self._settled_results()

    def _one(self, op: Any) -> dict[str, Any]:
        if not isinstance(op, dict):
            raise Invalid("Each op must be a JSON object.")
        kind, action = op.get("kind"), op.get("op")
        if not isinstance(kind, str) or kind not in TABLES:  # {} is unhashable: TypeError
            raise Invalid(f"Op 'kind' must be 'note' or 'group', not {kind!r}.")
        extra = set(op) - {"op", "kind", "id", "fields", "version"}
        if extra:
            raise Invalid(f"Unknown op key(s): {', '.join(sorted(extra))}.")
        version = v.check_version(op.get("version"))
        if action == "create":
            return self.create(kind, op.get("id"), op.get("fields"))
        if action in ("update", "delete"):
            item_id = v.check_id(op.get("id"), kind)
            if action == "update":
                return self.update(kind, item_id, op.get("fields"), version)
            return self.delete(kind, item_id, version)
        raise Invalid(f"Op 'op' must be 'create', 'update' or 'delete', not {action!r}.")

    # -- reads inside the transaction --------------------------------------------------

    def get(self, kind: str, item_id: str) -> dict[str, Any] | None:
        """The row as it stands in this transaction. One this batch wrote is taken from
        its change, which holds the whole row as written (every write here records one),
        instead of being read back: a note move read its own row twice more."""
        change = self.changes.get((kind, item_id))
        if change is not None:
            return None if change["op"] == "delete" else dict(change["item"])
        table, _ = TABLES[kind]
        row = self.conn.execute(f"SELECT * FROM {table} WHERE board_id = ? AND id = ?",
                                (self.board_id, item_id)).fetchone()
        return row_dict(row, kind)

    def must_get(self, kind: str, item_id: str) -> dict[str, Any]:
        row = self.get(kind, item_id)
        if row is None:
            raise NotFound(f"No {kind} {item_id!r} on board {self.board_id!r}.")
        return row

    # -- writes ------------------------------------------------------------------------

    def create(self, kind: str, item_id: Any, fields: Any) -> dict[str, Any]:
        """Insert a note or group; a client may choose its id (undo brings the same one back)."""
        item_id = new_or_checked_id(item_id, kind)
        if self.locks is not None:
            self.locks.refuse(kind, None)
        existing = self.get(kind, item_id)
        if existing is not None:
            raise Conflict(f"A {kind} with id {item_id!r} already exists on this board.",
                           details={"kind": kind, "current": existing})
        if kind == "note":
            values = v.note_fields(fields, self.limits, partial=False)
            self._count_new_note()
            self._check_group(values["group_id"])
            self._check_group(values["runner_up"])
            self._runner_up_set.add(item_id)
        else:
            values = v.group_fields(fields, self.limits, partial=False)
        note_ids = values.pop("note_ids", None)
        if kind == "note":  # who wrote it is the server's to say, never the client's
            values.update(author_id=self.writer.person, author=self.writer.name,
                          hidden=self.writer.private and self.writer.person is not None)
        row = {"id": item_id, "board_id": self.board_id, **values, "version": 1,
               "created_at": self.now, "updated_at": self.now}
        table, cols = TABLES[kind]
        self.conn.execute(f"INSERT INTO {table} ({', '.join(cols)}) "
                          f"VALUES ({', '.join('?' for _ in cols)})",
                          [int(row[c]) if c == "hidden" else row[c] for c in cols])
        self._changed(kind, "upsert", row)
        if kind == "note":
            self._moved_notes.add(item_id)
            if row["group_id"] is not None:
                self._asks[item_id] = row["group_id"]
        else:
            self._frame_areas.append(row)
            self._ask_into(note_ids or [], item_id)
        return row

    def update(self, kind: str, item_id: str, fields: Any, version: int | None) -> dict[str, Any]:
        """Change some fields; a stale version is refused with the current row."""
        current = self.must_get(kind, item_id)
        if self.locks is not None:
            self.locks.refuse(kind, current)
        self._check_version(kind, current, version)
        checker = v.note_fields if kind == "note" else v.group_fields
        values = checker(fields, self.limits, partial=True)
        note_ids = values.pop("note_ids", None)
        if (kind == "note" and "text" in values and current["hidden"]
                and current["author_id"] != self.writer.person):
            # Its text was never sent to this caller: writing over it blind is refused.
            raise Forbidden(HIDDEN_TEXT, code="hidden_note",
                            details={"kind": "note", "id": item_id})
        if kind == "note":
            self._group_before.setdefault(item_id, current["group_id"])
            if "group_id" in values:
                self._check_group(values["group_id"])
            if "runner_up" in values:
                self._check_group(values["runner_up"])
                self._runner_up_set.add(item_id)
        row = self._write(kind, current, values)
        moved = bool(GEOMETRY & set(values))
        if kind == "note":
            if moved or "group_id" in values:
                self._moved_notes.add(item_id)
            if values.get("group_id") is not None:
                self._asks[item_id] = values["group_id"]
        else:
            if moved:
                self._frame_areas += [current, row]
            self._ask_into(note_ids or [], item_id)
        return row

    def delete(self, kind: str, item_id: str, version: int | None) -> dict[str, Any]:
        """Remove a note or group; a group's notes stay on the board, ungrouped."""
        current = self.must_get(kind, item_id)
        if self.locks is not None:
            self.locks.refuse(kind, current)
        self._check_version(kind, current, version)
        if (kind == "note" and current["hidden"]
                and current["author_id"] != self.writer.person):
            raise Forbidden(HIDDEN_DELETE, code="hidden_note",
                            details={"kind": "note", "id": item_id})
        if kind == "group":
            for note_id in self._group_members(item_id):
                self._set_note_group(note_id, None)
            self._frame_areas.append(current)  # its notes may sit in an outer frame
            self._deleted_groups.add(item_id)
        table, _ = TABLES[kind]
        self.conn.execute(f"DELETE FROM {table} WHERE board_id = ? AND id = ?",
                          (self.board_id, item_id))
        if kind == "note" and self._note_count is not None:
            self._note_count -= 1
        self._changed(kind, "delete", {"id": item_id})
        return {"id": item_id, "deleted": True}

    # -- membership --------------------------------------------------------------------

    def _ask_into(self, note_ids: list[str], group_id: str) -> None:
        """A group's note_ids: each note is put in the group (it must exist, 404 if not)."""
        for note_id in note_ids:
            self.must_get("note", note_id)
            self._asks[note_id] = group_id

    def settle_membership(self) -> None:
        """Make every note this batch may have affected a member of the frame holding it.

        Notes asked into a group (group_id, note_ids) that sit outside it first make it grow
        to hold them; then each affected note gets the group membership.container() gives,
        so group_id always agrees with geometry, whatever the client sent.
        """
        if not (self._moved_notes or self._frame_areas or self._asks):
            return
        frames = {g["id"]: g for g in self._all("group")}
        asked: dict[str, list[dict[str, Any]]] = {}
        for note_id, group_id in self._asks.items():
            note = self.get("note", note_id)
            if note is not None and group_id in frames:  # else deleted later in the batch
                asked.setdefault(group_id, []).append(note)
        for group_id, notes in asked.items():
            rect = m.grown_to_hold(frames[group_id], notes)
            if not m.same_rect(rect, frames[group_id]):
                for key, value in rect.items():
                    v.number(key, value, "group")  # a frame too big to hold them is refused
                self._frame_areas += [frames[group_id], rect]
                frames[group_id] = self._write("group", frames[group_id], rect,
                                               bump=("group", group_id) not in self.changes)
                self._settled.add(("group", group_id))
        ordered = m.z_order(frames.values())
        held: Locks | None = None
        for note in self._affected_notes():
            if note["id"] not in self._moved_notes and note["id"] not in self._asks:
                # Swept by a frame moving or resizing over it: a locked note keeps its group
                # (it changes group only when someone allowed to moves it).
                held = held if held is not None else lk.read(self.conn, self.board_id)
                if held.holds("note", note):
                    continue
            group_id = m.container_id(note, ordered)
            if group_id != note["group_id"]:
                self._group_before.setdefault(note["id"], note["group_id"])
                # Part of the write that caused it: a row this batch already wrote keeps the
                # one version bump it got; a note only swallowed by a moving frame gets one.
                self._write("note", note, {"group_id": group_id},
                            bump=("note", note["id"]) not in self.changes)
                self._settled.add(("note", note["id"]))

    def clear_stale_doubts(self) -> None:
        """Drop the doubt mark of every note that changed group in this batch by other means
        than a write that set its runner_up (a hand move, "Move to <runner-up>", a frame
        dragged over it, its group deleted), and of notes whose runner-up group is gone."""
        stale = [n for n in self._group_before if n not in self._runner_up_set]
        rows = {r["id"]: r for r in (self.get("note", n) for n in stale) if r is not None
                and r["runner_up"] is not None and r["group_id"] != self._group_before[r["id"]]}
        table = TABLES["note"][0]
        for gid in self._deleted_groups:
            rows |= {r["id"]: row_dict(r, "note") for r in self.conn.execute(
                f"SELECT * FROM {table} WHERE board_id = ? AND runner_up = ?",
                (self.board_id, gid))}
        for note in rows.values():
            self._write("note", note, {"runner_up": None},
                        bump=("note", note["id"]) not in self.changes)
            self._settled.add(("note", note["id"]))

    def _settled_results(self) -> None:
        """Results of rows the batch rewrote after their op (membership, doubts) show the row
        as it ends."""
        for i, res in enumerate(self.results):
            key = (self._kinds[i], res.get("id"))
            if key in self._settled:
                change = self.changes.get(key)
                if change and change["op"] == "upsert":
                    self.results[i] = change["item"]

    def _affected_notes(self) -> list[dict[str, Any]]:
        """Notes moved in this batch, and those whose centre lies where a frame was or is."""
        rows: dict[str, dict[str, Any]] = {}
        for note_id in self._moved_notes:
            note = self.get("note", note_id)
            if note is not None:
                rows[note_id] = note
        table = TABLES["note"][0]
        for r in self._frame_areas:
            for row in self.conn.execute(
                    f"SELECT * FROM {table} WHERE board_id = ? "
                    "AND x + w / 2.0 BETWEEN ? AND ? AND y + h / 2.0 BETWEEN ? AND ?",
                    (self.board_id, r["x"], r["x"] + r["w"], r["y"], r["y"] + r["h"])):
                rows[row["id"]] = row_dict(row, "note")
            if "id" in r:
                for row in self.conn.execute(
                        f"SELECT * FROM {table} WHERE board_id = ? AND group_id = ?",
                        (self.board_id, r["id"])):
                    rows[row["id"]] = row_dict(row, "note")
        return list(rows.values())

    def _all(self, kind: str) -> list[dict[str, Any]]:
        table, _ = TABLES[kind]
        rows = self.conn.execute(f"SELECT * FROM {table} WHERE board_id = ?", (self.board_id,))
        return [row_dict(r, kind) for r in rows]

    # -- helpers -----------------------------------------------------------------------

    def _write(self, kind: str, current: dict[str, Any], values: dict[str, Any],
               bump: bool = True) -> dict:
        """Store the new values, bump the version (unless told not to), record the change."""
        version = current["version"] + (1 if bump else 0)
        row = {**current, **values, "version": version, "updated_at": self.now}
        table, _ = TABLES[kind]
        sets = [*values, "version", "updated_at"]
        # Nothing reads its answer (the row was read under the write lock): on PostgreSQL it
        # goes with the batch's next statement. A value it cannot hold fails that statement,
        # still inside this batch, so the batch fails whole as before.
        db.later(self.conn,
                 f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in sets)} "
                 "WHERE board_id = ? AND id = ?",
                 [row[c] for c in sets] + [self.board_id, current["id"]])
        self._changed(kind, "upsert", row, frozenset(values))
        return row

    def _set_note_group(self, note_id: str, group_id: str | None) -> None:
        note = self.must_get("note", note_id)
        if note["group_id"] != group_id:
            self._group_before.setdefault(note_id, note["group_id"])
            self._write("note", note, {"group_id": group_id})

    def _group_members(self, group_id: str) -> list[str]:
        rows = self.conn.execute("SELECT id FROM notes WHERE board_id = ? AND group_id = ?",
                                 (self.board_id, group_id)).fetchall()
        return [r[0] for r in rows]

    def _check_group(self, group_id: str | None) -> None:
        if group_id is not None and self.get("group", group_id) is None:
            raise NotFound(f"No group {group_id!r} on board {self.board_id!r}.")

    def _check_version(self, kind: str, current: dict[str, Any], version: int | None) -> None:
        if version is not None and version != current["version"]:
            raise Conflict(
                f"The {kind} {current['id']!r} changed since you saw it (you had version "
                f"{version}, it is now {current['version']}): take the current one and "
                "re-apply your change.", details={"kind": kind, "current": current})

    def _count_new_note(self) -> None:
        if self._note_count is None:
            self._note_count = self.conn.execute(
                "SELECT COUNT(*) FROM notes WHERE board_id = ?", (self.board_id,)).fetchone()[0]
        if self._note_count >= self.limits.notes_per_board:
            raise TooLarge(f"The board already has {self._note_count:,} notes; the limit is "
                                f"{self.limits.notes_per_board:,}. Start a new board.")
        self._note_count += 1

    def _changed(self, kind: str, op: str, item: dict[str, Any],
                 fields: frozenset[str] | None = None) -> None:
        """Record the row's final state; `fields`: the columns this write changed (None for
        a new row or a delete), added to those earlier writes of the batch changed."""
        key = (kind, item["id"])
        before = self.changes.pop(key, None)
        if before is not None and fields is not None:
            earlier = self._fields.get(key) if before["op"] == "upsert" else None
            fields = None if earlier is None else earlier | fields
        self._fields[key] = fields
        self.changes[key] = {"kind": kind, "op": op, "item": item}

    def event_changes(self) -> list[dict[str, Any]]:
        """The changes as the live event and the log carry them. A note change that touched
        only where and how it shows (a move, a resize, a recolour, a regroup) is a patch of
        those columns: a move is ~170 bytes instead of ~380, sent to every listener (500 of
        them at 1,000 moves/s copied and sent 190 MB/s, bench/README.md)."""
        out = []
        for key, change in self.changes.items():
            patch = (privacy.patch_of(change["item"], self._fields.get(key))
                     if key[0] == "note" and change["op"] == "upsert" else None)
            out.append(change if patch is None else {"kind": "note", "op": "patch", "item": patch})
        return out


def new_or_checked_id(item_id: Any, kind: str) -> str:
    """The client's id if it chose one, else a fresh one."""
    return v.new_id() if item_id is None else v.check_id(item_id, kind)
