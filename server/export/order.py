"""Reading order shared by the text formats: groups top to bottom, notes row by row."""

from __future__ import annotations

from typing import Any

Item = dict[str, Any]

# Notes whose tops are within this many board units count as one row: a grid nudged by
# hand still reads left to right instead of zig-zagging by a pixel or two.
ROW_TOLERANCE = 40.0


def reading_order(items: list[Item], tolerance: float = ROW_TOLERANCE) -> list[Item]:
    """Items sorted into rows by y (within tolerance), each row left to right."""
    by_y = sorted(items, key=lambda i: (float(i["y"]), float(i["x"]), str(i["id"])))
    rows: list[list[Item]] = []
    top = None
    for item in by_y:
        if top is None or float(item["y"]) - top > tolerance:
            rows.append([])
            top = float(item["y"])
        rows[-1].append(item)
    return [i for row in rows for i in sorted(row, key=lambda i: (float(i["x"]), str(i["id"])))]


def sections(snapshot: dict[str, Any]) -> list[tuple[Item | None, list[Item]]]:
    """(group, its notes) in reading order, then (None, ungrouped notes) if there are any."""
    groups = reading_order(list(snapshot.get("groups") or []))
    known = {g["id"] for g in groups}
    members: dict[str | None, list[Item]] = {}
    for note in snapshot.get("notes") or []:
        gid = note.get("group_id")
        members.setdefault(gid if gid in known else None, []).append(note)
    out: list[tuple[Item | None, list[Item]]] = [
        (g, reading_order(members.get(g["id"], []))) for g in groups
    ]
    if members.get(None):
        out.append((None, reading_order(members[None])))
    return out


def group_title(group: Item | None) -> str:
    """A group's title on one line; ungrouped notes and blank titles get a stand-in."""
    if group is None:
        return "Ungrouped"
    title = " ".join(str(group.get("title") or "").split())
    return title or "Untitled group"


def vote_totals(snapshot: dict[str, Any]) -> dict[str, int]:
    """The latest ended vote's dots per note (empty: the board never finished a vote)."""
    votes = snapshot.get("votes") or []
    if not votes:
        return {}
    out: dict[str, int] = {}
    for dot in votes[-1]["dots"]:
        out[dot["note_id"]] = out.get(dot["note_id"], 0) + dot["count"]
    return out
