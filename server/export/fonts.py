"""Fonts for the image exports: DejaVu Sans when installed, else Pillow's built-in font."""

from __future__ import annotations

import functools
from pathlib import Path

from PIL import ImageFont

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
REGULAR = DEJAVU_DIR / "DejaVuSans.ttf"
BOLD = DEJAVU_DIR / "DejaVuSans-Bold.ttf"
# What an SVG asks the viewer for: the font we measured with first, then look-alikes.
SVG_FAMILY = "'DejaVu Sans', Verdana, 'Segoe UI', Arial, sans-serif"
_REF_SIZE = 100  # measure once at this size; widths scale linearly with the font size

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@functools.lru_cache(maxsize=64)
def font(size: int, bold: bool = False) -> Font:
    """A font at a pixel size; Pillow's scalable default when DejaVu is missing."""
    path = BOLD if bold else REGULAR
    if path.exists():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


@functools.lru_cache(maxsize=100_000)
def measure(text: str) -> float:
    """Width of text at font size 1 (words repeat a lot across a board: cache them)."""
    return float(font(_REF_SIZE).getlength(text)) / _REF_SIZE


@functools.lru_cache(maxsize=100_000)
def measure_bold(text: str) -> float:
    """Width of bold text at font size 1."""
    return float(font(_REF_SIZE, bold=True).getlength(text)) / _REF_SIZE
