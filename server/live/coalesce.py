"""Coalescing one tick of a board's events: what a listener needs, in the order published.

Pure: no clock, no queues. A `changes` event lists rows in their final state, so a later
change of the same row (a note dragged 10 times in a tick) says all an earlier one said:
the earlier change is dropped, and an event left with no change goes. Everything else keeps
its place, so the order across rows, kinds and event types is the published one.
"""

from __future__ import annotations

from .messages import Message

# Events that replace the previous one of their type outright: only the last one matters.
LAST_WINS = frozenset({"presence"})


def _key(change: dict) -> tuple[str, str]:
    return change.get("kind", ""), (change.get("item") or {}).get("id", "")


def coalesce(events: list[Message]) -> list[Message]:
    """The events a listener needs from this tick, oldest first, superseded parts dropped."""
    seen_rows: set[tuple[str, str]] = set()
    seen_types: set[str] = set()
    out: list[Message] = []
    for event in reversed(events):  # newest first: whatever comes later wins
        kind = event.get("type")
        if kind in LAST_WINS:
            if kind not in seen_types:
                seen_types.add(kind)
                out.append(event)
            continue
        if kind != "changes":
            out.append(event)
            continue
        changes = event.get("changes") or []
        kept = []
        for change in reversed(changes):
            key = _key(change)
            if key not in seen_rows:
                seen_rows.add(key)
                kept.append(change)
        if changes and not kept:
            continue  # every row it touched changes again later in the tick
        if len(kept) < len(changes):
            kept.reverse()
            event = Message({**event, "changes": kept})
        out.append(event)
    out.reverse()
    return out
