"""Board templates: plain data files, one per template (`<id>.json` in this directory), so
adding a template is adding a file. Each is checked when it is loaded: a bad file stops the
server at start-up with its name and what is wrong, never a half-made board later.

A file holds {"name", "description", "order"?, "timer_minutes"?, "frames": [{"title",
"w"?, "h"?}, ...]}; the frames are laid out left to right, in the order given.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from ..store import validate as v

DIRECTORY = Path(__file__).resolve().parent
ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
FRAME_W, FRAME_H, GAP = 480, 640, 80  # a frame's default size, and the space between two
MAX_FRAMES = 12
KEYS = {"name", "description", "order", "timer_minutes", "frames"}
FRAME_KEYS = {"title", "w", "h"}


class TemplateError(ValueError):
    """A template file that cannot be used; the message names the file."""


@dataclass(frozen=True)
class Frame:
    title: str
    w: int
    h: int


@dataclass(frozen=True)
class Template:
    id: str
    name: str
    description: str
    order: int
    timer_seconds: int | None
    frames: tuple[Frame, ...]

    def public(self) -> dict[str, Any]:
        """What the start page is shown."""
        return {"id": self.id, "name": self.name, "description": self.description,
                "timer_seconds": self.timer_seconds,
                "frames": [f.title for f in self.frames]}

    def groups(self) -> list[dict[str, Any]]:
        """The frames as group rows for a new board (ids fresh each time), side by side."""
        out, x = [], 0
        for f in self.frames:
            out.append({"id": v.new_id(), "title": f.title, "x": x, "y": 0, "w": f.w, "h": f.h,
                        "origin": "user"})
            x += f.w + GAP
        return out


def _text(data: dict, key: str, where: str, most: int, required: bool = True) -> str:
    value = data.get(key, "" if not required else None)
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > most:
        raise TemplateError(f"{where}: {key!r} must be a text of 1 to {most} characters.")
    return value.strip()


def _whole(data: dict, key: str, where: str, low: int, high: int,
           default: int | None) -> int | None:
    value = data.get(key, default)
    if value is default:
        return value
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise TemplateError(f"{where}: {key!r} must be a whole number from {low} to {high}.")
    return value


def parse(template_id: str, data: Any, where: str) -> Template:
    """One template from its file's decoded JSON; TemplateError says what is wrong."""
    if not ID.match(template_id):
        raise TemplateError(f"{where}: a template's file name must be lower-case letters, "
                            "digits and dashes (it is the template's id).")
    if not isinstance(data, dict):
        raise TemplateError(f"{where}: a template is a JSON object.")
    if set(data) - KEYS:
        raise TemplateError(f"{where}: unknown key(s) {', '.join(sorted(set(data) - KEYS))}.")
    frames = data.get("frames")
    if not isinstance(frames, list) or len(frames) > MAX_FRAMES:
        raise TemplateError(f"{where}: 'frames' must be a list of at most {MAX_FRAMES} frames.")
    parsed = []
    for i, f in enumerate(frames):
        at = f"{where} frame {i + 1}"
        if not isinstance(f, dict) or set(f) - FRAME_KEYS:
            raise TemplateError(f"{at}: a frame is {{title, w?, h?}}.")
        parsed.append(Frame(_text(f, "title", at, 200), _whole(f, "w", at, 160, 4000, FRAME_W),
                            _whole(f, "h", at, 100, 4000, FRAME_H)))
    minutes = _whole(data, "timer_minutes", where, 1, v.MAX_TIMER_SECONDS // 60, None)
    return Template(id=template_id, name=_text(data, "name", where, 60),
                    description=_text(data, "description", where, 200, required=False),
                    order=_whole(data, "order", where, 0, 1000, 100),
                    timer_seconds=None if minutes is None else minutes * 60,
                    frames=tuple(parsed))


def load(directory: Path = DIRECTORY) -> dict[str, Template]:
    """Every template in `directory`, by id, in the order the start page lists them."""
    found = []
    for path in sorted(directory.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise TemplateError(f"{path.name}: not readable JSON ({e}).") from None
        found.append(parse(path.stem, data, path.name))
    found.sort(key=lambda t: (t.order, t.name))
    return {t.id: t for t in found}


def init_app(app: Flask) -> None:
    """Load the templates once, at start-up (a broken file fails here, loudly)."""
    app.extensions["herd.templates"] = load(Path(app.config["TEMPLATES_DIR"] or DIRECTORY))


def get_templates() -> dict[str, Template]:
    """The current app's templates, by id."""
    return current_app.extensions["herd.templates"]
