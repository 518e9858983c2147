"""SVG export: the scene as vector shapes in board units (the viewBox is the board rect)."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

from . import layout
from .fonts import SVG_FAMILY
from .scene import (
    BACKGROUND,
    FRAME_EDGE,
    FRAME_FILL,
    FRAME_TEXT,
    SHADOW,
    TEXT,
    TITLE_PAD,
    TITLE_SIZE,
    Scene,
    baseline,
)

# Characters XML 1.0 forbids; a note could hold them (pasted from a terminal, say).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _t(text: str) -> str:
    """Text content safe for XML: escaped, forbidden characters dropped."""
    return escape(_NOT_XML.sub("", text))


def _n(v: float) -> str:
    """A short number for an attribute."""
    return f"{v:.2f}".rstrip("0").rstrip(".")


def render(scene: Scene, title: str = "Herd board") -> str:
    """The scene as an SVG document (UTF-8 text)."""
    x, y, w, h = scene.rect
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{_n(x)} {_n(y)} {_n(w)} {_n(h)}" '
        f'width="{_n(w)}" height="{_n(h)}" font-family={quoteattr(SVG_FAMILY)}>',
        f"<title>{_t(title)}</title>",
        f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" fill="{BACKGROUND}"/>',
    ]
    for f in scene.frames:
        out.append(
            f'<g class="group"><rect x="{_n(f.x)}" y="{_n(f.y)}" width="{_n(f.w)}" '
            f'height="{_n(f.h)}" rx="8" fill="{FRAME_FILL}" stroke="{FRAME_EDGE}" '
            f'stroke-width="1.5"/><text x="{_n(f.x + TITLE_PAD)}" '
            f'y="{_n(f.y + TITLE_PAD + 0.93 * TITLE_SIZE)}" font-size="{_n(TITLE_SIZE)}" '
            f'font-weight="bold" fill="{FRAME_TEXT}">{_t(f.title)}</text></g>')
    for b in scene.notes:
        out.append(
            f'<g class="note"><rect x="{_n(b.x + 1)}" y="{_n(b.y + 3)}" width="{_n(b.w)}" '
            f'height="{_n(b.h)}" rx="4" fill="{SHADOW}"/><rect x="{_n(b.x)}" y="{_n(b.y)}" '
            f'width="{_n(b.w)}" height="{_n(b.h)}" rx="4" fill="{b.fill}" stroke="{b.edge}"/>')
        if any(b.lines):
            # Right-to-left notes hang from the right edge, as the board shows them.
            tx = b.x + b.w - layout.NOTE_PAD if b.rtl else b.x + layout.NOTE_PAD
            # With direction rtl, the default anchor "start" is the right end of each line.
            anchor = ' direction="rtl"' if b.rtl else ""
            spans = "".join(
                f'<tspan x="{_n(tx)}" y="{_n(baseline(b, i))}">{_t(line)}</tspan>'
                for i, line in enumerate(b.lines) if line)
            out.append(f'<text font-size="{_n(b.size)}" fill="{TEXT}"{anchor} '
                       f'xml:space="preserve">{spans}</text>')
        out.append("</g>")
    if scene.message:
        out.append(f'<text x="{_n(x + w / 2)}" y="{_n(y + h / 2)}" font-size="20" '
                   f'text-anchor="middle" fill="#777">{_t(scene.message)}</text>')
    out.append("</svg>\n")
    return "\n".join(out)
