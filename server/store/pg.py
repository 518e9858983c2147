"""A PostgreSQL connection that the store can use as it uses a sqlite3.Connection.

The store's SQL is written once, in the SQLite subset schema.py describes; this adapter runs
it on PostgreSQL through psycopg 3:

- each statement goes through sqlpg.translate (placeholders, INSERT OR IGNORE/REPLACE, types
  in DDL, ...), translated once per connection and text;
- `BEGIN IMMEDIATE` (the one write path) is a transaction that first takes one advisory lock,
  so writers are serialised across every process on the database, as SQLite's write lock
  serialises them across processes on a file: seq numbers and version checks stay atomic;
  `BEGIN` (a reader) is a REPEATABLE READ snapshot, as a WAL reader's is;
- `later()` (db.later on the store's side) keeps a statement whose answer nobody reads and
  sends it in one text with the next statement that needs one, or with COMMIT: under that
  lock, a move waits for 5 answers instead of 8; ROLLBACK drops what was never sent;
- `PRAGMA user_version` reads and writes a one-row `schema_version` table; other PRAGMAs
  (journal_mode, foreign_keys, ...) mean nothing here and answer no rows;
- rows are read by name or by index, as sqlite3.Row; `cursor.rowcount`, `cursor.lastrowid`
  (via RETURNING of the table's identity column) and `SELECT changes()` work;
- errors: a constraint refused is a sqlite3.IntegrityError (IntegrityError below), so the
  store's `except sqlite3.IntegrityError` means the same on both; a database that does not
  answer (down, restarting, a dropped connection) is errors.Unavailable (HTTP 503); a value
  PostgreSQL cannot hold (a NUL in text, a number out of range) is errors.Invalid (400).
"""

from __future__ import annotations

import re
import sqlite3
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import psycopg
from psycopg import errors as pge
from psycopg import waiting
from psycopg.adapt import Loader
from psycopg.conninfo import conninfo_to_dict
from psycopg.pq import ExecStatus, TransactionStatus

from ..errors import Invalid, Unavailable
from . import sqlpg

# The one write path's lock: one key for every Herd process on this database ("herd" in
# ASCII). Boards could each have their own, but one keeps the rule SQLite has: one writer.
WRITE_LOCK_KEY = 0x68657264
CONNECT_TIMEOUT = 5  # seconds, unless the URL says otherwise: a down database answers 503
_PRAGMA = re.compile(r"^\s*PRAGMA\s+(\w+)\s*(?:=\s*(\S+?))?\s*;?\s*$", re.IGNORECASE)
_BEGIN = re.compile(r"^\s*BEGIN(?:\s+(DEFERRED|IMMEDIATE|EXCLUSIVE))?(?:\s+TRANSACTION)?\s*;?\s*$",
                    re.IGNORECASE)
_CHANGES = re.compile(r"^\s*SELECT\s+changes\(\s*\)\s*;?\s*$", re.IGNORECASE)


class IntegrityError(sqlite3.IntegrityError):
    """A constraint PostgreSQL refused (a duplicate key, a missing parent row)."""


class DatabaseError(sqlite3.DatabaseError):
    """Any other error PostgreSQL raised: a bug in the SQL, not the caller's fault."""


class Row(tuple):
    """A result row read by index or by (case-insensitive) column name, as sqlite3.Row."""

    _index: dict[str, int]

    def __new__(cls, values: Sequence[Any], index: dict[str, int]) -> Row:
        row = super().__new__(cls, values)
        row._index = index
        return row

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            try:
                key = self._index[key]
            except KeyError:
                key = self._index[key.lower()]
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


def _names(cursor: Any) -> list[str] | None:
    """The result's column names, None for a statement without rows. Read from the result
    itself: cursor.description builds a Column with type lookups for each, a third of the
    time of a short query."""
    res = cursor.pgresult
    if res is None or res.status != ExecStatus.TUPLES_OK:
        return None
    return [res.fname(i).decode() for i in range(res.nfields)]


def _rows(cursor: Any) -> Any:
    index = {n: i for i, n in enumerate(_names(cursor) or ())}
    return lambda values: Row(values, index)


class _Numeric(Loader):
    """NUMERIC (what SUM() of BIGINT gives) as int when whole, as SQLite gives it, else
    float: a Decimal would reach the JSON as a string."""

    def load(self, data: Any) -> int | float:
        text = bytes(data).decode()
        return int(text) if text.lstrip("-").isdigit() else float(text)


class Result:
    """What execute() returns: the cursor's rows, rowcount and lastrowid."""

    def __init__(self, rows: list[Any], rowcount: int = -1, lastrowid: int | None = None,
                 names: list[str] | None = None) -> None:
        self._rows, self.rowcount, self.lastrowid = rows, rowcount, lastrowid
        self._names = names

    @property
    def description(self) -> tuple | None:
        """As sqlite3's: a 7-tuple per column, only the name filled in."""
        if self._names is None:
            return None
        return tuple((n, None, None, None, None, None, None) for n in self._names)

    def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    def fetchmany(self, size: int = 1) -> list[Any]:
        rows, self._rows = self._rows[:size], self._rows[size:]
        return rows

    def __iter__(self) -> Iterator[Any]:
        while self._rows:
            yield self._rows.pop(0)


class _Catalog:
    """What the translator asks of the database: primary keys, columns, identity columns."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.cache: dict[tuple[str, str], Any] = {}

    def _ask(self, what: str, table: str, sql: str) -> list[str]:
        key = (what, table)
        if key not in self.cache:
            rows = self.conn._run(sql, (table,))
            self.cache[key] = [r[0] for r in rows]
        return self.cache[key]

    def primary_key(self, table: str) -> list[str]:
        key = self._ask("pk", table,
                        "SELECT a.attname FROM pg_index i JOIN pg_attribute a "
                        "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
                        "WHERE i.indrelid = to_regclass(%s) AND i.indisprimary "
                        "ORDER BY array_position(i.indkey::int2[], a.attnum)")
        if not key:
            raise sqlpg.Untranslatable(f"INSERT OR REPLACE into {table!r}: it has no "
                                       "primary key.")
        return key

    def columns(self, table: str) -> list[str]:
        return self._ask("cols", table,
                         "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) "
                         "AND attnum > 0 AND NOT attisdropped ORDER BY attnum")

    def identity(self, table: str) -> str | None:
        found = self._ask("identity", table,
                          "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) "
                          "AND attidentity <> '' AND NOT attisdropped")
        return found[0] if found else None


def connect(url: str) -> Connection:
    """A new connection in autocommit mode (the store issues BEGIN itself)."""
    _cooperate()
    params = conninfo_to_dict(url)
    params.setdefault("connect_timeout", str(CONNECT_TIMEOUT))
    params.setdefault("application_name", "herd")
    try:
        raw = psycopg.connect(autocommit=True, **params)
    except psycopg.Error as e:
        raise _unavailable(e) from e
    raw.adapters.register_loader("numeric", _Numeric)
    return Connection(raw, url)


def _cooperate() -> None:
    """psycopg picks how it waits for the socket when first imported. `herd serve` imports it
    in gunicorn's master (checking --db) before the gevent worker patches select, so the
    worker would wait in C and stall every other request meanwhile: pick again."""
    gevent_monkey = sys.modules.get("gevent.monkey")
    if (gevent_monkey is not None and gevent_monkey.is_module_patched("select")
            and waiting.wait is not waiting.wait_poll):
        waiting.wait = waiting.wait_poll


def _unavailable(e: Exception) -> Unavailable:
    """What a caller is told: not where the database is (an editor has no need to know)."""
    reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    reason = re.sub(r'connection to server at "[^"]*" \([^)]*\), port \d+ failed: ', "",
                    reason)
    return Unavailable(f"The database is not answering ({reason}). Nothing was changed: "
                       "try again in a moment.", code="database_unavailable")


class Connection:
    """A psycopg connection with sqlite3.Connection's execute()."""

    dialect = "postgresql"

    def __init__(self, raw: psycopg.Connection, url: str) -> None:
        self.raw, self.url = raw, url
        self._plans: dict[str, sqlpg.Translated] = {}
        self._catalog = _Catalog(self)
        self._changes = 0
        # Statements whose answer nobody reads (later()), sent in one text with the next
        # one that needs an answer: one round trip for all of them.
        self._pending: list[tuple[str, Sequence[Any]]] = []

    # -- sqlite3.Connection's surface ------------------------------------------------------

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != TransactionStatus.IDLE

    @property
    def broken(self) -> bool:
        """The connection is gone (the server went away): open a new one."""
        return self.raw.closed or self.raw.broken

    def close(self) -> None:
        self.raw.close()

    def commit(self) -> None:
        if self.in_transaction:
            self.execute("COMMIT")

    def rollback(self) -> None:
        self._pending.clear()  # never sent: nothing of them to undo
        if self.in_transaction:
            self.execute("ROLLBACK")

    def later(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run a statement whose result is not read, with the next statement that is (or
        COMMIT): a write's bookkeeping costs no round trip of its own under the write lock.
        If it fails, that next statement raises, so the transaction fails whole."""
        plan = self._plan(sql)
        if plan.returns_id or plan.ddl:
            self.execute(sql, params)
        else:
            self._pending.append((plan.sql, _params(params)))

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Result:
        special = self._special(sql)
        if special is not None:
            return special
        plan = self._plan(sql)
        args = _params(params)
        rows = self._run(plan.sql, args, keep=True)
        lastrowid = None
        if plan.returns_id:
            lastrowid = rows[0][0] if rows else None
            rows = []
        if plan.ddl:
            self._catalog.cache.clear()
            self._plans.clear()
        return Result(rows, self._changes, lastrowid, self._columns)

    def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> Result:
        plan = self._plan(sql)
        query = plan.sql
        if plan.returns_id:  # executemany keeps no lastrowid: no need to ask for it
            query = query[:query.rfind(" RETURNING ")]
        batch = [_params(p) for p in seq]
        if not batch:
            return Result([], 0)
        self._flush()
        with self._errors():
            with self.raw.cursor() as cur:
                cur.executemany(query, batch)
                self._changes = cur.rowcount
        return Result([], self._changes)

    # -- inside ----------------------------------------------------------------------------

    def _plan(self, sql: str) -> sqlpg.Translated:
        plan = self._plans.get(sql)
        if plan is None:
            with self._errors():
                plan = sqlpg.translate(sql, self._catalog)
            if not plan.ddl:
                self._plans[sql] = plan
        return plan

    def _run(self, query: str, args: Sequence[Any] | None, keep: bool = False) -> list[Any]:
        with self._errors():
            with self.raw.cursor(row_factory=_rows) as cur:
                if self._pending:
                    cur.execute(self._joined(query, args))
                    while cur.nextset():  # the answer wanted is the last statement's
                        pass
                else:
                    cur.execute(query, args)
                return self._answer(cur, keep)

    def _joined(self, query: str | None, args: Sequence[Any] | None) -> str:
        """The pending statements and then `query` as one text, values bound by psycopg's
        client-side quoting: with no parameters psycopg sends it as one simple query, one
        round trip. (A pipeline was measured: more waits than the statements it saved.)"""
        pending, self._pending = self._pending, []
        if self._quoter is None:  # one for the connection: mogrify keeps no state
            self._quoter = psycopg.ClientCursor(self.raw)
        quote = self._quoter.mogrify
        texts = [quote(sql, params) for sql, params in pending]
        if query is not None:
            texts.append(query if args is None else quote(query, args))
        return ";\n".join(texts)

    def _flush(self) -> None:
        """Send what is pending now (before a statement that cannot carry it)."""
        if self._pending:
            with self._errors():
                with self.raw.cursor() as cur:
                    cur.execute(self._joined(None, None))

    def _answer(self, cur: Any, keep: bool) -> list[Any]:
        names = _names(cur)
        rows = cur.fetchall() if names is not None else []
        if keep:
            self._changes, self._columns = cur.rowcount, names
        return rows

    def _special(self, sql: str) -> Result | None:
        """Statements that are the connection's own: transactions, PRAGMAs, changes()."""
        head = sql.lstrip()[:8].upper()
        if head.startswith("ROLLBACK"):
            self._pending.clear()  # never sent, and one that would fail must not stop it
        if head.startswith("BEGIN"):
            m = _BEGIN.match(sql)
            if m is None:
                raise DatabaseError(f"Cannot translate {sql!r}.")
            if (m.group(1) or "").upper() in ("IMMEDIATE", "EXCLUSIVE"):
                # One round trip: without parameters psycopg sends both as one simple query.
                try:
                    self._run(f"BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})", None)
                except BaseException:
                    if not self.broken and self.in_transaction:
                        self._run("ROLLBACK", ())
                    raise
            else:
                self._run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", ())
            return Result([])
        if head.startswith("PRAGMA"):
            return self._pragma(sql)
        if head.startswith("SELECT") and _CHANGES.match(sql):
            return Result([Row((self._changes,), {"changes()": 0})])
        return None

    def _pragma(self, sql: str) -> Result:
        m = _PRAGMA.match(sql)
        if m is None:
            raise DatabaseError(f"Cannot translate {sql!r}.")
        name, value = m.group(1).lower(), m.group(2)
        if name != "user_version":
            return Result([])
        if value is None:
            exists = self._run("SELECT to_regclass('schema_version') IS NOT NULL", ())[0][0]
            rows = self._run("SELECT version FROM schema_version", ()) if exists else []
            return Result([Row((rows[0][0] if rows else 0,), {"user_version": 0})])
        self._run("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)", ())
        self._run("DELETE FROM schema_version", ())
        self._run("INSERT INTO schema_version (version) VALUES (%s)", (int(value),))
        return Result([])

    def _errors(self) -> _ErrorMap:
        return _ErrorMap(self)

    _columns: list[str] | None = None
    _quoter: psycopg.ClientCursor | None = None


class _ErrorMap:
    """psycopg's errors as the store's: see the module's docstring."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, e: BaseException | None, tb: Any) -> bool:
        if e is None or not isinstance(e, (psycopg.Error, sqlpg.Untranslatable)):
            return False
        if isinstance(e, sqlpg.Untranslatable):
            raise DatabaseError(str(e)) from e
        if isinstance(e, pge.IntegrityError):
            raise IntegrityError(str(e)) from e
        if isinstance(e, psycopg.DataError):
            raise Invalid(f"The database cannot store this value: {str(e).splitlines()[0]}"
                          ) from e
        if isinstance(e, (psycopg.OperationalError, psycopg.InterfaceError)) or self.conn.broken:
            raise _unavailable(e) from e
        raise DatabaseError(str(e)) from e


def _params(params: Sequence[Any]) -> Sequence[Any]:
    """SQLite stores True as 1: so do we, in its INTEGER (BIGINT) columns."""
    if isinstance(params, dict):
        raise DatabaseError("Named parameters are not portable here: use '?'.")
    return [int(p) if isinstance(p, bool) else p for p in params]
