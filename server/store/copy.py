"""Copy a whole database into another (`herd db copy`): a SQLite board file into PostgreSQL
when a team outgrows one machine. Rows go across exactly (ids, versions, seq numbers, the
event log, the owner token and every share link), so browsers, links and scripts keep
working against the new database; the copy is one transaction: all or nothing."""

from __future__ import annotations

from typing import Any

from ..errors import Conflict
from .core import Store

BATCH = 500


def tables(src: Store) -> list[str]:
    """The source's tables, each after the tables it references (foreign keys)."""
    with src._read() as conn:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        refs = {n: {r[2] for r in conn.execute(f'PRAGMA foreign_key_list("{n}")')} - {n}
                for n in names}
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [n for n in names if n not in ordered and refs[n] <= set(ordered)]
        if not ready:  # a cycle: keep the rest in name order (none in Herd's schema)
            ready = [n for n in names if n not in ordered]
        ordered += ready
    return ordered


def copy_database(src: Store, dst: Store) -> dict[str, int]:
    """Every row of src's tables into dst (which must hold no boards yet); rows per table."""
    if src.dialect != "sqlite":
        raise Conflict("Copy from a SQLite file: the source is not one.")
    order = tables(src)
    counts: dict[str, int] = {}
    with dst._write() as (out, _):
        if out.execute("SELECT COUNT(*) FROM boards").fetchone()[0]:
            raise Conflict("The destination already holds boards: copy into an empty "
                           "database, so no board is mixed with another.", code="not_empty")
        for table in reversed(order):  # the secrets a fresh store made for itself
            out.execute(f"DELETE FROM {table}")
        for table in order:
            counts[table] = _copy_table(src, out, table)
        if dst.dialect == "postgresql":
            _advance_identities(out, order)
    return counts


def _copy_table(src: Store, out: Any, table: str) -> int:
    with src._read() as conn:
        cur = conn.execute(f"SELECT * FROM {table}")
        cols = [d[0] for d in cur.description]
        rows = [tuple(r) for r in cur.fetchall()]
    sql = (f"INSERT INTO {table} ({', '.join(cols)}) "
           f"VALUES ({', '.join('?' for _ in cols)})")
    for start in range(0, len(rows), BATCH):
        out.executemany(sql, rows[start:start + BATCH])
    return len(rows)


def _advance_identities(out: Any, order: list[str]) -> None:
    """Ids copied into an identity column: the next one the database hands out follows them."""
    for table in order:
        col = out._catalog.identity(table)
        if col is not None:
            out.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{col}'), "
                        f"GREATEST((SELECT MAX({col}) FROM {table}), 1))")
