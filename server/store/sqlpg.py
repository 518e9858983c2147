"""SQLite-flavoured SQL to PostgreSQL, one statement at a time, so the store's SQL is written
once (schema.py states which SQLite the store may use, and so what this must translate).

Pure text work on a small tokenizer (strings, quoted names and comments are never touched):

- `?` placeholders become `%s` (and a literal `%` becomes `%%`, as psycopg wants);
- `INSERT OR IGNORE` becomes `INSERT ... ON CONFLICT DO NOTHING`, `INSERT OR REPLACE` (and
  `REPLACE INTO`) an upsert on the table's primary key;
- `a IS b` / `a IS NOT b` between values becomes `IS [NOT] DISTINCT FROM`; `IFNULL` is
  `COALESCE`; `last_insert_rowid()` is `lastval()`; the store's own timestamp
  `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')` is the same text from `now()`;
- in CREATE TABLE / ALTER TABLE ADD COLUMN: `INTEGER PRIMARY KEY [AUTOINCREMENT]` becomes an
  identity column, INTEGER `BIGINT` (SQLite's integers are 64-bit), REAL `DOUBLE PRECISION`
  (PostgreSQL's REAL is 32-bit), BLOB `BYTEA`, TEXT `TEXT COLLATE "C"` (ORDER BY sorts bytes,
  as SQLite does, whatever the database's locale), and `WITHOUT ROWID` goes.

What needs the database's catalog (a table's primary key, its identity column) is asked of
a `Catalog` the connection passes in; transaction statements and PRAGMAs are the
connection's own business (server/store/pg.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<comment>--[^\n]*|/\*.*?\*/)
  | (?P<str>'(?:[^']|'')*')
  | (?P<qname>"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\])
  | (?P<param>\?\d*)
  | (?P<word>[A-Za-z_][A-Za-z_0-9$]*)
  | (?P<num>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)
  | (?P<op><>|<=|>=|!=|==|\|\||::|[-+*/%<>=(),.;~&|!])
""", re.VERBOSE | re.DOTALL)

# The store's timestamp format (now_iso() in core.py), as SQL migrations write it.
_NOW_SQLITE = "'%Y-%m-%dT%H:%M:%fZ'"
NOW_PG = "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
_CONSTRAINTS = {"CONSTRAINT", "PRIMARY", "FOREIGN", "UNIQUE", "CHECK"}
_TYPES = {"INTEGER": "BIGINT", "INT": "BIGINT", "REAL": "DOUBLE PRECISION",
          "FLOAT": "DOUBLE PRECISION", "DOUBLE": "DOUBLE PRECISION", "BLOB": "BYTEA",
          "TEXT": 'TEXT COLLATE "C"'}
_IS_KEEPS = {"NULL", "TRUE", "FALSE", "DISTINCT", "UNKNOWN"}


class Untranslatable(ValueError):
    """SQL that has no PostgreSQL form here: rewrite it in the portable subset (schema.py)."""


class Catalog(Protocol):
    def primary_key(self, table: str) -> list[str]: ...
    def columns(self, table: str) -> list[str]: ...
    def identity(self, table: str) -> str | None: ...


@dataclass
class Tok:
    kind: str
    text: str

    @property
    def up(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


@dataclass
class Translated:
    sql: str
    returns_id: bool = False  # RETURNING <identity> was added, for cursor.lastrowid
    ddl: bool = False  # the catalog may have changed: forget what was learnt of it


def tokenize(sql: str) -> list[Tok]:
    """Tokens without whitespace or comments (one space is put back between them)."""
    out, pos = [], 0
    while pos < len(sql):
        m = _TOKEN.match(sql, pos)
        if m is None:
            raise Untranslatable(f"Cannot read the SQL at {sql[pos:pos + 20]!r}.")
        pos = m.end()
        if m.lastgroup not in ("space", "comment"):
            out.append(Tok(m.lastgroup, m.group()))
    return out


def render(toks: list[Tok]) -> str:
    """Tokens back into text; `%` doubled, as psycopg reads `%s` and `%%` in the whole text."""
    parts: list[str] = []
    for i, t in enumerate(toks):
        text = "%s" if t.kind == "param" else t.text.replace("%", "%%")
        if t.kind == "raw":
            text = t.text
        tight = i == 0 or t.text in (",", ")", ".", ";") or toks[i - 1].text in ("(", ".")
        parts.append(text if tight else " " + text)
    return "".join(parts)


def translate(sql: str, catalog: Catalog | None = None) -> Translated:
    """One SQLite statement as PostgreSQL."""
    toks = tokenize(sql)
    while toks and toks[-1].text == ";":
        toks.pop()
    if not toks:
        return Translated("")
    for t in toks:
        if t.kind == "param" and t.text != "?":
            raise Untranslatable("Numbered placeholders (?NNN) are not portable: use '?'.")
        if t.kind == "qname" and t.text[0] != '"':
            raise Untranslatable(f"Quote names with double quotes, not {t.text[0]!r}.")
    toks = _functions(toks)
    toks = _is_distinct(toks)
    head = toks[0].up
    ddl = head in ("CREATE", "ALTER", "DROP")
    if head == "CREATE" and _words(toks, 1, 3) in (["TABLE"], ["TEMP", "TABLE"],
                                                 ["TEMPORARY", "TABLE"]):
        toks = _create_table(toks)
    elif head == "ALTER":
        toks = _alter_add_column(toks)
    returns_id = False
    if head in ("INSERT", "REPLACE"):
        toks, returns_id = _insert(toks, catalog)
    return Translated(render(toks), returns_id, ddl)


# -- expressions -----------------------------------------------------------------------------

def _functions(toks: list[Tok]) -> list[Tok]:
    out: list[Tok] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        nxt = toks[i + 1].text if i + 1 < len(toks) else ""
        if t.up == "STRFTIME" and nxt == "(":
            args = [x.text for x in toks[i + 2:i + 6]]
            if args == [_NOW_SQLITE, ",", "'now'", ")"]:
                out.append(Tok("raw", NOW_PG))
                i += 6
                continue
            raise Untranslatable("strftime() is SQLite's: only the store's own timestamp, "
                                 f"strftime({_NOW_SQLITE}, 'now'), is translated.")
        if t.up == "IFNULL" and nxt == "(":
            out.append(Tok("word", "COALESCE"))
        elif t.up == "LAST_INSERT_ROWID" and nxt == "(":
            out.append(Tok("word", "lastval"))
        else:
            out.append(t)
        i += 1
    return out


def _is_distinct(toks: list[Tok]) -> list[Tok]:
    """SQLite's `a IS b` compares any two values; PostgreSQL's IS takes only NULL and truth."""
    out: list[Tok] = []
    for i, t in enumerate(toks):
        if t.up == "IS":
            after = toks[i + 1] if i + 1 < len(toks) else None
            negated = after is not None and after.up == "NOT"
            target = toks[i + 2] if negated and i + 2 < len(toks) else after
            if target is not None and target.up not in _IS_KEEPS:
                out.append(Tok("raw", "IS DISTINCT FROM" if negated else
                               "IS NOT DISTINCT FROM"))
                if negated:
                    toks[i + 1] = Tok("skip", "")
                continue
        if t.kind != "skip":
            out.append(t)
    return out


# -- DDL -------------------------------------------------------------------------------------

def _words(toks: list[Tok], start: int, stop: int) -> list[str]:
    """The upper-cased words from start, stopping at the first non-keyword among them."""
    out = []
    for t in toks[start:stop]:
        if t.up not in ("TABLE", "TEMP", "TEMPORARY"):
            break
        out.append(t.up)
    return out


def _create_table(toks: list[Tok]) -> list[Tok]:
    try:
        open_at = next(i for i, t in enumerate(toks) if t.text == "(")
    except StopIteration:
        return toks  # CREATE TABLE ... AS SELECT: no column definitions
    if any(t.up == "AS" for t in toks[:open_at]):
        return toks
    depth, items, start, close_at = 0, [], open_at + 1, None
    for i in range(open_at, len(toks)):
        if toks[i].text == "(":
            depth += 1
        elif toks[i].text == ")":
            depth -= 1
            if depth == 0:
                items.append(toks[start:i])
                close_at = i
                break
        elif toks[i].text == "," and depth == 1:
            items.append(toks[start:i])
            start = i + 1
    if close_at is None:
        raise Untranslatable("CREATE TABLE without its closing parenthesis.")
    body: list[Tok] = []
    for n, item in enumerate(items):
        if n:
            body.append(Tok("op", ","))
        body += _column(item)
    tail = [t for t in toks[close_at + 1:] if t.up not in ("WITHOUT", "ROWID")]
    if any(t.up == "STRICT" for t in tail):
        raise Untranslatable("STRICT tables are SQLite's: leave STRICT out.")
    return toks[:open_at + 1] + body + [toks[close_at]] + [t for t in tail if t.text != ","]


def _alter_add_column(toks: list[Tok]) -> list[Tok]:
    ups = [t.up for t in toks]
    if "ADD" not in ups:
        return toks
    at = ups.index("ADD") + 1
    if at < len(toks) and toks[at].up == "COLUMN":
        at += 1
    return toks[:at] + _column(toks[at:])


def _column(item: list[Tok]) -> list[Tok]:
    """One column definition with SQLite's type names made PostgreSQL's."""
    if not item or item[0].up in _CONSTRAINTS:
        return item
    ups = [t.up for t in item]
    if len(item) < 2 or item[1].kind != "word" or ups[1] in _CONSTRAINTS:
        return item  # no declared type: rare in SQLite, not allowed in PostgreSQL
    rest = item[2:]
    if ups[1] == "INTEGER" and ups[2:4] == ["PRIMARY", "KEY"]:
        # A rowid alias in SQLite: numbered by the database, so an identity here.
        rest = [t for t in rest if t.up != "AUTOINCREMENT"]
        return [item[0], Tok("raw", "BIGINT GENERATED BY DEFAULT AS IDENTITY"), *rest]
    if "AUTOINCREMENT" in ups:
        raise Untranslatable("AUTOINCREMENT goes only with INTEGER PRIMARY KEY.")
    kind = ups[1]
    if kind == "DOUBLE" and len(ups) > 2 and ups[2] == "PRECISION":
        return item
    if kind == "TEXT" and "COLLATE" in ups:
        return item  # a collation of its own: SQLite's NOCASE has no twin, so none here
    if kind in _TYPES:
        return [item[0], Tok("raw", _TYPES[kind]), *rest]
    return item


# -- INSERT ----------------------------------------------------------------------------------

def _insert(toks: list[Tok], catalog: Catalog | None) -> tuple[list[Tok], bool]:
    ups = [t.up for t in toks]
    action = None
    if ups[0] == "REPLACE":
        action, toks = "REPLACE", [Tok("word", "INSERT"), *toks[1:]]
    elif ups[1:2] == ["OR"]:
        action = ups[2]
        if action not in ("IGNORE", "REPLACE"):
            raise Untranslatable(f"INSERT OR {action} is SQLite's: use IGNORE or REPLACE.")
        toks = [toks[0], *toks[3:]]
    ups = [t.up for t in toks]
    if ups[1] != "INTO" or len(toks) < 3:
        raise Untranslatable("Write INSERT INTO <table>.")
    table = toks[2].text.strip('"')
    if catalog is not None:
        toks = _qualify_upsert(toks, table, catalog)
    cut = _top_level(toks, "RETURNING")
    body, returning = toks[:cut], toks[cut:]
    if action == "IGNORE":
        body += [Tok("raw", "ON CONFLICT DO NOTHING")]
    elif action == "REPLACE":
        if catalog is None:
            raise Untranslatable("INSERT OR REPLACE needs the table's primary key.")
        key = catalog.primary_key(table)
        cols = _insert_columns(toks) or catalog.columns(table)
        sets = [c for c in cols if c not in key]
        clause = f"ON CONFLICT ({', '.join(key)}) " + (
            f"DO UPDATE SET {', '.join(f'{c} = EXCLUDED.{c}' for c in sets)}" if sets
            else "DO NOTHING")
        body += [Tok("raw", clause)]
    returns_id = False
    if not returning and catalog is not None:
        ident = catalog.identity(table)
        if ident is not None:
            returning, returns_id = [Tok("raw", f"RETURNING {ident}")], True
    return body + returning, returns_id


def _qualify_upsert(toks: list[Tok], table: str, catalog: Catalog) -> list[Tok]:
    """In `ON CONFLICT ... DO UPDATE SET c = c + 1` SQLite reads the bare `c` on the right as
    the row's current value; PostgreSQL calls it ambiguous (the row, or EXCLUDED's?)."""
    ups = [t.up for t in toks]
    at = next((i for i in range(len(toks) - 2)
               if ups[i:i + 3] == ["DO", "UPDATE", "SET"]), None)
    if at is None:
        return toks
    cols = {c.lower() for c in catalog.columns(table)}
    out, depth = toks[:at + 3], 0
    for i in range(at + 3, len(toks)):
        t = toks[i]
        depth += t.text == "("
        depth -= t.text == ")"
        prev = toks[i - 1].text
        nxt = toks[i + 1].text if i + 1 < len(toks) else ""
        is_target = prev.upper() == "SET" or (prev == "," and depth == 0 and nxt == "=")
        if (t.kind == "word" and t.text.lower() in cols and prev != "." and nxt not in ("(", ".")
                and not is_target):
            out += [Tok("word", table), Tok("op", "."), t]
        else:
            out.append(t)
    return out


def _top_level(toks: list[Tok], word: str) -> int:
    depth = 0
    for i, t in enumerate(toks):
        depth += t.text == "("
        depth -= t.text == ")"
        if depth == 0 and t.up == word:
            return i
    return len(toks)


def _insert_columns(toks: list[Tok]) -> list[str]:
    if len(toks) > 3 and toks[3].text == "(":
        cols = []
        for t in toks[4:]:
            if t.text == ")":
                return cols
            if t.kind in ("word", "qname"):
                cols.append(t.text.strip('"').lower())
    return []
