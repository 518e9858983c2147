"""The Store: one write connection behind a lock (the one write path), pooled readers."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from ..config import default_data_dir
from ..errors import Conflict, Invalid, NotFound, Unavailable
from . import access, checkpoint, db, locks, membership, modes, schema, votes
from . import validate as v
from .ops import TABLES, Batch, Writer, row_dict

log = logging.getLogger(__name__)
Publish = Callable[[str, dict[str, Any]], None]
PG_READERS = 8  # PostgreSQL connections for reading, per process (plus the one writer)
BOARD_SQL = ("SELECT b.id, b.name, b.seq, b.created_at, b.updated_at, "
             "(SELECT COUNT(*) FROM notes n WHERE n.board_id = b.id) AS note_count "
             "FROM boards b")


def now_iso() -> str:
    """Current UTC time as ISO-8601 with milliseconds and a Z."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _private_dir(path: str) -> None:
    """Make the data directory; Herd's own (the default) is readable by its user only. A
    directory the user chose for --db is theirs to keep as they like."""
    if not os.path.isdir(path):
        os.makedirs(path, mode=0o700, exist_ok=True)
    elif os.path.abspath(path) == os.path.abspath(default_data_dir()):
        os.chmod(path, 0o700)


def _private_files(path: str) -> None:
    """The database holds the owner token and every link: readable by its user only."""
    for name in (path, path + "-wal", path + "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(name, 0o600)


def board_dict(row: sqlite3.Row) -> dict[str, Any]:
    """A Board as the API shows it."""
    return {"id": row["id"], "name": row["name"], "note_count": row["note_count"],
            "created_at": row["created_at"], "updated_at": row["updated_at"]}


WRITE_WAIT = 30.0  # seconds a write waits for another process's write, as busy_timeout did


def _begin(conn: sqlite3.Connection) -> None:
    """BEGIN IMMEDIATE, retried while another process writes; time.sleep is cooperative
    under gevent, so this worker's other requests go on while it waits."""
    deadline, delay = time.monotonic() + WRITE_WAIT, 0.0005
    while True:
        try:
            conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(0.005, delay * 2)


def _begin_read(conn: Any) -> None:
    """A read transaction: one snapshot for every statement in it."""
    conn.execute("BEGIN")


class Store:
    """All SQL for boards, notes, groups and the event log."""

    def __init__(self, path: str, limits: v.Limits | None = None, events_keep: int = 1000,
                 synchronous: str = "NORMAL", publish: Publish | None = None) -> None:
        """`path` is a SQLite file or a postgresql:// URL (store/db.py): the same SQL, the
        same one write path, on either."""
        self.dialect = db.dialect_of(path)
        if path == ":memory:":
            # Each reader would get its own empty database: use a temporary file instead.
            raise ValueError("Herd's store needs a database file, not ':memory:'.")
        if self.dialect == db.SQLITE:
            _private_dir(os.path.dirname(os.path.abspath(path)))
        self.path, self.synchronous = path, synchronous
        self.limits = limits or v.Limits()
        self.events_keep = events_keep
        self.publish: Publish = publish or (lambda board_id, event: None)
        self._write_lock = threading.Lock()
        self._writer = db.connect(path, synchronous)
        schema.migrate(self._writer)
        # Another process may hold SQLite's write lock (several workers on one file): wait
        # for it in _begin, not in SQLite's busy handler, which sleeps inside C and so
        # freezes every request of a gevent worker meanwhile. (PostgreSQL: no such PRAGMA;
        # its writers queue on the advisory lock, cooperatively.)
        self._writer.execute("PRAGMA busy_timeout = 0")
        self._checkpointer: checkpoint.Checkpointer | None = None
        if self.dialect == db.SQLITE:
            # Checkpoints (the only disk syncs of WAL + NORMAL) run in a thread of their own,
            # not inside a COMMIT that holds the event loop (checkpoint.py).
            self._writer.execute(f"PRAGMA wal_autocheckpoint = {checkpoint.BACKSTOP_PAGES}")
            self._checkpointer = checkpoint.Checkpointer(
                lambda: db.connect(path, synchronous), owner=self)
            self._checkpointer.start()
        self._readers: list[Any] = []
        self._readers_lock = threading.Lock()
        # Each PostgreSQL reader is a server process: at most a few at once (SQLite's are
        # file handles, as many as the requests in flight).
        self._reader_slots = (threading.BoundedSemaphore(PG_READERS)
                              if self.dialect == db.POSTGRESQL else contextlib.nullcontext())
        with self._write() as (conn, _):
            access.ensure(conn, now_iso())
        if self.dialect == db.SQLITE:
            _private_files(path)

    def close(self) -> None:
        """Close every connection (tests; the server just exits)."""
        if self._checkpointer is not None:
            self._checkpointer.stop()
        with self._write_lock, self._readers_lock:
            for conn in [self._writer, *self._readers]:
                conn.close()
            self._readers.clear()

    # -- connections -------------------------------------------------------------------

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A pooled reader inside one read transaction, so a snapshot is consistent."""
        with self._reader_slots:
            conn = self._open(self._pooled_reader, _begin_read)
            healthy = True
            try:
                try:
                    yield conn
                finally:
                    conn.execute("COMMIT")
            except BaseException as e:
                healthy = not db.broken(conn, e)  # a broken one is not handed on
                raise
            finally:
                if healthy:
                    with self._readers_lock:
                        self._readers.append(conn)
                else:
                    conn.close()

    def _query(self, sql: str, params: tuple) -> list[Any]:
        """The rows of one SELECT on a pooled reader. One statement is its own snapshot on
        both backends, so it needs no BEGIN and COMMIT around it: on PostgreSQL that is one
        round trip instead of three or four, which the gate's read on every request paid.
        A connection dropped since its last use is replaced once, as in _read."""
        out: list[list[Any]] = []
        with self._reader_slots:
            conn = self._open(self._pooled_reader,
                              lambda c: out.append(c.execute(sql, params).fetchall()))
            with self._readers_lock:
                self._readers.append(conn)
        return out[-1]

    def _pooled_reader(self, fresh: bool) -> Any:
        with self._readers_lock:
            if fresh:  # the server went away: every idle connection is as dead as this one
                stale, self._readers[:] = list(self._readers), []
            else:
                stale = []
            conn = self._readers.pop() if self._readers else None
        for old in stale:
            old.close()
        return conn if conn is not None else db.connect(self.path, self.synchronous)

    def _fresh_writer(self, fresh: bool) -> Any:
        if fresh or db.broken(self._writer):
            with contextlib.suppress(Exception):
                self._writer.close()
            self._writer = db.connect(self.path, self.synchronous)
        return self._writer

    def _open(self, get: Callable[[bool], Any], begin: Callable[[Any], None]) -> Any:
        """A connection with `begin` run on it. A connection the server dropped since its
        last use (PostgreSQL restarted) fails right here, before anything was asked of it:
        then once more on a new one, so the first request after a restart is answered."""
        conn = get(False)
        try:
            begin(conn)
            return conn
        except Unavailable:
            if not db.broken(conn):
                raise
        conn.close()
        conn = get(True)
        try:
            begin(conn)
        except BaseException:
            if conn is not self._writer:
                conn.close()
            raise
        return conn

    @contextlib.contextmanager
    def _write(self) -> Iterator[tuple[sqlite3.Connection, list]]:
        """The one write path: lock, BEGIN IMMEDIATE, COMMIT, then publish the outbox.

        Events go out after COMMIT (nobody hears of a write that could still roll back) but
        before the lock is released, so every subscriber sees them in seq order. On
        PostgreSQL, BEGIN IMMEDIATE also takes the database's write lock (store/pg.py), so
        writers in other processes wait their turn too; if the database goes away mid-way
        the transaction is lost whole (Unavailable, a 503) and the next write reconnects.
        """
        with self._write_lock:
            conn, outbox = self._open(self._fresh_writer, _begin), []
            try:
                yield conn, outbox
                conn.execute("COMMIT")
                if self._checkpointer is not None:
                    self._checkpointer.dirty = True
            except BaseException:
                if conn.in_transaction and not db.broken(conn):
                    conn.execute("ROLLBACK")
                raise
            for board_id, event in outbox:
                try:
                    self.publish(board_id, event)
                except Exception:  # the write is committed: a live hiccup must not undo it
                    log.exception("publishing an event failed")

    # -- boards ------------------------------------------------------------------------

    def list_boards(self) -> list[dict[str, Any]]:
        """Every board, most recently changed first."""
        with self._read() as conn:
            rows = conn.execute(BOARD_SQL + " ORDER BY b.updated_at DESC, b.id").fetchall()
        return [board_dict(r) for r in rows]

    def get_board(self, board_id: str) -> dict[str, Any]:
        """One board, or a 404."""
        with self._read() as conn:
            return board_dict(self._board_row(conn, board_id))

    def snapshot(self, board_id: str) -> dict[str, Any]:
        """The board, its notes and groups, and the seq they are current as of."""
        with self._read() as conn:
            row = self._board_row(conn, board_id)
            notes = conn.execute("SELECT * FROM notes WHERE board_id = ? ORDER BY created_at, id",
                                 (board_id,)).fetchall()
            groups = conn.execute("SELECT * FROM groups WHERE board_id = ? "
                                  "ORDER BY created_at, id", (board_id,)).fetchall()
            held = locks.read(conn, board_id).public()
            mode = modes.read(conn, board_id)
        # Notes as the store holds them, hidden text and authors included: whoever hands
        # them to a person first passes them through privacy.view_snapshot.
        return {"board": board_dict(row), "notes": [row_dict(n, "note") for n in notes],
                "groups": [row_dict(g, "group") for g in groups], "seq": row["seq"],
                "locks": held, "modes": mode}

    def create_board(self, name: Any = None, board_id: str | None = None,
                     template: Any = None) -> dict[str, Any]:
        """A new board: empty, or with a template's frames (board_templates.Template), all
        in one write."""
        name = v.check_title(name, self.limits, "Board name") if name is not None else ""
        board_id = v.new_id() if board_id is None else v.check_id(board_id, "board")
        now = now_iso()
        with self._write() as (conn, _):
            try:
                conn.execute("INSERT INTO boards (id, name, seq, created_at, updated_at) "
                             "VALUES (?, ?, 0, ?, ?)", (board_id, name or "Untitled board",
                                                        now, now))
            except sqlite3.IntegrityError:
                raise Conflict(f"A board with id {board_id!r} already exists.") from None
            access.add_links(conn, board_id, now)
            if template is not None:
                table, cols = TABLES["group"]
                rows = [{**g, "title": v.check_title(g["title"], self.limits, "Frame title"),
                         "board_id": board_id, "version": 1, "created_at": now,
                         "updated_at": now} for g in template.groups()]
                conn.executemany(f"INSERT INTO {table} ({', '.join(cols)}) "
                                 f"VALUES ({', '.join('?' for _ in cols)})",
                                 [[r[c] for c in cols] for r in rows])
                conn.execute("INSERT INTO board_templates (board_id, template, timer_seconds) "
                             "VALUES (?, ?, ?)", (board_id, template.id, template.timer_seconds))
            board = board_dict(self._board_row(conn, board_id))
        return board

    def board_template(self, board_id: str) -> dict[str, Any] | None:
        """{"id", "timer_seconds"} of the template the board started from, or None."""
        with self._read() as conn:
            row = conn.execute("SELECT template, timer_seconds FROM board_templates "
                               "WHERE board_id = ?", (board_id,)).fetchone()
        return None if row is None else {"id": row["template"],
                                         "timer_seconds": row["timer_seconds"]}

    def rename_board(self, board_id: str, name: Any) -> dict[str, Any]:
        """Rename a board; everyone on it gets a 'board' event."""
        name = v.check_title(name, self.limits, "Board name")
        if not name:
            raise Invalid("Board name must not be empty.")
        with self._write() as (conn, outbox):
            self._seq(conn, board_id)
            conn.execute("UPDATE boards SET name = ? WHERE id = ?", (name, board_id))
            seq = self._bump(conn, board_id)
            board = board_dict(self._board_row(conn, board_id))
            event = {"type": "board", "seq": seq, "board": board}
            self._log(conn, board_id, seq, event)
            outbox.append((board_id, event))
        return board

    def delete_board(self, board_id: str) -> None:
        """Delete a board with its notes, groups and events; subscribers are told."""
        with self._write() as (conn, outbox):
            self._seq(conn, board_id)
            conn.execute("DELETE FROM boards WHERE id = ?", (board_id,))
            outbox.append((board_id, {"type": "board_deleted"}))

    def import_board(self, name: str, groups: list[dict[str, Any]],
                     notes: list[dict[str, Any]],
                     ended_votes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """A new board holding rows exactly as exported (ids, versions, times), all or nothing.

        The rows must already be validated (export.jsonfile.validate): this only writes them,
        in the one transaction of the write path, so a failure leaves no half-made board.
        """
        board_id, now = v.new_id(), now_iso()
        # An export from before membership followed geometry may say otherwise: the frame
        # that holds a note's centre wins, as on every other write (nothing moves).
        frames = membership.z_order(groups)
        notes = [{**n, "group_id": membership.container_id(n, frames)} for n in notes]
        with self._write() as (conn, _):
            conn.execute("INSERT INTO boards (id, name, seq, created_at, updated_at) "
                         "VALUES (?, ?, 0, ?, ?)", (board_id, name, now, now))
            access.add_links(conn, board_id, now)
            for kind, rows in (("group", groups), ("note", notes)):
                table, cols = TABLES[kind]
                base = {"origin": "user", "group_id": None, "runner_up": None, "version": 1,
                        "author_id": None, "author": None, "hidden": 0}
                conn.executemany(
                    f"INSERT INTO {table} ({', '.join(cols)}) "
                    f"VALUES ({', '.join('?' for _ in cols)})",
                    [[{**base, **row, "board_id": board_id,
                       "created_at": row.get("created_at") or now,
                       "updated_at": row.get("updated_at") or now}[c] for c in cols]
                     for row in rows])
            votes.restore(conn, board_id, ended_votes or [])
            board = board_dict(self._board_row(conn, board_id))
        return board

    # -- access ------------------------------------------------------------------------

    def secret(self, name: str) -> str:
        """One of the server's secrets: access.OWNER (the owner token) or access.SESSION_KEY."""
        with self._read() as conn:
            return access.secret(conn, name)

    def rotate_secret(self, name: str) -> str:
        """Replace a server secret (herd token --rotate); returns the new value."""
        with self._write() as (conn, _):
            return access.replace_secret(conn, name, now_iso())

    def credentials(self, board_id: str | None) -> tuple[str, access.BoardKeys | None]:
        """The owner token and, for a board, its link secrets (None: no such board), read
        together in one statement: the gate asks on every request."""
        return access.credentials(self._query(access.CREDENTIALS_SQL,
                                              (board_id or "", access.OWNER)), board_id)

    def board_keys(self, board_id: str) -> access.BoardKeys:
        """The board's link secrets by role (none when there is no such board)."""
        with self._read() as conn:
            return access.board_keys(conn, board_id)

    def rotate_link(self, board_id: str, role: str) -> str:
        """A new secret for one of the board's links; whoever holds the old one is cut off,
        open live streams included (an unlogged `access_revoked` event tells them)."""
        if role not in access.ROLES:
            raise Invalid(f"No {role!r} link: a board has {', '.join(access.ROLES)} links.")
        with self._write() as (conn, outbox):
            self._seq(conn, board_id)
            value = access.rotate_link(conn, board_id, role, now_iso())
            outbox.append((board_id, {"type": "access_revoked", "role": role}))
        return value

    # -- the write path ----------------------------------------------------------------

    def apply_ops(self, board_id: str, ops: Any, client: str | None = None,
                  locked_ok: bool = True, person: str | None = None,
                  with_modes: bool = False) -> dict[str, Any]:
        """Validate and apply ops in one transaction, log and publish one event. With
        locked_ok=False (an editor's request) an op on anything locked is refused. `person`
        (votes.voter_of the caller) is who new notes are by; in private mode they start
        hidden. Results and the event hold whole rows: privacy.py filters them per person.
        with_modes: the answer also holds the board's modes as this write saw them (the
        caller filters the results by them without a read of its own)."""
        with self._write() as (conn, outbox):
            seq, board_modes, name = modes.for_write(conn, board_id, person)
            if seq is None:
                raise NotFound(f"No board {board_id!r}.")
            held = None if locked_ok else locks.read(conn, board_id)
            writer = Writer(person, name, board_modes["private"])
            batch = Batch(conn, board_id, self.limits, now_iso(),
                          held if held is not None and held.any() else None, writer)
            batch.run(ops)
            out = {"results": batch.results, "seq": seq}
            if with_modes:
                out["modes"] = board_modes
            if not batch.changes:
                return out
            out["seq"] = seq = self._bump(conn, board_id, batch.now, after=seq)
            event = {"type": "changes", "seq": seq, "client": client,
                     "changes": batch.event_changes()}
            self._log(conn, board_id, seq, event)
            outbox.append((board_id, event))
        return out

    # -- private mode and authors ----------------------------------------------------------

    def modes(self, board_id: str) -> dict[str, Any]:
        """The board's modes: {"private", "show_authors", "version"}."""
        with self._read() as conn:
            self._seq(conn, board_id)
            return modes.read(conn, board_id)

    def hidden_count(self, board_id: str) -> int:
        """How many notes on the board are face down (written in private mode, unrevealed)."""
        with self._read() as conn:
            self._seq(conn, board_id)
            return conn.execute("SELECT COUNT(*) FROM notes WHERE board_id = ? AND hidden = 1",
                                (board_id,)).fetchone()[0]

    def set_modes(self, board_id: str, body: dict[str, Any], client: str | None = None
                  ) -> dict[str, Any]:
        """Start or end (reveal) private mode, show or hide authors. Starting private mode
        hides authors unless the body says otherwise; ending it turns every hidden note face
        up: a 'modes' event, then one 'changes' event with the revealed notes."""
        wanted = modes.check(body)
        with self._write() as (conn, outbox):
            self._seq(conn, board_id)
            now = now_iso()
            old = modes.read(conn, board_id)
            new = {**old, **wanted}
            if wanted.get("private") and not old["private"] and "show_authors" not in wanted:
                new["show_authors"] = False  # off by default in private mode
            if new == old:
                return {"modes": old, "seq": self._seq(conn, board_id), "revealed": 0}
            new["version"] = old["version"] + 1
            modes.write(conn, board_id, new, now)
            revealed = [] if new["private"] else modes.reveal(conn, board_id, now)
            seq = self._bump(conn, board_id, now)
            event = {"type": "modes", "seq": seq, "modes": new}
            self._log(conn, board_id, seq, event)
            outbox.append((board_id, event))
            if revealed:
                seq = self._changes_event(conn, board_id, outbox, revealed, client, now)
        return {"modes": new, "seq": seq, "revealed": len(revealed)}

    def set_name(self, board_id: str, person: str, name: str, client: str | None = None
                 ) -> dict[str, Any]:
        """The name a person goes by on the board; their notes' author line follows it."""
        with self._write() as (conn, outbox):
            seq = self._seq(conn, board_id)
            now = now_iso()
            modes.set_name(conn, board_id, person, name, now)
            ids = [r[0] for r in conn.execute(
                "SELECT id FROM notes WHERE board_id = ? AND author_id = ? "
                "AND (author IS NULL OR author != ?) ORDER BY created_at, id",
                (board_id, person, name))]
            if ids:
                conn.execute("UPDATE notes SET author = ?, version = version + 1, "
                             "updated_at = ? WHERE board_id = ? AND author_id = ? "
                             "AND (author IS NULL OR author != ?)",
                             (name, now, board_id, person, name))
                seq = self._changes_event(conn, board_id, outbox, ids, client, now)
        return {"name": name, "notes": len(ids), "seq": seq}

    def _changes_event(self, conn: sqlite3.Connection, board_id: str, outbox: list,
                       note_ids: list[str], client: str | None, now: str) -> int:
        """Log and queue a 'changes' event upserting these notes as they are now."""
        changes = []
        for note_id in note_ids:
            row = conn.execute("SELECT * FROM notes WHERE board_id = ? AND id = ?",
                               (board_id, note_id)).fetchone()
            changes.append({"kind": "note", "op": "upsert", "item": row_dict(row, "note")})
        seq = self._bump(conn, board_id, now)
        event = {"type": "changes", "seq": seq, "client": client, "changes": changes}
        self._log(conn, board_id, seq, event)
        outbox.append((board_id, event))
        return seq

    # -- locks -----------------------------------------------------------------------------

    def locks(self, board_id: str) -> locks.Locks:
        """The board's locks."""
        with self._read() as conn:
            self._seq(conn, board_id)
            return locks.read(conn, board_id)

    def set_locks(self, board_id: str, body: dict[str, Any], on: bool) -> dict[str, Any]:
        """Lock or unlock notes, groups or the board; everyone gets a 'locks' event."""
        items = locks.targets(body)
        with self._write() as (conn, outbox):
            self._seq(conn, board_id)
            locks.change(conn, board_id, items, on)
            public = locks.read(conn, board_id).public()
            seq = self._bump(conn, board_id)
            event = {"type": "locks", "seq": seq, "locks": public}
            self._log(conn, board_id, seq, event)
            outbox.append((board_id, event))
        return {"locks": public, "seq": seq}

    # -- dot voting ----------------------------------------------------------------------

    def start_vote(self, board_id: str, settings: dict[str, Any]) -> dict[str, Any]:
        """Start a dot vote (votes.check_settings validated it); one runs at a time."""
        with self._write() as (conn, outbox):
            self._seq(conn, board_id)
            if votes.running(conn, board_id) is not None:
                raise Conflict("A vote is already running on this board: end it first.",
                               code="vote_running")
            scope = votes.scope_ids(conn, board_id, settings)
            vote_id, now = v.new_id(), now_iso()
            votes.insert(conn, board_id, vote_id, settings, scope, now)
            vote = self._vote_event(conn, board_id, outbox, vote_id, now)
        return vote

    def end_vote(self, board_id: str, vote_id: str | None = None) -> dict[str, Any]:
        """End the running vote (or, with an id, that one if it still runs): totals for all."""
        with self._write() as (conn, outbox):
            self._seq(conn, board_id)
            row = votes.running(conn, board_id)
            if row is None or (vote_id is not None and row["id"] != vote_id):
                raise Conflict("No vote is running on this board.", code="no_vote")
            now = now_iso()
            votes.finish(conn, board_id, row["id"], now)
            vote = self._vote_event(conn, board_id, outbox, row["id"], now)
        return vote

    def vote(self, board_id: str, voter: str, note_id: str, vote_id: str | None = None,
             take_back: bool = False) -> dict[str, Any]:
        """Add (or take back) one of the voter's dots on a note: an increment in the write
        path. The event names the voter, and events.py sends it to nobody else."""
        note_id = v.check_id(note_id, "note")
        with self._write() as (conn, outbox):
            self._seq(conn, board_id)
            row = votes.running(conn, board_id)
            if row is None or (vote_id is not None and row["id"] != vote_id):
                raise Conflict("No vote is running on this board.", code="no_vote")
            if votes.expired(row):
                # The timer ran out before its end was written (a restart): end it now.
                now = now_iso()
                votes.finish(conn, board_id, row["id"], now)
                self._vote_event(conn, board_id, outbox, row["id"], now)
                ended = True
            else:
                ended = False
                count = (votes.uncast if take_back else votes.cast)(conn, row, voter, note_id)
                version = votes.bump(conn, board_id, row["id"])
                left = row["per_person"] - sum(votes.mine(conn, board_id, row["id"],
                                                          voter).values())
                seq = self._bump(conn, board_id)
                event = {"type": "dot", "seq": seq, "vote_id": row["id"], "voter": voter,
                         "note_id": note_id, "count": count, "left": left, "version": version}
                self._log(conn, board_id, seq, event)
                outbox.append((board_id, event))
        if ended:
            raise Conflict("This vote has ended: its time ran out.", code="vote_ended")
        return {"vote_id": event["vote_id"], "note_id": note_id, "count": count, "left": left,
                "seq": seq, "version": version}

    def current_vote(self, board_id: str, voter: str | None) -> dict[str, Any] | None:
        """The board's latest vote as this voter may see it (None: never voted)."""
        with self._read() as conn:
            self._seq(conn, board_id)
            return votes.public(conn, votes.current(conn, board_id), voter)

    def expired_votes(self) -> list[tuple[str, str]]:
        """(board_id, vote_id) of running votes whose timer has run out."""
        with self._read() as conn:
            return [(r[0], r[1]) for r in conn.execute(
                "SELECT board_id, id FROM votes WHERE status = 'running' AND ends_at <= ?",
                (time.time(),))]

    def vote_export(self, board_id: str) -> list[dict[str, Any]]:
        """Ended votes with their dots (for the exports)."""
        with self._read() as conn:
            return votes.exported(conn, board_id)

    def _vote_event(self, conn: sqlite3.Connection, board_id: str, outbox: list,
                    vote_id: str, now: str) -> dict[str, Any]:
        """Log and queue a 'vote' event (start or end) that anyone may see: no one's dots."""
        row = conn.execute("SELECT * FROM votes WHERE board_id = ? AND id = ?",
                           (board_id, vote_id)).fetchone()
        public = votes.public(conn, row, None)
        seq = self._bump(conn, board_id, now)
        shared = {k: val for k, val in public.items() if k not in ("mine", "left")}
        event = {"type": "vote", "seq": seq, "vote": shared}
        self._log(conn, board_id, seq, event)
        outbox.append((board_id, event))
        return public

    def events_after(self, board_id: str, after: int) -> list[dict[str, Any]] | None:
        """Logged events with seq > after, or None when the log no longer reaches back."""
        with self._read() as conn:
            seq = self._seq(conn, board_id)
            if after == seq:
                return []
            if after > seq:
                return None  # a seq from another life of this board (restored backup?)
            oldest = conn.execute("SELECT MIN(seq) FROM events WHERE board_id = ?",
                                  (board_id,)).fetchone()[0]
            if oldest is None or oldest > after + 1:
                return None
            rows = conn.execute("SELECT payload FROM events WHERE board_id = ? AND seq > ? "
                                "ORDER BY seq", (board_id, after)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def current_seq(self, board_id: str) -> int:
        """The board's last event number (404 if the board is gone)."""
        with self._read() as conn:
            return self._seq(conn, board_id)

    # -- helpers -----------------------------------------------------------------------

    def _seq(self, conn: sqlite3.Connection, board_id: str) -> int:
        """The board's seq, or a 404 (cheaper than _board_row: no note count)."""
        row = conn.execute("SELECT seq FROM boards WHERE id = ?", (board_id,)).fetchone()
        if row is None:
            raise NotFound(f"No board {board_id!r}.")
        return row[0]

    def _board_row(self, conn: sqlite3.Connection, board_id: str) -> sqlite3.Row:
        row = conn.execute(BOARD_SQL + " WHERE b.id = ?", (board_id,)).fetchone()
        if row is None:
            raise NotFound(f"No board {board_id!r}.")
        return row

    def _bump(self, conn: sqlite3.Connection, board_id: str, now: str | None = None,
              after: int | None = None) -> int:
        """Next seq for the board; also marks it as changed now. `after`: the seq this
        write read under the write lock, so the next is known without reading it again."""
        if after is not None:
            db.later(conn, "UPDATE boards SET seq = ?, updated_at = ? WHERE id = ?",
                     (after + 1, now or now_iso(), board_id))
            return after + 1
        # Two statements, not RETURNING: that needs SQLite 3.35, newer than some Pythons ship.
        db.later(conn, "UPDATE boards SET seq = seq + 1, updated_at = ? WHERE id = ?",
                 (now or now_iso(), board_id))
        return conn.execute("SELECT seq FROM boards WHERE id = ?", (board_id,)).fetchone()[0]

    def _log(self, conn: sqlite3.Connection, board_id: str, seq: int, event: dict) -> None:
        """Append to the event log; trim it now and then rather than on every write. Both
        go to PostgreSQL with the COMMIT (db.later): nothing reads their answers."""
        db.later(conn, "INSERT INTO events (board_id, seq, payload) VALUES (?, ?, ?)",
                 (board_id, seq, json.dumps(event, separators=(",", ":"))))
        if seq % 50 == 0 or self.events_keep < 50:
            db.later(conn, "DELETE FROM events WHERE board_id = ? AND seq <= ?",
                     (board_id, seq - self.events_keep))
