"""The op engine: apply a batch of create/update/delete ops inside an open transaction."""

from __future__ import annotations

import sqlite3
from typing import Any

from ..errors import Conflict, HerdError, Invalid, NotFound, TooLarge
from . import validate as v

NOTE_COLS = ("id", "board_id", "text", "x", "y", "w", "h", "color", "group_id", "version",
             "created_at", "updated_at")
GROUP_COLS = ("id", "board_id", "title", "x", "y", "w", "h", "origin", "version",
              "created_at", "updated_at")
TABLES = {"note": ("notes", NOTE_COLS), "group": ("groups", GROUP_COLS)}
MAX_OPS = 10_000


def row_dict(row: sqlite3.Row | None, kind: str) -> dict[str, Any] | None:
    """A Note or Group as the API shows it."""
    if row is None:
        return None
    return {c: row[c] for c in TABLES[kind][1]}


class Batch:
    """One batch of ops against one board, in the caller's transaction."""

    def __init__(self, conn: sqlite3.Connection, board_id: str, limits: v.Limits, now: str):
        self.conn, self.board_id, self.limits, self.now = conn, board_id, limits, now
        self.results: list[dict[str, Any]] = []
        # (kind, id) -> change; re-inserted on each touch so the event lists final states.
        self.changes: dict[tuple[str, str], dict[str, Any]] = {}
        self._note_count: int | None = None

    def run(self, ops: Any) -> None:
        """Apply every op in order; the first invalid one raises and nothing is kept."""
        if not isinstance(ops, list):
            raise Invalid("'ops' must be a list of ops.")
        if len(ops) > MAX_OPS:
            raise TooLarge(f"{len(ops):,} ops in one batch; the limit is {MAX_OPS:,}.")
        for index, op in enumerate(ops):
            try:
                self.results.append(self._one(op))
            except HerdError as e:
                if len(ops) > 1:
                    e.message = f"Op {index}: {e.message}"
                    e.details = {**(e.details or {}), "index": index}
                raise

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
        existing = self.get(kind, item_id)
        if existing is not None:
            raise Conflict(f"A {kind} with id {item_id!r} already exists on this board.",
                           details={"kind": kind, "current": existing})
        if kind == "note":
            values = v.note_fields(fields, self.limits, partial=False)
            self._count_new_note()
            self._check_group(values["group_id"])
        else:
            values = v.group_fields(fields, self.limits, partial=False)
        note_ids = values.pop("note_ids", None)
        row = {"id": item_id, "board_id": self.board_id, **values, "version": 1,
               "created_at": self.now, "updated_at": self.now}
        table, cols = TABLES[kind]
        self.conn.execute(f"INSERT INTO {table} ({', '.join(cols)}) "
                          f"VALUES ({', '.join('?' for _ in cols)})", [row[c] for c in cols])
        self._changed(kind, "upsert", row)
        if note_ids:
            for note_id in note_ids:
                self._set_note_group(note_id, item_id)
        return row

    def update(self, kind: str, item_id: str, fields: Any, version: int | None) -> dict[str, Any]:
        """Change some fields; a stale version is refused with the current row."""
        current = self.must_get(kind, item_id)
        self._check_version(kind, current, version)
        checker = v.note_fields if kind == "note" else v.group_fields
        values = checker(fields, self.limits, partial=True)
        note_ids = values.pop("note_ids", None)
        if kind == "note" and "group_id" in values:
            self._check_group(values["group_id"])
        row = self._write(kind, current, values)
        if note_ids is not None:
            # note_ids on an update means "these notes, exactly": others leave the group.
            for note_id in self._group_members(item_id):
                if note_id not in note_ids:
                    self._set_note_group(note_id, None)
            for note_id in note_ids:
                self._set_note_group(note_id, item_id)
        return row

    def delete(self, kind: str, item_id: str, version: int | None) -> dict[str, Any]:
        """Remove a note or group; a group's notes stay on the board, ungrouped."""
        current = self.must_get(kind, item_id)
        self._check_version(kind, current, version)
        if kind == "group":
            for note_id in self._group_members(item_id):
                self._set_note_group(note_id, None)
        table, _ = TABLES[kind]
        self.conn.execute(f"DELETE FROM {table} WHERE board_id = ? AND id = ?",
                          (self.board_id, item_id))
        if kind == "note" and self._note_count is not None:
            self._note_count -= 1
        self._changed(kind, "delete", {"id": item_id})
        return {"id": item_id, "deleted": True}

    # -- helpers -----------------------------------------------------------------------

    def _write(self, kind: str, current: dict[str, Any], values: dict[str, Any]) -> dict:
        """Store the new values, bump the version, record the change."""
        row = {**current, **values, "version": current["version"] + 1, "updated_at": self.now}
        table, _ = TABLES[kind]
        sets = [*values, "version", "updated_at"]
        self.conn.execute(
            f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in sets)} "
            "WHERE board_id = ? AND id = ?",
            [row[c] for c in sets] + [self.board_id, current["id"]])
        self._changed(kind, "upsert", row)
        return row

    def _set_note_group(self, note_id: str, group_id: str | None) -> None:
        note = self.must_get("note", note_id)
        if note["group_id"] != group_id:
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

    def _changed(self, kind: str, op: str, item: dict[str, Any]) -> None:
        key = (kind, item["id"])
        self.changes.pop(key, None)
        self.changes[key] = {"kind": kind, "op": op, "item": item}


def new_or_checked_id(item_id: Any, kind: str) -> str:
    """The client's id if it chose one, else a fresh one."""
    return v.new_id() if item_id is None else v.check_id(item_id, kind)
