"""What travels from the hub to a listener: events, each encoded once, and frames of them."""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

Event = dict[str, Any]
RESYNC: Event = {"type": "resync"}
HANGUP: Event = {"type": "hangup"}  # internal: the listener's connection is gone
BATCH_TYPE = "batch"  # the SSE message holding several events: {"type": "batch", "events"}
# Events a stream must look at one by one (it ends, or asks whether it may go on).
CONTROL_TYPES = frozenset({"hangup", "resync", "board_deleted", "access_revoked"})
# Events only some listeners may see (a vote's dot goes to its voter alone): a frame holding
# one is never sent as the board's shared text.
PRIVATE_TYPES = frozenset({"dot"})


class Message(dict):
    """An event as published: a dict, plus its JSON encoded once for every listener."""

    @cached_property
    def json(self) -> str:
        return json.dumps(self, separators=(",", ":"))


def as_message(event: Event) -> Message:
    """The event as a Message (itself when it already is one)."""
    return event if isinstance(event, Message) else Message(event)


def format_event(event: Event) -> str:
    """One SSE message: `id:` is the seq on logged events, data is one JSON line."""
    data = as_message(event).json
    if "seq" in event:
        return f"id: {event['seq']}\ndata: {data}\n\n"
    return f"data: {data}\n\n"


class Frame:
    """One tick of a board's events, coalesced, as every listener of the board gets it.

    `first` and `last` are the lowest and highest seq of the events published in the tick
    (before coalescing dropped any), so a listener that already sent seq <= n from the log
    knows which frames, or which part of one, it still owes. The SSE text is built once per
    frame and shared by all listeners: the cost is listeners x ticks, not listeners x events.
    """

    def __init__(self, events: list[Message], first: int | None = None,
                 last: int | None = None) -> None:
        self.events = events
        self.first, self.last = first, last
        self.plain = not any(e.get("type") in CONTROL_TYPES or e.get("type") in PRIVATE_TYPES
                             for e in events)

    @classmethod
    def of(cls, event: Event) -> Frame:
        """A frame holding one event as it is."""
        seq = event.get("seq")
        return cls([as_message(event)], seq, seq)

    @cached_property
    def text(self) -> str:
        """The frame as one SSE message: the event itself, or a batch whose id is the last
        seq in it (a browser that saw it reconnects after all of it)."""
        if len(self.events) == 1:
            return format_event(self.events[0])
        data = (f'{{"type":"{BATCH_TYPE}","events":['
                + ",".join(e.json for e in self.events) + "]}")
        if self.last is None:
            return f"data: {data}\n\n"
        return f"id: {self.last}\ndata: {data}\n\n"

    def __repr__(self) -> str:
        return f"Frame({self.first}-{self.last}, {[e.get('type') for e in self.events]})"
