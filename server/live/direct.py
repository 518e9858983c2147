"""Frames the fan-out writes to a waiting listener's socket itself, without waking it.

Waking a listener to write one frame (the cooperative queue's get, two greenlet switches,
werkzeug's and gunicorn's response layers, then the send) cost about 0.1 ms per listener
per tick on the benchmark machine: 200 listeners at 20 ticks a second kept half a core
busy while the room moved only one note in four seconds each (bench/README.md, "Issue 11,
seventh round"). So while a stream waits with nothing queued, the fan-out hands the frame's
chunk straight to the stream's socket in one writev. What the socket does not take at once
is queued for the stream as a Tail, which the stream sends before anything else; from then
on the fan-out queues as before until the stream is waiting with nothing queued again.

Only under gunicorn's gevent worker (server/api/events.py decides): there the fan-out and
every stream are greenlets of one thread, so no write of the fan-out's ever lands in the
middle of one of the stream's, and the socket is a plain non-blocking one.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from .messages import Frame

LAST_CHUNK = b"0\r\n\r\n"


def chunk_parts(data: bytes) -> list[bytes]:
    """HTTP/1.1 chunked framing of `data` as parts for one vectored send (no copy of it)."""
    return [b"%X\r\n" % len(data), data, b"\r\n"]


class Tail(Frame):
    """The bytes of a frame's chunk that the socket did not take: sent next, as they are."""

    def __init__(self, raw: bytes) -> None:
        super().__init__([])
        self.raw = raw


class Direct:
    """A stream's socket, for the fan-out to write the stream's frames to while it waits.

    `wire(frame)` gives the frame's bytes as this stream would write them, or None when the
    stream must look at the frame itself (control events, a vote's dots, what it already
    sent); `sent(frame)` records that they went."""

    def __init__(self, sock: Any, chunked: bool, wire: Callable[[Frame], bytes | None],
                 sent: Callable[[Frame], None]) -> None:
        self.sock, self.chunked = sock, chunked
        self._wire, self._sent = wire, sent

    def send(self, frame: Frame) -> bytes | None:
        """Write the frame now: b"" when all of it went, the bytes still owed when the socket
        took only part (or none) of it, None when it is not for this path (nothing sent)."""
        data = self._wire(frame)
        if data is None:
            return None
        parts = chunk_parts(data) if self.chunked else [data]
        try:
            written = os.writev(self.sock.fileno(), parts)
        except BlockingIOError:
            written = 0
        except OSError:
            return None  # the connection is gone: the stream finds out on its own write
        self._sent(frame)
        total = sum(map(len, parts))
        return b"" if written == total else b"".join(parts)[written:]
