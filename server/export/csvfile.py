"""CSV export: one row per note (group, text, colour, x, y, created), UTF-8 with a BOM.

The BOM makes Excel read the file as UTF-8 (emoji, Arabic, Hebrew); LibreOffice, Numbers,
Google Sheets and Python's csv module with encoding="utf-8-sig" accept it too. Fields are
quoted where needed, so commas, quotes and newlines inside notes survive. A cell that starts
with = + - @ (or their full-width forms, which spreadsheets fold to ASCII), after any
whitespace or line breaks, or with a tab or CR, gets a leading apostrophe so a spreadsheet
shows it as text instead of running it as a formula (CSV injection).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from .order import group_title, sections, vote_totals

HEADER = ["group", "text", "colour", "x", "y", "created"]
BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value: str) -> str:
    """A text cell a spreadsheet will not evaluate as a formula."""
    if value.startswith(("\t", "\r")) or value.lstrip().startswith(_FORMULA_START):
        return "'" + value
    return value


def number(value: Any) -> str:
    """A coordinate without a needless `.0`."""
    f = float(value)
    return str(int(f)) if f.is_integer() else repr(round(f, 2))


def rows(snapshot: dict[str, Any]) -> list[list[str]]:
    """The header and one row per note, grouped notes first in reading order."""
    totals = vote_totals(snapshot)
    # A votes column once the board has finished a vote (the latest one's totals).
    # An author column when some note names its writer (privacy.py decided who may see it).
    authors = any(n.get("author") for n in snapshot.get("notes") or [])
    out = [HEADER + ["author"] * authors + ["votes"] * bool(totals)]
    for group, notes in sections(snapshot):
        title = "" if group is None else group_title(group)
        for n in notes:
            row = [safe_cell(title), safe_cell(str(n["text"])), str(n.get("color") or ""),
                   number(n["x"]), number(n["y"]), str(n.get("created_at") or "")]
            if authors:
                row.append(safe_cell(str(n.get("author") or "")))
            out.append(row + [str(totals.get(n["id"], 0))] if totals else row)
    return out


def to_csv(snapshot: dict[str, Any]) -> bytes:
    """The board as CSV bytes: UTF-8 with a BOM, CRLF row ends (what Excel expects)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows(snapshot))
    return (BOM + buf.getvalue()).encode("utf-8")
