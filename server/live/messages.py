"""What travels from the hub to a listener: events, each encoded once, and frames of them."""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from .. import privacy

Event = dict[str, Any]
RESYNC: Event = {"type": "resync"}
HANGUP: Event = {"type": "hangup"}  # internal: the listener's connection is gone
BATCH_TYPE = "batch"  # the SSE message holding several events: {"type": "batch", "events"}
# Events a stream must look at one by one (it ends, or asks whether it may go on).
CONTROL_TYPES = frozenset({"hangup", "resync", "board_deleted", "access_revoked"})
# Events only some listeners may see (a vote's dot goes to its voter alone): a frame holding
# one is never sent as the board's shared text.
# A change of the board's modes (private mode, authors shown) changes what the events after it
# may show a listener, so it too is written event by event, in order.
PRIVATE_TYPES = frozenset({"dot", "modes"})


class Message(dict):
    """An event as published: a dict, plus its JSON encoded once for every listener."""

    @cached_property
    def json(self) -> str:
        return json.dumps(self, separators=(",", ":"))


def as_message(event: Event) -> Message:
    """The event as a Message (itself when it already is one)."""
    return event if isinstance(event, Message) else Message(event)


def format_event(event: Event) -> bytes:
    """One SSE message, as it goes on the wire: `id:` is the seq on logged events, data is
    one JSON line."""
    return _sse(as_message(event).json, event.get("seq"))


def _sse(data: str, event_id: int | None) -> bytes:
    if event_id is None:
        return f"data: {data}\n\n".encode()
    return f"id: {event_id}\ndata: {data}\n\n".encode()


class Frame:
    """One tick of a board's events, coalesced, as every listener of the board gets it.

    `first` and `last` are the lowest and highest seq of the events published in the tick
    (before coalescing dropped any), so a listener that already sent seq <= n from the log
    knows which frames, or which part of one, it still owes. The SSE text is built once per
    frame and shared by all listeners: the cost is listeners x ticks, not listeners x events.
    It is bytes, so no listener copies it to encode it (500 listeners spent a sixth of the
    worker's core in str.encode, bench/README.md).
    """

    def __init__(self, events: list[Message], first: int | None = None,
                 last: int | None = None) -> None:
        self.events = events
        self.first, self.last = first, last
        self.plain = not any(e.get("type") in CONTROL_TYPES or e.get("type") in PRIVATE_TYPES
                             for e in events)
        # Notes that are hidden or name their author read differently per listener
        # (privacy.py): such a frame has one text per view key instead of one for all.
        self.sensitive = any(privacy.sensitive(e) for e in events)
        self._hidden_authors: set[str] | None = None
        self._views: dict[tuple, bytes] = {}

    @classmethod
    def of(cls, event: Event) -> Frame:
        """A frame holding one event as it is."""
        seq = event.get("seq")
        return cls([as_message(event)], seq, seq)

    @cached_property
    def wire(self) -> bytes:
        """The frame as one SSE message: the event itself, or a batch whose id is the last
        seq in it (a browser that saw it reconnects after all of it). What anyone may see:
        server-only fields are dropped, hidden notes face down, authors unnamed."""
        return self._encode(privacy.ANYONE)

    def wire_for(self, viewer: privacy.Viewer) -> bytes:
        """The frame as this listener may see it; encoded once per view key."""
        if not self.sensitive:
            return self.wire
        if self._hidden_authors is None:
            self._hidden_authors = privacy.hidden_authors(self.events)
        key = privacy.view_key(viewer, self._hidden_authors)
        wire = self._views.get(key)
        if wire is None:  # two streams racing here only encode it twice
            wire = self._views[key] = self._encode(viewer)
        return wire

    def _encode(self, viewer: privacy.Viewer) -> bytes:
        events = [as_message(privacy.view_event(e, viewer)) if privacy.note_rows(e) else e
                  for e in self.events]
        if len(events) == 1:
            return format_event(events[0])
        data = (f'{{"type":"{BATCH_TYPE}","events":['
                + ",".join(e.json for e in events) + "]}")
        return _sse(data, self.last)

    def __repr__(self) -> str:
        return f"Frame({self.first}-{self.last}, {[e.get('type') for e in self.events]})"
