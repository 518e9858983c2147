"""The schema and its migrations, versioned with PRAGMA user_version (on PostgreSQL, a
one-row schema_version table: store/pg.py).

Writing a migration (or any SQL in the store) so that it runs on both SQLite and PostgreSQL:
write it ONCE, in SQLite's syntax, within this portable subset, and test it on both
(tests/test_store*.py run on each backend):

- Types: TEXT, INTEGER, REAL, BLOB. On PostgreSQL they become TEXT COLLATE "C" (ORDER BY
  compares bytes, as here), BIGINT, DOUBLE PRECISION and BYTEA; `INTEGER PRIMARY KEY`
  [AUTOINCREMENT] becomes an identity column (cursor.lastrowid works). Declare a type on
  every column; store booleans as INTEGER 0/1. `WITHOUT ROWID` is dropped there. No STRICT.
- Placeholders: `?` only (no `?NNN`, no `:name`). Quote names with "double quotes" or not
  at all; keep them lower case.
- Translated for you: INSERT OR IGNORE (ON CONFLICT DO NOTHING), INSERT OR REPLACE and
  REPLACE INTO (an upsert on the primary key: no ON DELETE cascade fires, unlike SQLite's
  delete-and-insert), `a IS b` / `a IS NOT b` between values, IFNULL, last_insert_rowid(),
  `SELECT changes()`, and the store's timestamp `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`.
  `INSERT ... ON CONFLICT (cols) DO UPDATE SET c = excluded.c` is already both.
- Not translated, so not allowed: other strftime()/date()/julianday() calls (pass times in
  from Python: now_iso()), GLOB, typeof(), `||` on numbers, integer-affinity tricks (a
  TEXT value in an INTEGER column), `BEGIN` followed by a write (write only inside
  Store._write, which is BEGIN IMMEDIATE), PRAGMAs other than user_version (they do
  nothing there), ALTER TABLE other than ADD COLUMN / RENAME, executescript(), TRUE/FALSE
  into an INTEGER column (write 1/0).
- Means something else there, so say exactly what you mean: a bare column beside GROUP BY
  that is not grouped (PostgreSQL refuses it); "double quotes" for a string (a name there);
  LIKE (case-blind for ASCII here, case-sensitive there); ORDER BY a column with NULLs (first
  here, last there: add NULLS FIRST or NULLS LAST, both understand it); scalar max(a, b) /
  min(a, b) (write CASE WHEN); round(x, n) on a REAL (PostgreSQL rounds only NUMERIC).
- Where a statement truly cannot be written once, give PostgreSQL its own text in
  DIALECT_MIGRATIONS below (same index as in MIGRATIONS), and say why beside it.

sqlpg.translate raises Untranslatable on the constructs it knows to be SQLite's only.
"""

from __future__ import annotations

import sqlite3

# Each entry moves the database from version i to i + 1. Append; never edit a shipped entry.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE boards (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        seq         INTEGER NOT NULL DEFAULT 0,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL
    );
    CREATE TABLE notes (
        board_id    TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
        id          TEXT NOT NULL,
        text        TEXT NOT NULL,
        x           REAL NOT NULL,
        y           REAL NOT NULL,
        w           REAL NOT NULL,
        h           REAL NOT NULL,
        color       TEXT NOT NULL,
        group_id    TEXT,
        version     INTEGER NOT NULL,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL,
        PRIMARY KEY (board_id, id)
    ) WITHOUT ROWID;
    CREATE INDEX notes_group ON notes(board_id, group_id);
    CREATE TABLE groups (
        board_id    TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
        id          TEXT NOT NULL,
        title       TEXT NOT NULL,
        x           REAL NOT NULL,
        y           REAL NOT NULL,
        w           REAL NOT NULL,
        h           REAL NOT NULL,
        version     INTEGER NOT NULL,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL,
        PRIMARY KEY (board_id, id)
    ) WITHOUT ROWID;
    -- The live-event log: lets a reconnecting browser (or one that outlived a restart)
    -- catch up on the changes it missed instead of reloading the board.
    CREATE TABLE events (
        board_id    TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
        seq         INTEGER NOT NULL,
        payload     TEXT NOT NULL,
        PRIMARY KEY (board_id, seq)
    ) WITHOUT ROWID;
    """,
    # 2: who made a group, so a later Organize replaces its own groups, never the user's.
    """
    ALTER TABLE groups ADD COLUMN origin TEXT NOT NULL DEFAULT 'user';
    """,
    # 3: access. The server's own secrets (the owner token, the key that signs session
    # cookies) live with the boards, so every process on this database agrees on them; each
    # board has one share link per role. access.ensure() fills both in from Python's
    # `secrets` (boards made before this get their links then).
    """
    CREATE TABLE secrets (
        name        TEXT PRIMARY KEY,
        value       TEXT NOT NULL,
        created_at  TEXT NOT NULL
    );
    CREATE TABLE board_links (
        board_id    TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
        role        TEXT NOT NULL,
        secret      TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        PRIMARY KEY (board_id, role)
    ) WITHOUT ROWID;
    """,
    # 4: membership by containment (issue 13). A note belongs to the frame holding its centre
    # (the innermost, then the topmost: store/membership.py states the rule; this is the same
    # rule in SQL). Nothing moves: only group_id changes, on notes that sat outside their
    # frame or inside a frame they were not in. Boards that changed get a new seq and lose
    # their event log, so a browser that reconnects after the upgrade reloads (resync)
    # instead of replaying events that no longer describe the board.
    """
    CREATE TEMP TABLE membership AS
    SELECT n.board_id AS board_id, n.id AS id, n.group_id AS old_gid, (
        SELECT g.id FROM groups g
        WHERE g.board_id = n.board_id
          AND n.x + n.w / 2.0 BETWEEN g.x AND g.x + g.w
          AND n.y + n.h / 2.0 BETWEEN g.y AND g.y + g.h
          AND NOT EXISTS (
            SELECT 1 FROM groups h
            WHERE h.board_id = g.board_id AND h.id != g.id
              AND n.x + n.w / 2.0 BETWEEN h.x AND h.x + h.w
              AND n.y + n.h / 2.0 BETWEEN h.y AND h.y + h.h
              AND h.x >= g.x AND h.y >= g.y
              AND h.x + h.w <= g.x + g.w AND h.y + h.h <= g.y + g.h
              AND NOT (h.x = g.x AND h.y = g.y AND h.w = g.w AND h.h = g.h))
        ORDER BY g.created_at DESC, g.id DESC
        LIMIT 1) AS new_gid
    FROM notes n;
    DELETE FROM membership WHERE old_gid IS new_gid;
    UPDATE notes
    SET group_id = (SELECT m.new_gid FROM membership m
                    WHERE m.board_id = notes.board_id AND m.id = notes.id),
        version = version + 1,
        updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    WHERE EXISTS (SELECT 1 FROM membership m
                  WHERE m.board_id = notes.board_id AND m.id = notes.id);
    UPDATE boards SET seq = seq + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    WHERE id IN (SELECT board_id FROM membership);
    DELETE FROM events WHERE board_id IN (SELECT board_id FROM membership);
    DROP TABLE membership;
    """,
    # 5: dot voting (issue 10). One row per vote a facilitator ran; `dots` holds each
    # person's dots on each note, changed by increments in the one write path so many
    # people voting on one note at once lose nothing. `voter` is a hash of the caller's
    # session (or token), never the session id itself.
    """
    CREATE TABLE votes (
        board_id      TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
        id            TEXT NOT NULL,
        per_person    INTEGER NOT NULL,
        one_per_note  INTEGER NOT NULL,
        scope         TEXT,
        seconds       REAL,
        ends_at       REAL,
        status        TEXT NOT NULL,
        version       INTEGER NOT NULL,
        started_at    TEXT NOT NULL,
        ended_at      TEXT,
        PRIMARY KEY (board_id, id)
    ) WITHOUT ROWID;
    CREATE TABLE dots (
        board_id    TEXT NOT NULL,
        vote_id     TEXT NOT NULL,
        voter       TEXT NOT NULL,
        note_id     TEXT NOT NULL,
        count       INTEGER NOT NULL,
        PRIMARY KEY (board_id, vote_id, voter, note_id),
        FOREIGN KEY (board_id, vote_id) REFERENCES votes(board_id, id) ON DELETE CASCADE
    ) WITHOUT ROWID;
    """,
    # 6: locks (issue 10). A facilitator locks notes, groups (and so the notes in them) or
    # the whole board (kind 'board', item_id ''): editors may then read, vote and point, but
    # the write path refuses their changes to what is locked.
    """
    CREATE TABLE locks (
        board_id    TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
        kind        TEXT NOT NULL,
        item_id     TEXT NOT NULL,
        PRIMARY KEY (board_id, kind, item_id)
    ) WITHOUT ROWID;
    """,
    # 7: templates (issue 10). Which template a board started from and the timer it
    # suggests, so whoever runs the board (not only whoever made it) is offered that timer.
    """
    CREATE TABLE board_templates (
        board_id       TEXT PRIMARY KEY REFERENCES boards(id) ON DELETE CASCADE,
        template       TEXT NOT NULL,
        timer_seconds  INTEGER
    ) WITHOUT ROWID;
    """,
    # 8: private mode and authors (issue 10). Every note remembers who wrote it: author_id is
    # the same hash of the caller's session votes use (never the session id), author the
    # name they go by on this board (people). A note written while the board is in private
    # mode is hidden: only its author is sent its text until the facilitator reveals. A
    # board's modes live in their own table, one row once a facilitator changes one.
    """
    ALTER TABLE notes ADD COLUMN author_id TEXT;
    ALTER TABLE notes ADD COLUMN author TEXT;
    ALTER TABLE notes ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE board_modes (
        board_id      TEXT PRIMARY KEY REFERENCES boards(id) ON DELETE CASCADE,
        private       INTEGER NOT NULL DEFAULT 0,
        show_authors  INTEGER NOT NULL DEFAULT 1,
        version       INTEGER NOT NULL DEFAULT 0,
        updated_at    TEXT
    );
    CREATE TABLE people (
        board_id    TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
        person      TEXT NOT NULL,
        name        TEXT NOT NULL,
        updated_at  TEXT NOT NULL,
        PRIMARY KEY (board_id, person)
    );
    """,
    # 9: doubt marks (issue 12). The group an Organize or a sort found almost as good for a
    # note (its runner-up): board data, so a reload or a second browser sees the mark. The
    # write path clears it when the note changes group by any other means. Only a column on
    # notes: it does not depend on migrations 7-8.
    """
    ALTER TABLE notes ADD COLUMN runner_up TEXT;
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)

# Per-dialect text for a migration that cannot be written once: {dialect: {index: sql}}.
# Empty: everything so far translates (see the module's docstring).
DIALECT_MIGRATIONS: dict[str, dict[int, str]] = {"postgresql": {}}


def connect(path: str, synchronous: str = "NORMAL") -> sqlite3.Connection:
    """A connection in autocommit mode (we issue BEGIN ourselves), WAL, foreign keys on; for a
    postgresql:// URL, store/pg.py's connection, which takes the same SQL (db.py)."""
    if path.startswith(("postgresql://", "postgres://")):
        from . import pg  # imported late: after gevent's patching (pg._cooperate)

        return pg.connect(path)  # type: ignore[return-value]
    if synchronous.upper() not in ("OFF", "NORMAL", "FULL", "EXTRA"):
        raise ValueError(f"DB_SYNCHRONOUS must be OFF, NORMAL, FULL or EXTRA, not {synchronous!r}")
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    # WAL + NORMAL survives a killed process (the WAL is in the OS cache before COMMIT
    # returns); FULL also survives power loss at the cost of an fsync per write.
    conn.execute(f"PRAGMA synchronous = {synchronous}")
    conn.execute("PRAGMA busy_timeout = 30000")
    return conn


PAGE_SIZE = 1024  # bytes, for a new SQLite database (PostgreSQL: no such PRAGMA, ignored)


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database up to SCHEMA_VERSION; return the version it is at now.

    Each step reads the version inside its own write transaction, so two processes starting
    on one database at once migrate it once: the second waits, then finds it done.
    """
    dialect = getattr(conn, "dialect", "sqlite")
    # Before the first table (an existing database keeps the size it has): a note move
    # rewrites ~4 pages (the note's, the event log's, the board's seq), so with SQLite's
    # 4 KiB a move put 16 KB into the WAL and back into the file; with 1 KiB pages 5.4 KB,
    # the same CPU and the same board reads (bench/README.md, "Issue 11, fourth round").
    conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
    conn.execute("PRAGMA journal_mode = WAL")
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Read inside the transaction: another process (a second `herd serve` on this
            # database) may have migrated while we waited for the lock.
            current = conn.execute("PRAGMA user_version").fetchone()[0]
            if current > SCHEMA_VERSION:
                raise RuntimeError(
                    f"The database is schema version {current}, newer than this Herd "
                    f"({SCHEMA_VERSION}): upgrade Herd."
                )
            if current == SCHEMA_VERSION:
                conn.execute("COMMIT")
                return SCHEMA_VERSION
            script = DIALECT_MIGRATIONS.get(dialect, {}).get(current, MIGRATIONS[current])
            for stmt in _statements(script):
                conn.execute(stmt)
            conn.execute(f"PRAGMA user_version = {current + 1}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


def _statements(script: str) -> list[str]:
    """Split a migration into statements (executescript would COMMIT on its own)."""
    out, buf = [], ""
    for line in script.splitlines():
        if line.strip().startswith("--"):
            continue
        buf += line + "\n"
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    return [s for s in out if s.strip(" ;\n")]
