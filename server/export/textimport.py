"""Import a text list: one note per line in a neat grid, as a paste would place them.

Markdown headings become titled frames holding the notes under them, so a board exported as
Markdown (or any outline of ideas by theme) comes back grouped.
"""

from __future__ import annotations

import math
import re
from typing import Any

from ..organize.layout import Rect, layout_groups
from ..store.validate import new_id
from ..textlist import parse_sections
from . import layout

# The entities Herd's Markdown export writes where text would read as HTML (markdown.escape).
_ESCAPED = re.compile(r"&lt;(?=[A-Za-z/!?])|&amp;(?=#?[A-Za-z0-9]+;)")
_UNESCAPED = {"&lt;": "<", "&amp;": "&"}
NOTE_W, NOTE_H, GAP = 160.0, 120.0, 20.0
BELOW = 80.0  # room between what is on the board and the imported notes


def grid(n: int, at: tuple[float, float]) -> list[tuple[float, float]]:
    """Top-left corners of n notes in a ~3:2 grid centred on `at` (static/js gridPlacement)."""
    if n <= 0:
        return []
    cols = max(1, min(n, math.ceil(math.sqrt(n * 1.5))))
    rows = math.ceil(n / cols)
    x0 = at[0] - (cols * NOTE_W + (cols - 1) * GAP) / 2
    y0 = at[1] - (rows * NOTE_H + (rows - 1) * GAP) / 2
    return [(float(round(x0 + (i % cols) * (NOTE_W + GAP))),
             float(round(y0 + (i // cols) * (NOTE_H + GAP)))) for i in range(n)]


def default_centre(snapshot: dict[str, Any], n: int) -> tuple[float, float]:
    """Where the grid goes when the caller gives no point: under everything on the board."""
    bounds = layout.content_bounds(snapshot, margin=0)
    if bounds is None:
        return 0.0, 0.0
    x, y, w, h = bounds
    cols = max(1, min(n, math.ceil(math.sqrt(n * 1.5))))
    rows = math.ceil(n / cols) if n else 0
    grid_h = rows * NOTE_H + max(rows - 1, 0) * GAP
    return x + w / 2, y + h + BELOW + grid_h / 2


def text_ops(text: str, snapshot: dict[str, Any],
             at: tuple[float, float] | None = None) -> list[dict[str, Any]]:
    """Create ops for every idea in text, centred on `at` or placed under the board."""
    sections = [(None if title is None else unescape(title), [unescape(n) for n in notes])
                for title, notes in parse_sections(text)]
    loose = [note for title, notes in sections if title is None for note in notes]
    titled = [(title, notes) for title, notes in sections if title is not None]
    if not titled:
        centre = at if at is not None else default_centre(snapshot, len(loose))
        return _notes(loose, grid(len(loose), centre))
    return _grouped(titled, loose, snapshot, at)


def unescape(text: str) -> str:
    """Undo markdown.escape, so a Markdown export comes back as typed (and nothing else)."""
    return _ESCAPED.sub(lambda m: _UNESCAPED[m.group()], text)


def _notes(texts: list[str], places: list[tuple[float, float]],
           group_id: str | None = None) -> list[dict[str, Any]]:
    return [{"op": "create", "kind": "note",
             "fields": {"text": t, "x": x, "y": y, "group_id": group_id}}
            for t, (x, y) in zip(texts, places, strict=True)]


def _grouped(titled: list[tuple[str, list[str]]], loose: list[str], snapshot: dict[str, Any],
             at: tuple[float, float] | None) -> list[dict[str, Any]]:
    """One frame per heading, in rows near `at` (or under the board); loose notes below them."""
    view = Rect(at[0] - 800, at[1] - 450, 1600, 900) if at is not None else None
    avoid = [Rect(float(i["x"]), float(i["y"]), float(i["w"]), float(i["h"]))
             for i in (snapshot.get("notes") or []) + (snapshot.get("groups") or [])]
    places = layout_groups([max(1, len(notes)) for _, notes in titled], view, avoid=avoid)
    ops: list[dict[str, Any]] = []
    for (title, notes), place in zip(titled, places, strict=True):
        gid = new_id()
        ops.append({"op": "create", "kind": "group", "id": gid,
                    "fields": {"title": title, **place.frame.as_dict()}})
        ops += _notes(notes, place.notes[: len(notes)], gid)
    if loose:
        bottom = max(p.frame.y + p.frame.h for p in places)
        left = min(p.frame.x for p in places)
        cols = max(1, min(len(loose), math.ceil(math.sqrt(len(loose) * 1.5))))
        width = cols * NOTE_W + (cols - 1) * GAP
        rows = math.ceil(len(loose) / cols)
        height = rows * NOTE_H + (rows - 1) * GAP
        ops += _notes(loose, grid(len(loose), (left + width / 2, bottom + BELOW + height / 2)))
    return ops
