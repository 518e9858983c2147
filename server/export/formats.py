"""Every export format in one table: how to render it, its media type and file extension."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..store import now_iso
from . import csvfile, image, jsonfile, markdown
from .layout import Rect


@dataclass(frozen=True)
class Format:
    """One export format."""

    render: Callable[[dict[str, Any], Rect | None], bytes]
    mimetype: str
    extension: str


FORMATS: dict[str, Format] = {
    "md": Format(lambda s, v: markdown.to_markdown(s).encode("utf-8"),
                 "text/markdown", "md"),
    "csv": Format(lambda s, v: csvfile.to_csv(s), "text/csv", "csv"),
    "json": Format(lambda s, v: jsonfile.to_json(s, now_iso()), "application/json", "json"),
    "svg": Format(image.to_svg, "image/svg+xml", "svg"),
    "png": Format(image.to_png, "image/png", "png"),
}
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def filename(board_name: str, fmt: str) -> str:
    """A download name from the board's name, safe on every file system."""
    stem = _UNSAFE.sub(" ", board_name).strip(" .")[:100].strip() or "board"
    return f"{stem}.{FORMATS[fmt].extension}"


def render(snapshot: dict[str, Any], fmt: str, view: Rect | None = None) -> bytes:
    """The board in the given format (view limits the picture formats to a board rect)."""
    return FORMATS[fmt].render(snapshot, view)
