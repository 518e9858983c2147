"""Image exports, drawn from board data: SVG (vector) and PNG, of the whole board or a view."""

from __future__ import annotations

from typing import Any

from . import fonts, png, scene, svg
from .layout import Rect


def board_scene(snapshot: dict[str, Any], view: Rect | None = None) -> scene.Scene:
    """What to draw: every note and group of the board, or those touching `view`."""
    return scene.build(snapshot, view, fonts.measure, fonts.measure_bold)


def to_svg(snapshot: dict[str, Any], view: Rect | None = None) -> bytes:
    """The board (or the view rect) as an SVG file in board units."""
    name = str(snapshot.get("board", {}).get("name") or "Herd board")
    return svg.render(board_scene(snapshot, view), title=name).encode("utf-8")


def to_png(snapshot: dict[str, Any], view: Rect | None = None,
           scale: float | None = None) -> bytes:
    """The board (or the view rect) as a PNG, 2 pixels per board unit unless too big."""
    return png.render(board_scene(snapshot, view), scale)
