"""What an image export draws, worked out once for both SVG and PNG (pure, board units)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import layout
from .layout import Measure, Rect

# (fill, edge) per note colour; the board's palette, pastel enough for dark text.
PALETTE: dict[str, tuple[str, str]] = {
    "yellow": ("#FFF2A8", "#E3CC5C"),
    "orange": ("#FFD7A8", "#E6A865"),
    "pink": ("#FFCBDD", "#E196B3"),
    "purple": ("#E3D5FF", "#B49CEB"),
    "blue": ("#C9E4FF", "#88B7E8"),
    "green": ("#CFEFC6", "#8FC882"),
    "gray": ("#E6E6E6", "#B8B8B8"),
    "white": ("#FFFFFF", "#C8C8C8"),
}
BACKGROUND = "#F6F6F3"
TEXT = "#1F1F1F"
SHADOW = "#DCDCD6"
FRAME_FILL = "#FFFFFF"
FRAME_EDGE = "#B5B5B0"
FRAME_TEXT = "#3A3A3A"
TITLE_SIZE = 18.0
TITLE_PAD = 12.0
EMPTY_VIEW: Rect = (0.0, 0.0, 480.0, 240.0)
ASCENT = 0.93  # DejaVu Sans: baseline sits this far (in font sizes) below the line top


@dataclass
class NoteBox:
    """One note ready to draw: box, colours, fitted font size and wrapped lines."""

    x: float
    y: float
    w: float
    h: float
    fill: str
    edge: str
    size: float
    lines: list[str]
    rtl: bool


@dataclass
class FrameBox:
    """One group frame: box and its title cut to fit."""

    x: float
    y: float
    w: float
    h: float
    title: str


@dataclass
class Scene:
    """Everything in the exported rect, in drawing order (frames under notes)."""

    rect: Rect
    frames: list[FrameBox] = field(default_factory=list)
    notes: list[NoteBox] = field(default_factory=list)
    message: str | None = None  # shown on an empty picture so it is not just blank


def title_line(title: str, width: float, measure_bold: Measure) -> str:
    """A group title on one line, cut with an ellipsis when wider than its frame."""
    title = " ".join(title.split()) or "Untitled group"
    avail = max(width - 2 * TITLE_PAD, 1.0) / TITLE_SIZE
    if measure_bold(title) <= avail:
        return title
    while title and measure_bold(title + layout.ELLIPSIS) > avail:
        title = title[:-1]
    return title.rstrip() + layout.ELLIPSIS


def build(snapshot: dict[str, Any], view: Rect | None, measure: Measure,
          measure_bold: Measure) -> Scene:
    """The scene for the whole board (view None) or for the board rect `view`."""
    rect = view or layout.content_bounds(snapshot)
    if rect is None:
        return Scene(EMPTY_VIEW, message="This board is empty.")
    scene = Scene(rect)
    for g in snapshot.get("groups") or []:
        if layout.overlaps(g, rect):
            x, y, w, h = (float(g[k]) for k in ("x", "y", "w", "h"))
            scene.frames.append(FrameBox(x, y, w, h, title_line(str(g.get("title") or ""),
                                                                w, measure_bold)))
    for n in snapshot.get("notes") or []:
        if not layout.overlaps(n, rect):
            continue
        x, y, w, h = (float(n[k]) for k in ("x", "y", "w", "h"))
        fill, edge = PALETTE.get(str(n.get("color")), PALETTE["yellow"])
        text = str(n.get("text") or "")
        size, lines = layout.fit_text(text, w, h, measure)
        scene.notes.append(NoteBox(x, y, w, h, fill, edge, size, lines, layout.is_rtl(text)))
    if not scene.frames and not scene.notes:
        scene.message = "Nothing on the board in this view."
    return scene


def baseline(box: NoteBox, index: int) -> float:
    """Board y of the baseline of a note's line `index` (text starts at the top padding)."""
    line_h = box.size * layout.LINE_HEIGHT
    return box.y + layout.NOTE_PAD + index * line_h + (line_h - box.size) / 2 + ASCENT * box.size
