"""Import a plain-text list: one note per line, placed in a neat grid as a paste would be."""

from __future__ import annotations

import math
from typing import Any

from ..textlist import parse_lines
from . import layout

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
    lines = parse_lines(text)
    centre = at if at is not None else default_centre(snapshot, len(lines))
    return [{"op": "create", "kind": "note", "fields": {"text": line, "x": x, "y": y}}
            for line, (x, y) in zip(lines, grid(len(lines), centre), strict=True)]
