"""One listener on one board: a bounded queue of frames the fan-out fills and it drains."""

from __future__ import annotations

import queue
from collections import deque
from typing import TYPE_CHECKING

from .direct import Direct, Tail
from .messages import HANGUP, RESYNC, Event, Frame

if TYPE_CHECKING:
    from .hub import LiveHub


class Subscription:
    """A listener's queue: frames (one per tick of its board), bounded however slow it is."""

    def __init__(self, hub: LiveHub, board_id: str, maxsize: int,
                 who: str | None = None) -> None:
        self.hub, self.board_id = hub, board_id
        self.who = who  # the browser (not the tab) listening, for presence
        # `queue` is looked up here, not at import: under gunicorn's gevent worker it is the
        # monkey-patched, cooperative one.
        self._queue: queue.Queue[Frame] = queue.Queue(maxsize)
        self._unpacked: deque[Event] = deque()  # get(): the rest of the last frame
        # Set by the fan-out when the queue was full: the listener missed events and must
        # re-read the board. Memory stays bounded however slow the listener is.
        self.overflowed = False
        self.closed = False
        self.hung_up = False  # the connection is gone: nothing more is worth writing
        # Set only while the listener waits in get_frame: the fan-out may write to its
        # socket itself (direct.py).
        self._direct: Direct | None = None

    def offer(self, frame: Frame) -> None:
        """Called by the fan-out: write the frame to a waiting listener's socket when it
        has nothing queued (direct.py), else queue it, or mark the listener as behind."""
        direct = self._direct
        if direct is not None and not self.overflowed and self._queue.empty():
            owed = direct.send(frame)
            if owed == b"":
                return
            self._direct = None  # until it waits again, with this frame or its Tail first
            if owed is not None:
                frame = Tail(owed)
        try:
            self._queue.put_nowait(frame)
        except queue.Full:
            self.overflowed = True

    def get_frame(self, timeout: float | None = None, direct: Direct | None = None
                  ) -> Frame | None:
        """The next frame (a Tail: bytes the listener sends before anything else, as they
        are), a RESYNC frame after an overflow, or None when `timeout` passes. With `direct`,
        the fan-out writes frames to the listener's socket itself while it waits with
        nothing queued."""
        if self.hung_up:
            return Frame.of(HANGUP)
        if self.overflowed:
            return self._resync()
        # Everything the listener wrote before this has gone whole (its writes return only
        # then), so a write of the fan-out's cannot land inside one of them.
        self._direct = direct
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None
        finally:
            self._direct = None

    def frames_ready(self, limit: int) -> list[Frame]:
        """Up to `limit` frames already queued, without waiting (none after an overflow)."""
        out: list[Frame] = []
        while len(out) < limit and not self.overflowed:
            try:
                out.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return out

    def get(self, timeout: float | None = None) -> Event | None:
        """The next event, one at a time out of the frames (for in-process consumers)."""
        if self.overflowed:
            return self._resync().events[0]
        if not self._unpacked:
            frame = self.get_frame(timeout)
            if frame is None:
                return None
            self._unpacked.extend(frame.events)
        return self._unpacked.popleft()

    def hang_up(self) -> None:
        """The connection closed: leave now and wake the listener so its stream ends."""
        self.hung_up = True  # seen even when the queue is full
        self.close()
        self.offer(Frame.of(HANGUP))

    def close(self) -> None:
        """Leave the board (idempotent)."""
        if not self.closed:
            self.closed = True
            self.hub.unsubscribe(self)

    def _resync(self) -> Frame:
        """Drop the stale backlog: the client re-reads the board instead. A Tail (only ever
        first in the queue) goes out before: the chunk it ends is already half on the wire."""
        self._unpacked.clear()
        try:
            first = self._queue.get_nowait()
        except queue.Empty:
            first = None
        if isinstance(first, Tail):
            return first  # still overflowed: the resync comes with the next call
        self.overflowed = False
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return Frame.of(dict(RESYNC))
