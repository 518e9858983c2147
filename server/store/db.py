"""Which database --db names, and connections to it: a SQLite file (the embedded default)
or a postgresql:// URL (deployments; server/store/pg.py adapts it to sqlite3's surface)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from typing import Any

from . import schema

SQLITE, POSTGRESQL = "sqlite", "postgresql"


def dialect_of(target: str) -> str:
    """SQLITE or POSTGRESQL, from the --db value."""
    return POSTGRESQL if target.startswith(("postgresql://", "postgres://")) else SQLITE


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", url)


def connect(target: str, synchronous: str = "NORMAL") -> Any:
    """A connection in autocommit mode (the store issues BEGIN itself): a sqlite3.Connection,
    or a pg.Connection that takes the same SQL."""
    return schema.connect(target, synchronous)


def later(conn: Any, sql: str, params: Sequence[Any] = ()) -> None:
    """Run a statement whose result the caller does not read. SQLite runs it now; PostgreSQL
    sends it with the next statement that needs an answer (pg.Connection.later)."""
    if getattr(conn, "dialect", SQLITE) == POSTGRESQL:
        conn.later(sql, params)
    else:
        conn.execute(sql, params)


def describe(target: str) -> str:
    """The database for a message: a path, or the URL without its password."""
    return redacted(target) if dialect_of(target) == POSTGRESQL else target


def broken(conn: Any, error: BaseException | None = None) -> bool:
    """Whether a connection must not be used again (SQLite: it raised a database error;
    PostgreSQL: the server went away)."""
    if getattr(conn, "dialect", SQLITE) == POSTGRESQL:
        return conn.broken
    return isinstance(error, sqlite3.Error)
