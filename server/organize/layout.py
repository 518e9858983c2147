"""Pure geometry: each group becomes a titled frame, frames packed in a tidy grid near the view."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

NOTE_W, NOTE_H = 160.0, 120.0
NOTE_GAP = 16.0  # between notes inside a frame
PAD = 24.0  # frame border to notes
TITLE_H = 48.0  # the frame's title bar
FRAME_GAP = 64.0  # between frames
MARGIN = 48.0  # view edge to the first frame
MAX_COLS = 5  # a group wider than this wraps: tall frames read better than very wide ones


@dataclass(frozen=True)
class Rect:
    """An axis-aligned rectangle in board coordinates."""

    x: float
    y: float
    w: float
    h: float

    def overlaps(self, other: Rect) -> bool:
        """True when the interiors intersect (touching edges do not count)."""
        return (
            self.x < other.x + other.w
            and other.x < self.x + self.w
            and self.y < other.y + other.h
            and other.y < self.y + self.h
        )

    def as_dict(self) -> dict[str, float]:
        return {"x": self.x, "y": self.y, "w": self.w, "h": self.h}


@dataclass(frozen=True)
class GroupPlace:
    """Where one group goes: its frame and the top-left corner of each of its notes."""

    frame: Rect
    notes: list[tuple[float, float]]


def grid_shape(count: int, max_cols: int = MAX_COLS) -> tuple[int, int]:
    """Columns and rows for `count` notes: near-square, never taller than wide."""
    if count <= 0:
        return 1, 1
    cols = min(max_cols, math.ceil(math.sqrt(count)))
    return cols, math.ceil(count / cols)


def frame_size(count: int, note_w: float = NOTE_W, note_h: float = NOTE_H) -> tuple[float, float]:
    """Width and height of the frame that holds `count` notes of one size."""
    cols, rows = grid_shape(count)
    w = 2 * PAD + cols * note_w + (cols - 1) * NOTE_GAP
    h = TITLE_H + 2 * PAD + rows * note_h + (rows - 1) * NOTE_GAP
    return w, h


def _shelves(sizes: Sequence[tuple[float, float]], row_width: float) -> list[list[int]]:
    """Frames in order, left to right, wrapping to a new row past `row_width`."""
    rows: list[list[int]] = [[]]
    used = 0.0
    for i, (w, _) in enumerate(sizes):
        if rows[-1] and used + FRAME_GAP + w > row_width:
            rows.append([])
            used = 0.0
        used += (FRAME_GAP if rows[-1] else 0.0) + w
        rows[-1].append(i)
    return rows


def _block(sizes: Sequence[tuple[float, float]], row_width: float) -> tuple[float, float]:
    """Width and height of the frames packed in rows no wider than `row_width`."""
    rows = _shelves(sizes, row_width)
    width = max(sum(sizes[i][0] for i in row) + FRAME_GAP * (len(row) - 1) for row in rows)
    height = sum(max(sizes[i][1] for i in row) for row in rows) + FRAME_GAP * (len(rows) - 1)
    return width, height


def _row_width(sizes: Sequence[tuple[float, float]], view: Rect | None) -> float:
    """How wide a row of frames may grow: the view's width when the groups fit in it, else
    the width whose block has the view's shape (16:9 without a view), so that fitting the
    result to the screen shows it as large as it can be, not as a tall narrow column."""
    widest = max(w for w, _ in sizes)
    if view is not None and view.w > 0 and view.h > 0:
        inside = max(widest, view.w - 2 * MARGIN)
        w, h = _block(sizes, inside)
        if h <= view.h - 2 * MARGIN:
            return inside
        aspect = view.w / view.h
    else:
        aspect = 16 / 9
    area = sum((w + FRAME_GAP) * (h + FRAME_GAP) for w, h in sizes)
    guess = math.sqrt(area * aspect)
    candidates = [max(widest, guess * f) for f in (0.8, 0.9, 1.0, 1.15, 1.3, 1.5, 1.75, 2.0)]

    def misfit(width: float) -> float:
        w, h = _block(sizes, width)
        return abs(math.log((w / h) / aspect))

    return min(candidates, key=lambda c: (round(misfit(c), 3), c))


def _clear_of(block: Rect, avoid: Sequence[Rect]) -> Rect:
    """Move the block down until it overlaps none of the rectangles to avoid."""
    for _ in range(len(avoid) + 1):
        hits = [r for r in avoid if block.overlaps(r)]
        if not hits:
            break
        bottom = max(r.y + r.h for r in hits)
        block = Rect(block.x, bottom + FRAME_GAP, block.w, block.h)
    return block


def layout_groups(
    counts: Sequence[int],
    view: Rect | None = None,
    note_size: tuple[float, float] = (NOTE_W, NOTE_H),
    avoid: Sequence[Rect] = (),
) -> list[GroupPlace]:
    """Frames for groups of `counts` notes, in order, in rows near the view; notes in a grid."""
    if not counts:
        return []
    note_w, note_h = note_size
    sizes = [frame_size(c, note_w, note_h) for c in counts]
    rows = _shelves(sizes, _row_width(sizes, view))
    # Frames in one row share the row's height, so the grid reads as a grid.
    heights = [max(sizes[i][1] for i in row) for row in rows]
    width = max(sum(sizes[i][0] for i in row) + FRAME_GAP * (len(row) - 1) for row in rows)
    height = sum(heights) + FRAME_GAP * (len(rows) - 1)
    if view is None:
        x0, y0 = 0.0, 0.0
    elif width + 2 * MARGIN <= view.w and height + 2 * MARGIN <= view.h:
        x0, y0 = view.x + (view.w - width) / 2, view.y + (view.h - height) / 2  # centred
    else:
        x0, y0 = view.x + MARGIN, view.y + MARGIN
    block = _clear_of(Rect(x0, y0, width, height), avoid)
    places: list[GroupPlace | None] = [None] * len(counts)
    y = block.y
    for row, row_h in zip(rows, heights, strict=True):
        x = block.x
        for i in row:
            w, _ = sizes[i]
            frame = Rect(x, y, w, row_h)
            cols, _ = grid_shape(counts[i])
            notes = [
                (
                    x + PAD + (j % cols) * (note_w + NOTE_GAP),
                    y + TITLE_H + PAD + (j // cols) * (note_h + NOTE_GAP),
                )
                for j in range(counts[i])
            ]
            places[i] = GroupPlace(frame, notes)
            x += w + FRAME_GAP
        y += row_h + FRAME_GAP
    return [p for p in places if p is not None]


def grow_frame(
    frame: Rect,
    members: Sequence[Rect],
    count: int,
    note_size: tuple[float, float] = (NOTE_W, NOTE_H),
) -> GroupPlace:
    """Room for `count` more notes in an existing frame: rows below its lowest note, as many
    columns as its width holds; the frame grows down (and to one note's width) to fit them.

    Nothing already in the frame moves."""
    note_w, note_h = note_size
    width = max(frame.w, 2 * PAD + note_w)
    cols = max(1, int((width - 2 * PAD + NOTE_GAP) // (note_w + NOTE_GAP)))
    inside = [m for m in members if m.overlaps(frame)]
    top = max((m.y + m.h + NOTE_GAP for m in inside), default=frame.y + TITLE_H + PAD)
    top = max(top, frame.y + TITLE_H + PAD)
    notes = [(frame.x + PAD + (j % cols) * (note_w + NOTE_GAP),
              top + (j // cols) * (note_h + NOTE_GAP)) for j in range(count)]
    bottom = max([frame.y + frame.h] + [y + note_h + PAD for _, y in notes])
    return GroupPlace(Rect(frame.x, frame.y, width, bottom - frame.y), notes)


@dataclass(frozen=True)
class Growth:
    """How a frame takes `count` more notes without covering anything: its place, and how far
    everything lying wholly below its old bottom edge (`line`) moves down to make room (0:
    nothing else moves)."""

    place: GroupPlace
    line: float
    shift: float


def grow_right(
    frame: Rect,
    members: Sequence[Rect],
    count: int,
    cols: int,
    note_size: tuple[float, float] = (NOTE_W, NOTE_H),
) -> GroupPlace:
    """Room for `count` more notes in `cols` new columns right of the frame's notes, from its
    top; the frame widens (and grows down if they need more rows than it has)."""
    note_w, note_h = note_size
    inside = [m for m in members if m.overlaps(frame)]
    x0 = max([m.x + m.w + NOTE_GAP for m in inside] + [frame.x + PAD])
    top = frame.y + TITLE_H + PAD
    notes = [(x0 + (j % cols) * (note_w + NOTE_GAP), top + (j // cols) * (note_h + NOTE_GAP))
             for j in range(count)]
    right = max([frame.x + frame.w] + [x + note_w + PAD for x, _ in notes])
    bottom = max([frame.y + frame.h] + [y + note_h + PAD for _, y in notes])
    return GroupPlace(Rect(frame.x, frame.y, right - frame.x, bottom - frame.y), notes)


def _padded(r: Rect, gap: float) -> Rect:
    return Rect(r.x - gap, r.y - gap, r.w + 2 * gap, r.h + 2 * gap)


def grow_clear(
    frame: Rect,
    members: Sequence[Rect],
    count: int,
    others: Sequence[Rect],
    note_size: tuple[float, float] = (NOTE_W, NOTE_H),
) -> Growth:
    """Grow a frame for `count` more notes so that it covers none of `others` (everything else
    on the board: frames, notes outside it), keeping NOTE_GAP clear around what it grows into.

    Membership follows containment, so a frame grown over another would take notes from it.
    In order: rows below its notes (grow_frame) if that area is free; else new columns to its
    right, as few as will do; else it grows down and everything wholly below its old bottom
    edge moves down together, as rows are inserted in a spreadsheet, which keeps every other
    distance on the board as it was. What already overlapped the frame is not its to fix."""
    old = frame
    todo = [r for r in others if not r.overlaps(old)]
    near = {i for i, r in enumerate(todo) if _padded(old, NOTE_GAP).overlaps(r)}  # already

    def clear(grown: Rect) -> bool:
        wide = _padded(grown, NOTE_GAP)
        return not any(r.overlaps(grown) or (i not in near and wide.overlaps(r))
                       for i, r in enumerate(todo))

    down = grow_frame(frame, members, count, note_size)
    line = old.y + old.h
    if clear(down.frame):
        return Growth(down, line, 0.0)
    for cols in range(1, count + 1):
        right = grow_right(frame, members, count, cols, note_size)
        if clear(right.frame):
            return Growth(right, line, 0.0)
    grown = down.frame
    below = [r for r in todo if r.y >= line and r.x < grown.x + grown.w + NOTE_GAP
             and grown.x - NOTE_GAP < r.x + r.w]
    shift = max([0.0] + [grown.y + grown.h + FRAME_GAP - r.y for r in below])
    return Growth(down, line, shift)
