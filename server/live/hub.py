"""The hub: what the store and the event stream need to publish and listen, per board."""

from __future__ import annotations

from typing import Protocol

from .fanout import TICK, Fanout
from .messages import Event
from .subscription import Subscription


class LiveHub(Protocol):
    """What the store and the event stream need from a hub. A broker-backed one for several
    processes implements these four: its publish sends the event to the broker, and a
    receiver in each process hands what arrives to a local Fanout, which owns that
    process's listeners, the tick and the coalescing."""

    def subscribe(self, board_id: str, who: str | None = None) -> Subscription: ...
    def unsubscribe(self, sub: Subscription) -> None: ...
    def publish(self, board_id: str, event: Event) -> None: ...
    def count(self, board_id: str) -> int: ...


class Hub:
    """In-process hub: publish goes straight to the local fan-out; presence on join/leave."""

    def __init__(self, queue_size: int = 512, tick: float = TICK,
                 background: bool = True) -> None:
        self.queue_size = queue_size  # frames a listener may fall behind before a resync
        self.fanout = Fanout(tick, background)

    def subscribe(self, board_id: str, who: str | None = None) -> Subscription:
        """Join a board; everyone there (the newcomer too) gets the new presence count.

        `who` names the browser: its tabs count as one person (None: the tab alone)."""
        sub = Subscription(self, board_id, self.queue_size, who)
        self.fanout.add(sub)
        self._presence(board_id)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        """Leave a board; the others get the new presence count."""
        if self.fanout.remove(sub):
            self._presence(sub.board_id)

    def publish(self, board_id: str, event: Event) -> None:
        """Hand the event to the board's listeners within a tick; never blocks."""
        self.fanout.deliver(board_id, event)

    def count(self, board_id: str) -> int:
        """How many people listen to the board: a browser with three tabs open is one."""
        return len({sub.who or id(sub) for sub in self.fanout.listeners(board_id)})

    def flush(self) -> int:
        """Send every waiting frame now (tests drive the tick by hand with background=False)."""
        return self.fanout.flush()

    def _presence(self, board_id: str) -> None:
        self.publish(board_id, {"type": "presence", "count": self.count(board_id)})
