"""A process's listeners per board, and the tick that turns a board's events into frames.

This is the listener side of a hub: whatever carries events between processes (the
in-process Hub today, a broker later) hands each event to `deliver`, and this decides what
each local listener is sent and when. The first event on a quiet board goes out at once;
while events keep coming, a board gets at most one frame per tick, however many events and
listeners it has, so its cost grows with listeners x ticks, not listeners x events.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from .coalesce import coalesce
from .messages import Event, Frame, Message, as_message
from .subscription import Subscription

TICK = 0.05  # seconds: see bench/README.md, "Fan-out", for how it was chosen


def make_frame(events: list[Message]) -> Frame:
    """One tick's events (in publish order) as the frame every listener gets."""
    seqs = [e["seq"] for e in events if isinstance(e.get("seq"), int)]
    return Frame(coalesce(events), min(seqs, default=None), max(seqs, default=None))


class Fanout:
    """Listeners per board; events wait at most one tick, then go out as one frame."""

    def __init__(self, tick: float = TICK, background: bool = True,
                 sleep: Callable[[float], None] | None = None) -> None:
        self.tick = tick
        self.background = background  # False: the caller flushes (tests, deterministic)
        # Looked up per call by default: gevent's monkey-patching replaces time.sleep.
        self._sleep = sleep or (lambda seconds: time.sleep(seconds))
        self._lock = threading.Lock()
        self._subs: dict[str, set[Subscription]] = {}
        self._pending: dict[str, list[Message]] = {}
        self._flushing: set[str] = set()  # boards whose flusher is running

    def add(self, sub: Subscription) -> None:
        """A local listener joins its board."""
        with self._lock:
            self._subs.setdefault(sub.board_id, set()).add(sub)

    def remove(self, sub: Subscription) -> bool:
        """A listener leaves; False when it was not there."""
        with self._lock:
            subs = self._subs.get(sub.board_id)
            if subs is None or sub not in subs:
                return False
            subs.discard(sub)
            if not subs:
                del self._subs[sub.board_id]
                self._pending.pop(sub.board_id, None)
            return True

    def listeners(self, board_id: str) -> list[Subscription]:
        """The board's local listeners now."""
        with self._lock:
            return list(self._subs.get(board_id, ()))

    def deliver(self, board_id: str, event: Event) -> None:
        """Queue the event for the board's next frame; never blocks on a listener.

        Called in publish order (the store publishes under its write lock), and frames keep
        that order."""
        message = as_message(event)
        with self._lock:
            if board_id not in self._subs:
                return  # nobody listens to this board here
            self._pending.setdefault(board_id, []).append(message)
            start = self.background and board_id not in self._flushing
            if start:
                self._flushing.add(board_id)
        if start:
            threading.Thread(target=self._run, args=(board_id,), daemon=True,
                             name=f"herd-live-{board_id}").start()

    def flush(self, board_id: str | None = None) -> int:
        """Send each board with waiting events (or the one given) its frame now; frames sent."""
        with self._lock:
            boards = [board_id] if board_id is not None else list(self._pending)
        sent = 0
        for board in boards:
            with self._lock:
                events = self._pending.pop(board, None)
                subs = list(self._subs.get(board, ()))
            if not events:
                continue
            frame = make_frame(events)  # coalesced and encoded once for every listener
            for sub in subs:
                sub.offer(frame)
            sent += 1
        return sent

    def _run(self, board_id: str) -> None:
        """A board's flusher: a frame now, then one per tick while events keep coming."""
        while True:
            self.flush(board_id)
            self._sleep(self.tick)  # gather the events of one tick into the next frame
            with self._lock:
                if not self._pending.get(board_id):
                    self._flushing.discard(board_id)  # the next event starts a new flusher
                    return
