"""JSON export of a whole board and its validated import (ids, versions and times kept)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from .. import strictjson
from ..errors import Invalid, TooLarge
from ..store.validate import BOX, COLORS, ID_RE, ORIGINS, SECONDS, VERSION, whole
from ..store.votes import PER_PERSON

FORMAT = "herd-board"
FORMAT_VERSION = 1
# author: the writer's name, when the one exporting may see it (privacy.py); a hidden note
# is in the file only for its author, and comes back from an import face up.
NOTE_FIELDS = ("id", "text", "x", "y", "w", "h", "color", "group_id", "runner_up", "version",
               "created_at", "updated_at", "author")
GROUP_FIELDS = ("id", "title", "x", "y", "w", "h", "origin", "version", "created_at",
                "updated_at")
_MAX_PROBLEMS = 20
VOTER_RE = re.compile(r"[0-9a-f]{1,64}")


def to_export(snapshot: dict[str, Any], exported_at: str | None = None) -> dict[str, Any]:
    """The board as a self-describing dict: format tag and version, board, groups, notes."""
    board = snapshot["board"]
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": exported_at,
        "board": {k: board.get(k) for k in ("id", "name", "created_at", "updated_at")},
        "groups": [{k: g.get(k) for k in GROUP_FIELDS} for g in snapshot.get("groups") or []],
        "notes": [{k: n.get(k) for k in NOTE_FIELDS if k != "author" or n.get("author")}
                  for n in snapshot.get("notes") or []],
        "votes": snapshot.get("votes") or [],
    }


def to_json(snapshot: dict[str, Any], exported_at: str | None = None) -> bytes:
    """The export as UTF-8 JSON bytes (readable: non-ASCII text is kept as is)."""
    data = to_export(snapshot, exported_at)
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


def parse(raw: bytes | str) -> Any:
    """Decode an uploaded export, or say in one sentence why it is not JSON Herd takes."""
    return strictjson.loads(raw, "The file", ": choose a Herd .json export")


class _Checker:
    """Collects every problem in a file so the user can fix them all in one go."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.too_large = False  # text over a limit is 413, like everywhere else in the API

    def fail(self, where: str, what: str) -> None:
        self.problems.append(f"{where}: {what}")

    def number(self, obj: dict, key: str, where: str, default: float | None = None) -> float:
        v = obj.get(key, default)
        if isinstance(v, bool) or not isinstance(v, int | float):
            self.fail(f"{where}.{key}", "must be a number")
            return 0.0
        if not BOX[key].holds(v):
            self.fail(f"{where}.{key}", f"must be {BOX[key].says()}")
            return 0.0
        return float(v)

    def text(self, obj: dict, key: str, where: str, limit: int, default: str | None = None
             ) -> str:
        v = obj.get(key, default)
        if not isinstance(v, str):
            self.fail(f"{where}.{key}", "must be a string")
            return ""
        if len(v) > limit:
            self.too_large = True
            self.fail(f"{where}.{key}", f"is {len(v):,} characters; the limit is {limit:,}")
        return v

    def when(self, obj: dict, key: str, where: str) -> str | None:
        v = obj.get(key)
        if v is None:
            return None
        try:
            if not isinstance(v, str):
                raise ValueError(v)
            datetime.fromisoformat(v)
        except ValueError:
            self.fail(f"{where}.{key}", "must be an ISO-8601 time")
            return None
        return v

    def row(self, obj: Any, where: str, seen: set[str]) -> dict[str, Any] | None:
        """The fields every row has: id, box, version, times."""
        if not isinstance(obj, dict):
            self.fail(where, "must be an object")
            return None
        rid = obj.get("id")
        if not isinstance(rid, str) or not ID_RE.fullmatch(rid):
            self.fail(f"{where}.id", "must be 1-64 letters, digits, _ or -")
        elif rid in seen:
            self.fail(f"{where}.id", f"{rid!r} appears twice")
        seen.add(str(rid))
        version = whole(obj.get("version", 1), VERSION)
        if version is None:
            self.fail(f"{where}.version", f"must be a whole number {VERSION.says()}")
        return {
            "id": rid, "x": self.number(obj, "x", where), "y": self.number(obj, "y", where),
            "w": self.number(obj, "w", where, 160),
            "h": self.number(obj, "h", where, 120),
            "version": version, "created_at": self.when(obj, "created_at", where),
            "updated_at": self.when(obj, "updated_at", where),
        }


def validate(data: Any, max_notes: int = 5000, max_note_chars: int = 10_000,
             max_title_chars: int = 200) -> dict[str, Any]:
    """A clean {"name", "groups", "notes"} from an export, or Invalid saying what is wrong."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise Invalid(f'Not a Herd board export: expected a JSON object with "format": '
                            f'"{FORMAT}". Export one with the board menu or `herd export`.')
    version = data.get("format_version")
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        raise Invalid(f"This export is format version {version}, newer than this Herd "
                            f"reads ({FORMAT_VERSION}): upgrade Herd to import it.")
    if version != FORMAT_VERSION:
        raise Invalid(f"format_version must be {FORMAT_VERSION}.")
    board, groups, notes = data.get("board"), data.get("groups", []), data.get("notes")
    if not isinstance(board, dict) or not isinstance(notes, list) or not isinstance(groups, list):
        raise Invalid('A Herd export needs "board" (an object), "groups" and "notes" '
                            "(lists).")
    if len(notes) > max_notes or len(groups) > max_notes:
        raise TooLarge(f"The board has {len(notes):,} notes and {len(groups):,} groups; "
                            f"a Herd board holds at most {max_notes:,} of each.")
    c = _Checker()
    name = c.text(board, "name", "board", max_title_chars)
    if not name.strip():
        c.fail("board.name", "must not be empty")
    clean_groups, gids = [], set()
    for i, g in enumerate(groups):
        row = c.row(g, f"groups[{i}]", gids)
        if row is not None:
            row["title"] = c.text(g, "title", f"groups[{i}]", max_title_chars, "")
            row["origin"] = g.get("origin") or "user"
            if row["origin"] not in ORIGINS:
                c.fail(f"groups[{i}].origin", f"must be one of {', '.join(ORIGINS)}")
            clean_groups.append(row)
    clean_notes, nids = [], set()
    for i, n in enumerate(notes):
        where = f"notes[{i}]"
        row = c.row(n, where, nids)
        if row is None:
            continue
        row["text"] = c.text(n, "text", where, max_note_chars)
        row["color"] = n.get("color", "yellow")
        if row["color"] not in COLORS:
            c.fail(f"{where}.color", f"{row['color']!r} is not one of {', '.join(COLORS)}")
        if n.get("author") is not None:
            row["author"] = c.text(n, "author", where, max_title_chars)
        row["group_id"] = n.get("group_id")
        gid = row["group_id"]
        if gid is not None and (not isinstance(gid, str) or gid not in gids):
            c.fail(f"{where}.group_id", f"{row['group_id']!r} is not a group in this file")
        # The doubt mark's runner-up group (files from before it have none).
        row["runner_up"] = n.get("runner_up")
        runner = row["runner_up"]
        if runner is not None and (not isinstance(runner, str) or runner not in gids):
            c.fail(f"{where}.runner_up", f"{runner!r} is not a group in this file")
        clean_notes.append(row)
    clean_votes = _votes(c, data.get("votes", []), nids)
    if c.problems:
        more = len(c.problems) - 1
        tail = f" (and {more} more problem{'s' * (more > 1)})" if more else ""
        raise (TooLarge if c.too_large else Invalid)(
            f"The export cannot be imported: {c.problems[0]}{tail}. Nothing was "
            "created.", details={"problems": c.problems[:_MAX_PROBLEMS]})
    return {"name": name, "groups": clean_groups, "notes": clean_notes, "votes": clean_votes}


def _votes(c: _Checker, votes: Any, nids: set[str]) -> list[dict[str, Any]]:
    """Ended votes and their dots, each dot on a note of this file."""
    if not isinstance(votes, list) or len(votes) > 1000:
        c.fail("votes", "must be a list of at most 1,000 votes")
        return []
    out, seen = [], set()
    for i, vote in enumerate(votes):
        where = f"votes[{i}]"
        if not isinstance(vote, dict):
            c.fail(where, "must be an object")
            continue
        vid = vote.get("id")
        if not isinstance(vid, str) or not ID_RE.fullmatch(vid) or vid in seen:
            c.fail(f"{where}.id", "must be a unique id of 1-64 letters, digits, _ or -")
        seen.add(str(vid))
        per = whole(vote.get("per_person"), PER_PERSON)
        if per is None:
            c.fail(f"{where}.per_person", f"must be a whole number {PER_PERSON.says()}")
        one = vote.get("one_per_note", False)
        if not isinstance(one, bool):
            c.fail(f"{where}.one_per_note", "must be true or false")
        scope = vote.get("note_ids")
        if scope is not None and (not isinstance(scope, list)
                                  or not all(isinstance(n, str) and n in nids for n in scope)):
            c.fail(f"{where}.note_ids", "must be null or a list of notes in this file")
        seconds = vote.get("seconds")
        if seconds is not None and not SECONDS.holds(seconds):
            c.fail(f"{where}.seconds", f"must be null or {SECONDS.says()}")
        version = whole(vote.get("version", 1), VERSION)
        if version is None:
            c.fail(f"{where}.version", f"must be a whole number {VERSION.says()}")
        dots = vote.get("dots", [])
        clean_dots = []
        if not isinstance(dots, list) or len(dots) > 1_000_000:
            c.fail(f"{where}.dots", "must be a list")
            dots = []
        keys = set()
        for j, dot in enumerate(dots):
            here = f"{where}.dots[{j}]"
            if (not isinstance(dot, dict) or set(dot) != {"voter", "note_id", "count"}
                    or not isinstance(dot["voter"], str) or not VOTER_RE.fullmatch(dot["voter"])
                    or dot["note_id"] not in nids
                    or whole(dot["count"], PER_PERSON) is None
                    or (dot["voter"], dot["note_id"]) in keys):
                c.fail(here, "must be {voter, note_id, count}: a voter's votes on a note of "
                       "this file, once per voter and note")
                continue
            keys.add((dot["voter"], dot["note_id"]))
            clean_dots.append({"voter": dot["voter"], "note_id": dot["note_id"],
                               "count": int(dot["count"])})
        out.append({"id": vid, "per_person": per, "one_per_note": one, "note_ids": scope,
                    "seconds": None if seconds is None else float(seconds),
                    "version": version,
                    "started_at": c.when(vote, "started_at", where) or "",
                    "ended_at": c.when(vote, "ended_at", where), "dots": clean_dots})
    return out
