"""Locks: what a facilitator froze on a board, read and changed inside the caller's
transaction. The op engine (ops.Batch) refuses an editor's change to anything locked."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from ..errors import Forbidden, Invalid, NotFound
from . import validate as v

LOCKED = ("The facilitator locked this {what}: you can read it, vote and point, but not move "
          "or edit it.")


@dataclass
class Locks:
    """A board's locks: the whole board, or some notes and groups."""

    board: bool = False
    notes: set[str] = field(default_factory=set)
    groups: set[str] = field(default_factory=set)

    def any(self) -> bool:
        return self.board or bool(self.notes or self.groups)

    def holds(self, kind: str, row: dict[str, Any]) -> bool:
        """Whether a note or group row is locked (a note also by its locked group)."""
        if self.board:
            return True
        if kind == "group":
            return row["id"] in self.groups
        return row["id"] in self.notes or row.get("group_id") in self.groups

    def refuse(self, kind: str, row: dict[str, Any] | None) -> None:
        """Forbidden when an editor's op would change something locked (None: a new item)."""
        if row is None:
            if self.board:
                raise Forbidden(LOCKED.format(what="board"), code="locked")
            return
        if self.holds(kind, row):
            raise Forbidden(LOCKED.format(what="board" if self.board else kind), code="locked",
                            details={"kind": kind, "id": row["id"]})

    def public(self) -> dict[str, Any]:
        return {"board": self.board, "notes": sorted(self.notes), "groups": sorted(self.groups)}


def read(conn: sqlite3.Connection, board_id: str) -> Locks:
    """The board's locks."""
    locks = Locks()
    for kind, item_id in conn.execute("SELECT kind, item_id FROM locks WHERE board_id = ?",
                                      (board_id,)):
        if kind == "board":
            locks.board = True
        else:
            (locks.notes if kind == "note" else locks.groups).add(item_id)
    return locks


def targets(body: dict[str, Any]) -> list[tuple[str, str]]:
    """(kind, id) pairs from {"board"?: true, "note_ids"?: [..], "group_ids"?: [..]}."""
    extra = set(body) - {"board", "note_ids", "group_ids"}
    if extra or not body:
        raise Invalid('Send {"board": true} or {"note_ids": [...], "group_ids": [...]}.')
    out: list[tuple[str, str]] = []
    if "board" in body:
        if body["board"] is not True:
            raise Invalid("'board' must be true (the whole board).")
        out.append(("board", ""))
    for key, kind in (("note_ids", "note"), ("group_ids", "group")):
        ids = body.get(key, [])
        if not isinstance(ids, list) or len(ids) > 10_000:
            raise Invalid(f"'{key}' must be a list of at most 10,000 ids.")
        out += [(kind, v.check_id(i, kind)) for i in ids]
    return out


def change(conn: sqlite3.Connection, board_id: str, items: list[tuple[str, str]],
           on: bool) -> None:
    """Lock (on) or unlock the items; a note or group must exist to be locked."""
    for kind, item_id in items:
        if on:
            if kind != "board":
                table = "notes" if kind == "note" else "groups"
                if conn.execute(f"SELECT 1 FROM {table} WHERE board_id = ? AND id = ?",
                                (board_id, item_id)).fetchone() is None:
                    raise NotFound(f"No {kind} {item_id!r} on this board.")
            conn.execute("INSERT OR IGNORE INTO locks (board_id, kind, item_id) "
                         "VALUES (?, ?, ?)", (board_id, kind, item_id))
        else:
            conn.execute("DELETE FROM locks WHERE board_id = ? AND kind = ? AND item_id = ?",
                         (board_id, kind, item_id))
