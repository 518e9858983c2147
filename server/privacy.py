"""What one person may be sent of a note (issue 10), decided here once for every way a note
leaves the server: the board read, the live stream and its Last-Event-ID replay, the answer
to a write and a 409's current row, and the exports.

- A note written in private mode is *hidden*: its author gets it whole; everyone else,
  facilitators included, a face-down card (colour, place, size, group; no text, no author).
- A note's author (their name on the board) goes to facilitators, and to everyone once the
  facilitator shows authors; `author_id` (a hash of the writer's session) to nobody.

Pure: rows and events in, filtered copies out; nothing is changed in place, because the
same event object is shared by every listener of a board.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# What a face-down card keeps: where it is and what it looks like, never what it says.
CARD = ("id", "board_id", "x", "y", "w", "h", "color", "group_id", "version", "created_at",
        "updated_at")
SERVER_ONLY = ("author_id",)
# What a live 'patch' of a note may carry (the rest of the row is unchanged): where and how it
# shows. runner_up (a doubt mark) is not on a face-down card, so a hidden note's patch has none.
PATCH_FIELDS = frozenset({"x", "y", "w", "h", "color", "group_id", "runner_up"})
CARD_PATCH_FIELDS = PATCH_FIELDS & frozenset(CARD)


@dataclass(frozen=True)
class Viewer:
    """Who a note is being sent to: their person id (store.votes.voter_of of the gate's
    Access.key, never taken from the client) and whether they may see authors' names."""

    person: str | None
    authors: bool = False


ANYONE = Viewer(None, False)  # the least anyone may see: what is safe to share by all


def hidden_from(row: dict[str, Any], viewer: Viewer) -> bool:
    """Whether the note's text is withheld from this viewer (hidden, and not theirs)."""
    return bool(row.get("hidden")) and (viewer.person is None
                                        or row.get("author_id") != viewer.person)


def view_note(row: dict[str, Any], viewer: Viewer) -> dict[str, Any]:
    """The note as this viewer may see it: whole, without its author, or face down."""
    if hidden_from(row, viewer):
        card = {k: row[k] for k in CARD if k in row}
        return {**card, "text": "", "author": None, "hidden": True, "face_down": True}
    out = {k: val for k, val in row.items() if k not in SERVER_ONLY}
    out["hidden"] = bool(out.get("hidden"))
    if not viewer.authors and "author" in out:
        out["author"] = None  # the same shape for all: only the name is withheld
    return out


def patch_of(row: dict[str, Any], fields: frozenset[str] | None) -> dict[str, Any] | None:
    """The note's change as a patch anyone may be sent (id, version, updated_at and the
    changed columns), or None when it changed more (its text, its author) or is new: then
    the whole row goes, through view_note."""
    allowed = CARD_PATCH_FIELDS if row.get("hidden") else PATCH_FIELDS
    if not fields or not fields <= allowed:
        return None
    return {"id": row["id"], **{f: row[f] for f in sorted(fields)},
            "version": row["version"], "updated_at": row["updated_at"]}


def view_notes(rows: Iterable[dict[str, Any]], viewer: Viewer) -> list[dict[str, Any]]:
    return [view_note(r, viewer) for r in rows]


def is_note(row: Any) -> bool:
    """A note row (not a group, not a delete marker): it has text."""
    return isinstance(row, dict) and "text" in row


def view_result(row: Any, viewer: Viewer) -> Any:
    """One entry of an /ops answer's results (a note, a group or {"id", "deleted"})."""
    return view_note(row, viewer) if is_note(row) else row


def view_event(event: dict[str, Any], viewer: Viewer) -> dict[str, Any]:
    """A live event as this viewer may see it (only 'changes' carry notes)."""
    if event.get("type") != "changes":
        return event
    changes = [{**c, "item": view_note(c["item"], viewer)}
               if c.get("kind") == "note" and c.get("op") == "upsert" else c
               for c in event.get("changes") or []]
    return {**event, "changes": changes}


def note_rows(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The note rows an event carries."""
    if event.get("type") != "changes":
        return []
    return [c["item"] for c in event.get("changes") or []
            if c.get("kind") == "note" and c.get("op") == "upsert"
            and isinstance(c.get("item"), dict)]


def sensitive(event: dict[str, Any]) -> bool:
    """Whether two viewers may be sent different versions of this event."""
    return any(r.get("hidden") or r.get("author") for r in note_rows(event))


def hidden_authors(events: Iterable[dict[str, Any]]) -> set[str]:
    """The people whose hidden notes these events carry (each sees their own whole)."""
    return {r["author_id"] for e in events for r in note_rows(e)
            if r.get("hidden") and r.get("author_id")}


def view_key(viewer: Viewer, authors_in_frame: set[str]) -> tuple[bool, str | None]:
    """Viewers with the same key get the same text of a frame, so it is encoded once per key
    rather than once per listener: whether they see names, and who they are only when the
    frame holds a hidden note of theirs."""
    return viewer.authors, viewer.person if viewer.person in authors_in_frame else None


def view_details(details: dict[str, Any] | None, viewer: Viewer) -> dict[str, Any] | None:
    """An error's details (a 409 carries the current row) as this viewer may see them."""
    if not details or not is_note(details.get("current")):
        return details
    return {**details, "current": view_note(details["current"], viewer)}


def view_snapshot(snapshot: dict[str, Any], viewer: Viewer,
                  face_down: bool = True) -> dict[str, Any]:
    """A board snapshot for this viewer; face_down=False leaves others' hidden notes out
    entirely (text exports, where an empty card would read as an empty note)."""
    notes = [n for n in snapshot.get("notes") or [] if face_down or not hidden_from(n, viewer)]
    return {**snapshot, "notes": view_notes(notes, viewer)}
