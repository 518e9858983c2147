"""Checks on everything a client sends before it reaches SQL: ids, fields, limits."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from ..errors import Invalid, TooLarge

ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
COLORS = ("yellow", "orange", "pink", "purple", "blue", "green", "gray", "white")
# runner_up: the group an Organize or sort found almost as good (the note's doubt mark).
NOTE_DEFAULTS: dict[str, Any] = {"text": "", "x": 0.0, "y": 0.0, "w": 160.0, "h": 120.0,
                                 "color": "yellow", "group_id": None, "runner_up": None}
GROUP_DEFAULTS: dict[str, Any] = {"title": "", "x": 0.0, "y": 0.0, "w": 400.0, "h": 300.0,
                                  "origin": "user"}
# Who made a group: a person, or Organize (whose groups a later Organize may replace); Organize's
# "unsorted" frame holds the notes that fit no group.
ORIGINS = ("user", "organize", "unsorted")
# Fields a client may send back as it received them (an exported Note, say); they are ignored.
# Who wrote a note and whether it is hidden are the server's to say (store/modes.py), never
# the client's: a browser sending a row back as it got it has them ignored too.
READ_ONLY = {"id", "board_id", "version", "created_at", "updated_at", "author", "author_id",
             "hidden", "face_down"}
# Generous bounds: they exist to keep NaN, 1e308 and friends out of the canvas maths.
MAX_COORD = 1e7
MAX_SIZE = 1e6
MAX_TIMER_SECONDS = 4 * 3600
# SQLite stores integers in 8 bytes: a bigger version could never be written or matched.
MAX_VERSION = 2**63 - 1


@dataclass(frozen=True)
class Range:
    """The numbers a field takes, lo to hi inclusive: every numeric range of the API."""

    lo: float
    hi: float

    def holds(self, value: Any) -> bool:
        """Whether value is a JSON number (not a bool) within the range.

        No float() first: an int of 400 digits compares exactly against a float, where
        converting it would raise OverflowError; NaN fails every comparison.
        """
        return (not isinstance(value, bool) and isinstance(value, int | float)
                and self.lo <= value <= self.hi)

    def says(self) -> str:
        """The range in words, for error messages."""
        lo, hi = (int(v) if float(v).is_integer() else v for v in (self.lo, self.hi))
        return f"within ±{hi:,}" if lo == -hi else f"from {lo:,} to {hi:,}"


COORD = Range(-MAX_COORD, MAX_COORD)  # x, y of notes, groups, pointers and views
SIZE = Range(1, MAX_SIZE)  # w, h of notes, groups and views
SECONDS = Range(1, MAX_TIMER_SECONDS)  # the workshop timer
GROUP_COUNT = Range(1, 30)  # how many groups an Organize may be asked for
VERSION = Range(1, MAX_VERSION)
# A box on the board: a note, a group, or a rect someone sees (spotlight, Organize, export).
BOX = {"x": COORD, "y": COORD, "w": SIZE, "h": SIZE}


@dataclass(frozen=True)
class Limits:
    """The limits of issue 2, from app.config."""

    note_chars: int = 10_000
    notes_per_board: int = 5_000
    title_chars: int = 200


def new_id() -> str:
    """A fresh random id: 12 URL-safe characters, never starting with - or _.

    (An id like "-j3ih" would read as an option on the command line: `herd export -j3ih`.)
    """
    while True:
        value = secrets.token_urlsafe(9)
        if value[0].isalnum():
            return value


def check_id(value: Any, what: str) -> str:
    """A client-chosen id, or a 400 saying what ids look like."""
    if not isinstance(value, str) or not ID_RE.fullmatch(value):
        raise Invalid(f"Invalid {what} id {value!r}: use 1-64 of A-Z a-z 0-9 _ -.")
    return value


def note_fields(fields: Any, limits: Limits, partial: bool) -> dict[str, Any]:
    """Validated note fields; with partial=False, defaults fill what is missing."""
    out = _common(fields, "note", set(NOTE_DEFAULTS), partial)
    if "text" in out:
        out["text"] = check_text(out["text"], limits)
    elif not partial:
        raise Invalid("A new note needs a 'text' field (it may be empty).")
    if "color" in out and out["color"] not in COLORS:
        raise Invalid(f"Unknown colour {out['color']!r}; use one of {', '.join(COLORS)}.")
    for key in ("group_id", "runner_up"):
        if out.get(key) is not None:
            check_id(out[key], "group")
    return out if partial else {**NOTE_DEFAULTS, **out}


def group_fields(fields: Any, limits: Limits, partial: bool) -> dict[str, Any]:
    """Validated group fields (note_ids is handled by the caller)."""
    out = _common(fields, "group", set(GROUP_DEFAULTS) | {"note_ids"}, partial)
    if "title" in out:
        out["title"] = check_title(out["title"], limits, "Group title")
    if "origin" in out and out["origin"] not in ORIGINS:
        raise Invalid(f"Group 'origin' must be one of {', '.join(ORIGINS)}.")
    if "note_ids" in out:
        ids = out["note_ids"]
        if not isinstance(ids, list):
            raise Invalid("'note_ids' must be a list of note ids.")
        out["note_ids"] = [check_id(i, "note") for i in ids]
    return out if partial else {**GROUP_DEFAULTS, **out}


def check_text(value: Any, limits: Limits) -> str:
    """Note text: a string of at most MAX_NOTE_CHARS characters (413 past it)."""
    if not isinstance(value, str):
        raise Invalid("Note 'text' must be a string.")
    if len(value) > limits.note_chars:
        raise TooLarge(f"Note text is {len(value):,} characters; the limit is "
                            f"{limits.note_chars:,}. Split it into several notes.")
    return value


def check_title(value: Any, limits: Limits, what: str) -> str:
    """A board name or group title: a string of at most MAX_TITLE_CHARS characters."""
    if not isinstance(value, str):
        raise Invalid(f"{what} must be a string.")
    value = value.strip()
    if len(value) > limits.title_chars:
        raise TooLarge(f"{what} is {len(value):,} characters; the limit is "
                            f"{limits.title_chars:,}.")
    return value


def check_version(value: Any) -> int | None:
    """The optional 'version' of an update: a positive integer or absent."""
    if value is None:
        return None
    version = whole(value, VERSION)
    if version is None:
        raise Invalid(f"'version' must be a positive integer (at most {MAX_VERSION:,}), "
                      f"not {shown(value)}.")
    return version


def _common(fields: Any, kind: str, allowed: set[str], partial: bool) -> dict[str, Any]:
    """Shape and number checks shared by notes and groups."""
    if fields is None and partial:
        fields = {}
    if not isinstance(fields, dict):
        raise Invalid(f"The {kind} fields must be a JSON object.")
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if key in READ_ONLY:
            continue
        if key not in allowed:
            raise Invalid(f"Unknown {kind} field {key!r}; allowed: "
                                f"{', '.join(sorted(allowed))}.")
        if key in BOX:
            value = number(key, value, kind)
        out[key] = value
    return out


def number(key: str, value: Any, kind: str, rng: Range | None = None) -> float:
    """A number within its range (a box's x, y, w, h by default) as a float, else a 400."""
    rng = rng or BOX[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid(f"The {kind}'s {key!r} must be a finite number, not {shown(value)}.")
    if not rng.holds(value):
        raise Invalid(f"The {kind}'s {key!r} must be a finite number {rng.says()}.")
    return float(value)


def whole(value: Any, rng: Range) -> int | None:
    """A whole number within rng as an int (2.0 is 2, as JSON Schema's "integer" says), else
    None."""
    if not rng.holds(value) or (isinstance(value, float) and not value.is_integer()):
        return None
    return int(value)


def box(value: Any, kind: str) -> dict[str, float]:
    """A board rect {x, y, w, h} (what someone sees), each number within BOX."""
    if not isinstance(value, dict) or set(value) != set(BOX):
        raise Invalid(f"The {kind} 'view' must be {{x, y, w, h}}: a rectangle in board units.")
    return {k: number(k, value[k], f"{kind} view") for k in BOX}


def shown(value: Any, limit: int = 40) -> str:
    """A short repr of what a client sent, for a message (never the whole megabyte)."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."
