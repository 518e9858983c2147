"""PNG export: the scene drawn with Pillow at a scale that keeps notes readable."""

from __future__ import annotations

import io
import math
from collections.abc import Callable

from PIL import Image, ImageDraw

from . import fonts, layout
from .scene import (
    BACKGROUND,
    FRAME_EDGE,
    FRAME_FILL,
    FRAME_TEXT,
    SHADOW,
    TEXT,
    TITLE_PAD,
    TITLE_SIZE,
    NoteBox,
    Scene,
    baseline,
)

DEFAULT_SCALE = 2.0  # pixels per board unit: crisp on high-density screens and in print
MAX_SIDE = 8192
MAX_PIXELS = 32_000_000  # ~100 MB of RGB while drawing; a huge board is scaled down to fit
MIN_TEXT_PX = 4.0  # below this a glyph is a smudge: draw a grey bar per line instead


def pick_scale(rect: layout.Rect, wanted: float = DEFAULT_SCALE) -> float:
    """The wanted scale, reduced until the picture fits the side and pixel limits."""
    _, _, w, h = rect
    return min(wanted, MAX_SIDE / w, MAX_SIDE / h, math.sqrt(MAX_PIXELS / (w * h)))


def _px_font(size_px: float, bold: bool = False) -> fonts.Font:
    # Half-pixel steps keep the font cache small and text sizes true enough.
    return fonts.font(max(round(size_px * 2) / 2, 1.0), bold)


def render(scene: Scene, scale: float | None = None) -> bytes:
    """The scene as PNG bytes."""
    rx, ry, rw, rh = scene.rect
    s = pick_scale(scene.rect, scale or DEFAULT_SCALE)
    img = Image.new("RGB", (max(math.ceil(rw * s), 1), max(math.ceil(rh * s), 1)), BACKGROUND)
    draw = ImageDraw.Draw(img)

    def px(x: float, y: float) -> tuple[float, float]:
        return (x - rx) * s, (y - ry) * s

    def box(x: float, y: float, w: float, h: float) -> tuple[float, float, float, float]:
        x0, y0 = px(x, y)
        return x0, y0, x0 + w * s, y0 + h * s

    for f in scene.frames:
        draw.rounded_rectangle(box(f.x, f.y, f.w, f.h), radius=8 * s, fill=FRAME_FILL,
                               outline=FRAME_EDGE, width=max(round(1.5 * s), 1))
        if TITLE_SIZE * s >= MIN_TEXT_PX:
            draw.text(px(f.x + TITLE_PAD, f.y + TITLE_PAD + 0.93 * TITLE_SIZE), f.title,
                      fill=FRAME_TEXT, font=_px_font(TITLE_SIZE * s, bold=True), anchor="ls")
    for b in scene.notes:
        draw.rounded_rectangle(box(b.x + 1, b.y + 3, b.w, b.h), radius=4 * s, fill=SHADOW)
        draw.rounded_rectangle(box(b.x, b.y, b.w, b.h), radius=4 * s, fill=b.fill,
                               outline=b.edge, width=max(round(s), 1))
        size_px = b.size * s
        for i, line in enumerate(b.lines):
            if not line:
                continue
            base = baseline(b, i)
            if size_px < MIN_TEXT_PX:
                _greek(draw, b, line, base, px, s)
                continue
            if b.rtl:
                at, anchor = px(b.x + b.w - layout.NOTE_PAD, base), "rs"
            else:
                at, anchor = px(b.x + layout.NOTE_PAD, base), "ls"
            draw.text(at, line, fill=TEXT, font=_px_font(size_px), anchor=anchor)
    if scene.message:
        draw.text((img.width / 2, img.height / 2), scene.message, fill="#777777",
                  font=_px_font(20 * s), anchor="mm")
    out = io.BytesIO()
    img.save(out, "PNG", optimize=False)
    return out.getvalue()


def _greek(draw: ImageDraw.ImageDraw, b: NoteBox, line: str, base: float,
           px: Callable[[float, float], tuple[float, float]], s: float) -> None:
    """A line too small to read, drawn as a bar of its length (the note still looks full)."""
    width = min(fonts.measure(line) * b.size, b.w - 2 * layout.NOTE_PAD)
    x0 = b.x + b.w - layout.NOTE_PAD - width if b.rtl else b.x + layout.NOTE_PAD
    (ax, ay), (bx, by) = px(x0, base - 0.55 * b.size), px(x0 + width, base)
    draw.rectangle((ax, ay, max(bx, ax + 1), max(by, ay + 1)), fill="#9A9A90")
