"""Coalescing one tick of a board's events: what a listener needs, in the order published.

Pure: no clock, no queues. A `changes` event lists rows in their final state, so a later
change of the same row (a note dragged 10 times in a tick) says all an earlier one said:
the earlier change is dropped, and an event left with no change goes. A 'patch' says only the
columns it names: it covers an earlier patch of no other columns, never a whole row (the
text written just before a move still has to go out). Everything else keeps its place, so
the order across rows, kinds and event types is the published one.
"""

from __future__ import annotations

from .messages import Message

# Events that replace the previous one of their type outright: only the last one matters.
LAST_WINS = frozenset({"presence"})


def _key(change: dict) -> tuple[str, str]:
    return change.get("kind", ""), (change.get("item") or {}).get("id", "")


ALL = None  # a later whole row or delete: it covers every earlier change of the row


def _columns(change: dict) -> frozenset[str] | None:
    """What a change says of its row: some columns (a patch) or ALL."""
    if change.get("op") != "patch":
        return ALL
    return frozenset(change.get("item") or ()) - {"id", "version", "updated_at"}


def coalesce(events: list[Message]) -> list[Message]:
    """The events a listener needs from this tick, oldest first, superseded parts dropped."""
    # (kind, id) -> what later changes of the row said: ALL, or the columns patched since.
    covered: dict[tuple[str, str], frozenset[str] | None] = {}
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
            said = _columns(change)
            if key in covered:
                later = covered[key]
                if later is ALL or (said is not ALL and said <= later):
                    continue  # everything it says is said again later in the tick
                covered[key] = ALL if said is ALL else later | said
            else:
                covered[key] = said
            kept.append(change)
        if changes and not kept:
            continue  # every row it touched changes again later in the tick
        if len(kept) < len(changes):
            kept.reverse()
            event = Message({**event, "changes": kept})
        out.append(event)
    out.reverse()
    return out
