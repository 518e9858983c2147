"""Dot voting: the SQL of votes and dots, inside the caller's write transaction.

A vote is one row per round a facilitator runs; a dot is an increment of one person's count
on one note (INSERT ... ON CONFLICT DO UPDATE count = count + 1), so concurrent voters never
overwrite each other. While a vote runs nobody but the voter learns of their dots: the board
read and the live stream filter them (see public() and events.py).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from typing import Any

from ..errors import Conflict, Invalid, NotFound
from . import validate as v

PER_PERSON = v.Range(1, 100)
SETTINGS = {"per_person", "one_per_note", "note_ids", "group_id", "seconds"}


def voter_of(key: str) -> str:
    """The name a voter goes by in the store and in events: a hash of the gate's Access.key,
    so the session id itself is never written down or sent."""
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def check_settings(body: dict[str, Any]) -> dict[str, Any]:
    """A start body, validated: {per_person, one_per_note, note_ids | group_id, seconds}."""
    extra = set(body) - SETTINGS
    if extra:
        raise Invalid(f"Unknown vote setting(s) {', '.join(sorted(extra))}: send per_person, "
                      "one_per_note, note_ids or group_id, seconds.")
    per = v.whole(body.get("per_person", 5), PER_PERSON)
    if per is None:
        raise Invalid(f"'per_person' must be a whole number {PER_PERSON.says()}.")
    one = body.get("one_per_note", False)
    if not isinstance(one, bool):
        raise Invalid("'one_per_note' must be true or false.")
    note_ids, group_id = body.get("note_ids"), body.get("group_id")
    if note_ids is not None and group_id is not None:
        raise Invalid("Give 'note_ids' or 'group_id' (or neither: every note), not both.")
    if note_ids is not None:
        if not isinstance(note_ids, list) or not note_ids or len(note_ids) > 10_000:
            raise Invalid("'note_ids' must be a list of 1 to 10,000 note ids.")
        note_ids = list(dict.fromkeys(v.check_id(n, "note") for n in note_ids))
    if group_id is not None:
        group_id = v.check_id(group_id, "group")
    seconds = body.get("seconds")
    if seconds is not None:
        seconds = v.number("seconds", seconds, "vote", v.SECONDS)
    return {"per_person": per, "one_per_note": one, "note_ids": note_ids,
            "group_id": group_id, "seconds": seconds}


def current(conn: sqlite3.Connection, board_id: str) -> sqlite3.Row | None:
    """The board's latest vote (running or ended), or None."""
    # A running vote first: two rounds started in the same millisecond tie on started_at.
    return conn.execute("SELECT * FROM votes WHERE board_id = ? "
                        "ORDER BY status = 'running' DESC, started_at DESC LIMIT 1",
                        (board_id,)).fetchone()


def running(conn: sqlite3.Connection, board_id: str) -> sqlite3.Row | None:
    """The board's running vote, or None."""
    return conn.execute("SELECT * FROM votes WHERE board_id = ? AND status = 'running'",
                        (board_id,)).fetchone()


def must_run(conn: sqlite3.Connection, board_id: str, vote_id: str) -> sqlite3.Row:
    """The running vote with this id, or the error that says why it is not."""
    row = conn.execute("SELECT * FROM votes WHERE board_id = ? AND id = ?",
                       (board_id, vote_id)).fetchone()
    if row is None:
        raise NotFound(f"No vote {vote_id!r} on this board.")
    if row["status"] != "running":
        raise Conflict("This vote has ended: the facilitator can start a new one.",
                       code="vote_ended")
    return row


def expired(row: sqlite3.Row, now: float | None = None) -> bool:
    """Whether a running vote's timer has run out."""
    return row["ends_at"] is not None and (now or time.time()) >= row["ends_at"]


def scope_ids(conn: sqlite3.Connection, board_id: str, settings: dict[str, Any]
              ) -> list[str] | None:
    """The notes a new vote covers (None: every note), checked against the board."""
    if settings["group_id"] is not None:
        if conn.execute("SELECT 1 FROM groups WHERE board_id = ? AND id = ?",
                        (board_id, settings["group_id"])).fetchone() is None:
            raise NotFound(f"No group {settings['group_id']!r} on this board.")
        ids = [r[0] for r in conn.execute(
            "SELECT id FROM notes WHERE board_id = ? AND group_id = ? ORDER BY created_at, id",
            (board_id, settings["group_id"]))]
        if not ids:
            raise Invalid("That group holds no notes to vote on.")
        return ids
    if settings["note_ids"] is not None:
        known = {r[0] for r in conn.execute("SELECT id FROM notes WHERE board_id = ?",
                                            (board_id,))}
        missing = [n for n in settings["note_ids"] if n not in known]
        if missing:
            raise NotFound(f"No note {missing[0]!r} on this board.")
        return settings["note_ids"]
    return None


def insert(conn: sqlite3.Connection, board_id: str, vote_id: str, settings: dict[str, Any],
           scope: list[str] | None, now: str) -> None:
    """Write a new running vote."""
    seconds = settings["seconds"]
    conn.execute(
        "INSERT INTO votes (board_id, id, per_person, one_per_note, scope, seconds, ends_at, "
        "status, version, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'running', 1, ?)",
        (board_id, vote_id, settings["per_person"], int(settings["one_per_note"]),
         None if scope is None else json.dumps(scope), seconds,
         None if seconds is None else time.time() + seconds, now))


def mine(conn: sqlite3.Connection, board_id: str, vote_id: str, voter: str) -> dict[str, int]:
    """One voter's dots: note id -> count."""
    return {r[0]: r[1] for r in conn.execute(
        "SELECT note_id, count FROM dots WHERE board_id = ? AND vote_id = ? AND voter = ? "
        "AND count > 0", (board_id, vote_id, voter))}


def totals(conn: sqlite3.Connection, board_id: str, vote_id: str) -> dict[str, int]:
    """Everyone's dots per note (only ever sent once the vote has ended)."""
    return {r[0]: r[1] for r in conn.execute(
        "SELECT note_id, SUM(count) FROM dots WHERE board_id = ? AND vote_id = ? "
        "GROUP BY note_id HAVING SUM(count) > 0", (board_id, vote_id))}


def cast(conn: sqlite3.Connection, row: sqlite3.Row, voter: str, note_id: str) -> int:
    """Add one of the voter's dots to a note, within the vote's rules; their count on it."""
    board_id, vote_id = row["board_id"], row["id"]
    scope = json.loads(row["scope"]) if row["scope"] else None
    if scope is not None and note_id not in scope:
        raise Invalid("That note is not part of this vote.", code="not_in_vote")
    if conn.execute("SELECT 1 FROM notes WHERE board_id = ? AND id = ?",
                    (board_id, note_id)).fetchone() is None:
        raise NotFound(f"No note {note_id!r} on this board.")
    have = mine(conn, board_id, vote_id, voter)
    if sum(have.values()) >= row["per_person"]:
        raise Conflict(f"You have used all {row['per_person']} of your votes: click a dot "
                       "to take one back first.", code="no_votes_left")
    if row["one_per_note"] and have.get(note_id):
        raise Conflict("One vote per note in this vote: you already voted for it.",
                       code="one_per_note")
    # An increment, not a read-modify-write of a count a client sent.
    conn.execute("INSERT INTO dots (board_id, vote_id, voter, note_id, count) "
                 "VALUES (?, ?, ?, ?, 1) ON CONFLICT (board_id, vote_id, voter, note_id) "
                 "DO UPDATE SET count = count + 1", (board_id, vote_id, voter, note_id))
    return have.get(note_id, 0) + 1


def uncast(conn: sqlite3.Connection, row: sqlite3.Row, voter: str, note_id: str) -> int:
    """Take back one of the voter's dots on a note; their count on it now."""
    board_id, vote_id = row["board_id"], row["id"]
    cur = conn.execute("UPDATE dots SET count = count - 1 WHERE board_id = ? AND vote_id = ? "
                       "AND voter = ? AND note_id = ? AND count > 0",
                       (board_id, vote_id, voter, note_id))
    if cur.rowcount == 0:
        raise Conflict("You have no vote on that note to take back.", code="no_vote_here")
    left = conn.execute("SELECT count FROM dots WHERE board_id = ? AND vote_id = ? AND "
                        "voter = ? AND note_id = ?", (board_id, vote_id, voter, note_id)
                        ).fetchone()[0]
    if left == 0:
        conn.execute("DELETE FROM dots WHERE board_id = ? AND vote_id = ? AND voter = ? AND "
                     "note_id = ?", (board_id, vote_id, voter, note_id))
    return left


def bump(conn: sqlite3.Connection, board_id: str, vote_id: str) -> int:
    """The vote row's next version."""
    conn.execute("UPDATE votes SET version = version + 1 WHERE board_id = ? AND id = ?",
                 (board_id, vote_id))
    return conn.execute("SELECT version FROM votes WHERE board_id = ? AND id = ?",
                        (board_id, vote_id)).fetchone()[0]


def finish(conn: sqlite3.Connection, board_id: str, vote_id: str, now: str) -> None:
    """Mark the vote ended."""
    conn.execute("UPDATE votes SET status = 'ended', ended_at = ?, version = version + 1 "
                 "WHERE board_id = ? AND id = ?", (now, board_id, vote_id))


def public(conn: sqlite3.Connection, row: sqlite3.Row | None, voter: str | None,
           now: float | None = None) -> dict[str, Any] | None:
    """The vote as one caller may see it: the rules, their own dots and votes left; totals
    only once it has ended."""
    if row is None:
        return None
    board_id, vote_id = row["board_id"], row["id"]
    out: dict[str, Any] = {
        "id": vote_id, "status": row["status"], "version": row["version"],
        "per_person": row["per_person"], "one_per_note": bool(row["one_per_note"]),
        "note_ids": json.loads(row["scope"]) if row["scope"] else None,
        "seconds": row["seconds"], "started_at": row["started_at"],
        "ended_at": row["ended_at"],
        "remaining": (None if row["ends_at"] is None or row["status"] != "running"
                      else round(max(0.0, row["ends_at"] - (now or time.time())), 3)),
    }
    own = mine(conn, board_id, vote_id, voter) if voter else {}
    out["mine"] = own
    out["left"] = row["per_person"] - sum(own.values())
    out["totals"] = totals(conn, board_id, vote_id) if row["status"] == "ended" else None
    return out


def exported(conn: sqlite3.Connection, board_id: str) -> list[dict[str, Any]]:
    """Ended votes with their dots, for the JSON export (a running vote is nobody's to read
    yet, so it is left out)."""
    out = []
    for row in conn.execute("SELECT * FROM votes WHERE board_id = ? AND status = 'ended' "
                            "ORDER BY started_at, id", (board_id,)).fetchall():
        # Only dots on notes still on the board: the file must import on its own.
        dots = [{"voter": r[0], "note_id": r[1], "count": r[2]} for r in conn.execute(
            "SELECT d.voter, d.note_id, d.count FROM dots d JOIN notes n "
            "ON n.board_id = d.board_id AND n.id = d.note_id "
            "WHERE d.board_id = ? AND d.vote_id = ? AND d.count > 0 "
            "ORDER BY d.voter, d.note_id", (board_id, row["id"]))]
        scope = json.loads(row["scope"]) if row["scope"] else None
        if scope is not None:
            present = {r[0] for r in conn.execute("SELECT id FROM notes WHERE board_id = ?",
                                                  (board_id,))}
            scope = [n for n in scope if n in present]
        out.append({"id": row["id"], "per_person": row["per_person"],
                    "one_per_note": bool(row["one_per_note"]),
                    "note_ids": scope,
                    "seconds": row["seconds"], "version": row["version"],
                    "started_at": row["started_at"], "ended_at": row["ended_at"],
                    "dots": dots})
    return out


def restore(conn: sqlite3.Connection, board_id: str, votes: list[dict[str, Any]]) -> None:
    """Write ended votes from a validated JSON export into a new board."""
    for vote in votes:
        conn.execute(
            "INSERT INTO votes (board_id, id, per_person, one_per_note, scope, seconds, "
            "ends_at, status, version, started_at, ended_at) "
            "VALUES (?, ?, ?, ?, ?, ?, NULL, 'ended', ?, ?, ?)",
            (board_id, vote["id"], vote["per_person"], int(vote["one_per_note"]),
             None if vote["note_ids"] is None else json.dumps(vote["note_ids"]),
             vote["seconds"], vote["version"], vote["started_at"], vote["ended_at"]))
        conn.executemany("INSERT INTO dots (board_id, vote_id, voter, note_id, count) "
                         "VALUES (?, ?, ?, ?, ?)",
                         [(board_id, vote["id"], d["voter"], d["note_id"], d["count"])
                          for d in vote["dots"]])
