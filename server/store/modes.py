"""A board's modes (private mode, authors shown) and the names people go by on it: the SQL,
inside the caller's transaction (issue 10). What each person is then sent is privacy.py's.

A board has no row in board_modes until a facilitator changes a mode: the defaults are
private mode off and authors shown. Starting private mode hides authors too (a facilitator
may show them again); revealing leaves that choice as it is, so authors can stay hidden
after the reveal.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ..errors import Invalid

DEFAULTS = {"private": False, "show_authors": True, "version": 0}
FIELDS = {"private", "show_authors"}


def read(conn: sqlite3.Connection, board_id: str) -> dict[str, Any]:
    """{"private", "show_authors", "version"} of the board."""
    row = conn.execute("SELECT private, show_authors, version FROM board_modes "
                       "WHERE board_id = ?", (board_id,)).fetchone()
    return _modes(row)


def _modes(row: Any) -> dict[str, Any]:
    """(private, show_authors, version) as the modes dict; no row (or a NULL version, from
    an outer join) is a board that never set them."""
    if row is None or row[2] is None:
        return dict(DEFAULTS)
    return {"private": bool(row[0]), "show_authors": bool(row[1]), "version": row[2]}


def for_write(conn: sqlite3.Connection, board_id: str, person: str | None
              ) -> tuple[int | None, dict[str, Any], str | None]:
    """The board's seq (None: no such board), its modes and the name `person` goes by, in
    one statement: the one write path needs all three on every write, under its lock."""
    row = conn.execute(
        "SELECT b.seq, m.private, m.show_authors, m.version, p.name FROM boards b "
        "LEFT JOIN board_modes m ON m.board_id = b.id "
        "LEFT JOIN people p ON p.board_id = b.id AND p.person = ? WHERE b.id = ?",
        (person or "", board_id)).fetchone()
    if row is None:
        return None, dict(DEFAULTS), None
    return row[0], _modes(row[1:4]), row[4] if person is not None else None


def check(body: dict[str, Any]) -> dict[str, bool]:
    """A modes body: {"private"?: bool, "show_authors"?: bool}, at least one."""
    extra = set(body) - FIELDS
    if extra or not body:
        raise Invalid('Send {"private": true|false} and/or {"show_authors": true|false}.')
    for key, value in body.items():
        if not isinstance(value, bool):
            raise Invalid(f"'{key}' must be true or false.")
    return dict(body)


def write(conn: sqlite3.Connection, board_id: str, modes: dict[str, Any], now: str) -> None:
    """Store the modes with the next version (portable upsert: SQLite and PostgreSQL)."""
    conn.execute(
        "INSERT INTO board_modes (board_id, private, show_authors, version, updated_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (board_id) DO UPDATE SET "
        "private = excluded.private, show_authors = excluded.show_authors, "
        "version = excluded.version, updated_at = excluded.updated_at",
        (board_id, int(modes["private"]), int(modes["show_authors"]), modes["version"], now))


def reveal(conn: sqlite3.Connection, board_id: str, now: str) -> list[str]:
    """Turn every hidden note face up (a version bump each); their ids."""
    ids = [r[0] for r in conn.execute("SELECT id FROM notes WHERE board_id = ? AND hidden = 1 "
                                      "ORDER BY created_at, id", (board_id,))]
    if ids:
        conn.execute("UPDATE notes SET hidden = 0, version = version + 1, updated_at = ? "
                     "WHERE board_id = ? AND hidden = 1", (now, board_id))
    return ids


def set_name(conn: sqlite3.Connection, board_id: str, person: str, name: str,
             now: str) -> None:
    """Remember the person's name on this board."""
    conn.execute("INSERT INTO people (board_id, person, name, updated_at) VALUES (?, ?, ?, ?) "
                 "ON CONFLICT (board_id, person) DO UPDATE SET name = excluded.name, "
                 "updated_at = excluded.updated_at", (board_id, person, name, now))
