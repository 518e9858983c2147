"""The SQL of access: the server's secrets (owner token, session-signing key) and each board's
share link per role. Who may do what is decided in server/access/, not here."""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from dataclasses import dataclass
from typing import Any

ROLES = ("facilitator", "editor", "viewer")  # the roles a share link can carry
OWNER, SESSION_KEY = "owner", "session_key"


def new_secret() -> str:
    """A fresh secret: 192 random bits, URL-safe. No link can be derived from another."""
    return secrets.token_urlsafe(24)


def fingerprint(secret: str) -> str:
    """A short, one-way name for a secret: sessions remember it, so rotating the secret
    cuts them off, and a leaked cookie never reveals the secret itself."""
    return hashlib.sha256(secret.encode()).hexdigest()[:20]


@dataclass(frozen=True)
class BoardKeys:
    """A board's current link secrets, by role (empty when the board does not exist)."""

    by_role: dict[str, str]

    def role_of(self, key: str) -> str | None:
        """The role a link secret opens, comparing in constant time."""
        found = None
        for role, secret in self.by_role.items():
            if secrets.compare_digest(secret.encode(), key.encode()):
                found = role
        return found

    def fingerprint(self, role: str) -> str | None:
        secret = self.by_role.get(role)
        return fingerprint(secret) if secret else None


def ensure(conn: sqlite3.Connection, now: str) -> None:
    """Make whatever secrets are missing: the owner token and session key on first start,
    links for boards that predate them. Runs at start-up, inside the caller's transaction."""
    for name in (OWNER, SESSION_KEY):
        conn.execute("INSERT OR IGNORE INTO secrets (name, value, created_at) VALUES (?, ?, ?)",
                     (name, new_secret(), now))
    missing = conn.execute(
        "SELECT b.id, r.role FROM boards b CROSS JOIN (SELECT 'facilitator' AS role UNION ALL "
        "SELECT 'editor' UNION ALL SELECT 'viewer') r WHERE NOT EXISTS (SELECT 1 FROM "
        "board_links l WHERE l.board_id = b.id AND l.role = r.role)").fetchall()
    conn.executemany("INSERT INTO board_links (board_id, role, secret, created_at) "
                     "VALUES (?, ?, ?, ?)", [(b, r, new_secret(), now) for b, r in missing])


def add_links(conn: sqlite3.Connection, board_id: str, now: str) -> None:
    """A new board's three links."""
    conn.executemany("INSERT INTO board_links (board_id, role, secret, created_at) "
                     "VALUES (?, ?, ?, ?)", [(board_id, r, new_secret(), now) for r in ROLES])


def secret(conn: sqlite3.Connection, name: str) -> str:
    row = conn.execute("SELECT value FROM secrets WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise RuntimeError(f"The database has no {name} secret: it was not set up by Herd.")
    return row[0]


def replace_secret(conn: sqlite3.Connection, name: str, now: str) -> str:
    value = new_secret()
    conn.execute("UPDATE secrets SET value = ?, created_at = ? WHERE name = ?", (value, now, name))
    return value


CREDENTIALS_SQL = ("SELECT s.value, l.role, l.secret FROM secrets s LEFT JOIN board_links l "
                   "ON l.board_id = ? WHERE s.name = ?")


def credentials(rows: list[Any], board_id: str | None) -> tuple[str, BoardKeys | None]:
    """The owner token and the board's link secrets (None: no such board) from the rows of
    CREDENTIALS_SQL: one statement, so one snapshot, without a transaction around it."""
    if not rows:
        raise RuntimeError(f"The database has no {OWNER} secret: it was not set up by Herd.")
    keys = BoardKeys({r[1]: r[2] for r in rows if r[1] is not None})
    return rows[0][0], keys if board_id is not None and keys.by_role else None


def board_keys(conn: sqlite3.Connection, board_id: str) -> BoardKeys:
    rows = conn.execute("SELECT role, secret FROM board_links WHERE board_id = ?",
                        (board_id,)).fetchall()
    return BoardKeys({r[0]: r[1] for r in rows})


def rotate_link(conn: sqlite3.Connection, board_id: str, role: str, now: str) -> str:
    value = new_secret()
    conn.execute("UPDATE board_links SET secret = ?, created_at = ? WHERE board_id = ? AND "
                 "role = ?", (value, now, board_id, role))
    return value
