"""Pure geometry and text fitting for the image exports (no drawing, no fonts loaded)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

from ..errors import Invalid
from ..store.validate import BOX, box, shown

Rect = tuple[float, float, float, float]  # x, y, w, h in board units
Measure = Callable[[str], float]  # width of a string at font size 1

MARGIN = 40.0
NOTE_PAD = 10.0
FONT_MAX = 20.0  # board units; the board shrinks text from here to fit the note
FONT_MIN = 7.0
LINE_HEIGHT = 1.25
ELLIPSIS = "\u2026"


def parse_view(value: str) -> Rect:
    """`x,y,w,h` (a query string, --view) into a board rect within BOX's ranges, else Invalid.

    A view below one board unit (0,0,1e-300,1e-300) would scale a picture by 1e300, and
    one past the board's bounds is no view of it: both are refused like a note's box.
    """
    try:
        parts = [float(p) for p in value.split(",")]  # 400 digits parse to inf: refused below
    except ValueError:
        parts = []
    if len(parts) != 4:
        raise Invalid(f"Bad view {shown(value)}: give x,y,w,h in board units, e.g. "
                      "0,0,1200,800.")
    rect = box(dict(zip(BOX, parts, strict=True)), "export")
    return rect["x"], rect["y"], rect["w"], rect["h"]


def content_bounds(snapshot: dict[str, Any], margin: float = MARGIN) -> Rect | None:
    """The rect around every note and group plus a margin; None for an empty board."""
    items = list(snapshot.get("notes") or []) + list(snapshot.get("groups") or [])
    if not items:
        return None
    x0 = min(float(i["x"]) for i in items) - margin
    y0 = min(float(i["y"]) for i in items) - margin
    x1 = max(float(i["x"]) + float(i["w"]) for i in items) + margin
    y1 = max(float(i["y"]) + float(i["h"]) for i in items) + margin
    return x0, y0, x1 - x0, y1 - y0


def overlaps(item: dict[str, Any], rect: Rect) -> bool:
    """Whether an item's box touches the rect (what a view export has to draw)."""
    x, y, w, h = rect
    ix, iy = float(item["x"]), float(item["y"])
    return ix < x + w and iy < y + h and ix + float(item["w"]) > x and iy + float(item["h"]) > y


def is_rtl(text: str) -> bool:
    """Whether the first strong character is right-to-left (Arabic, Hebrew...)."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def _break_word(word: str, width: float, measure: Measure) -> list[str]:
    """A word too wide for a line, cut into pieces that fit."""
    pieces, cur = [], ""
    for ch in word:
        if cur and measure(cur + ch) > width:
            pieces.append(cur)
            cur = ch
        else:
            cur += ch
    return pieces + [cur]


def wrap(text: str, width: float, measure: Measure) -> list[str]:
    """Greedy word wrap of text (newlines kept) into lines no wider than width."""
    space = measure(" ")
    lines: list[str] = []
    for para in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        cur, cur_w = "", 0.0
        for word in para.split():
            ww = measure(word)
            if cur and cur_w + space + ww <= width:
                cur, cur_w = f"{cur} {word}", cur_w + space + ww
                continue
            if cur:
                lines.append(cur)
            pieces = _break_word(word, width, measure) if ww > width else [word]
            lines.extend(pieces[:-1])
            cur, cur_w = pieces[-1], measure(pieces[-1])
        lines.append(cur)
    while len(lines) > 1 and not lines[-1]:
        lines.pop()
    return lines


def _ellipsize(line: str, width: float, measure: Measure) -> str:
    """The line cut short enough to end in an ellipsis within width."""
    while line and measure(line + ELLIPSIS) > width:
        line = line[:-1]
    return line.rstrip() + ELLIPSIS


def fit_text(text: str, w: float, h: float, measure: Measure,
             size_max: float = FONT_MAX, size_min: float = FONT_MIN) -> tuple[float, list[str]]:
    """The largest font size (and its lines) at which text fits a w x h note, like the board.

    Below size_min the text is cut with an ellipsis instead of shrinking further."""
    inner_w, inner_h = max(w - 2 * NOTE_PAD, 1.0), max(h - 2 * NOTE_PAD, 1.0)

    def lines_at(size: float) -> list[str]:
        return wrap(text, inner_w / size, measure)

    def fits(size: float, lines: list[str]) -> bool:
        return len(lines) * size * LINE_HEIGHT <= inner_h

    lo, hi = int(size_min), int(size_max)  # whole sizes: a binary search over a few steps
    best: tuple[float, list[str]] | None = None
    while lo <= hi:
        mid = (lo + hi) // 2
        lines = lines_at(mid)
        if fits(mid, lines):
            best, lo = (float(mid), lines), mid + 1
        else:
            hi = mid - 1
    if best is not None:
        return best
    lines = lines_at(size_min)
    keep = max(int(inner_h // (size_min * LINE_HEIGHT)), 1)
    if len(lines) > keep:
        lines = lines[:keep - 1] + [_ellipsize(lines[keep - 1], inner_w / size_min, measure)]
    return size_min, lines
