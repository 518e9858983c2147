"""Organize runs take turns on the model servers, first come, first served, across boards.

The model servers are the bottleneck (a 2-core laptop runs one Organize at full speed, two
at half speed each), so runs beyond `slots` wait in line instead of all slowing down at
once, and each waiting run is told its place whenever it changes, so a board that waits
says so instead of looking stuck.

This line is one process's; with --redis every process shares one (queue_redis.py), and
`Turns` is what both offer, so the Organizer never knows which it has.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

from .pipeline import Cancelled

POLL = 0.25  # seconds between a waiting run's looks at its cancel flag


class Turns(Protocol):
    """What an Organizer asks of a run queue (RunQueue, or queue_redis.RedisRunQueue)."""

    slots: int

    def wait_turn(self, ticket: str, told: Callable[[int, int], None],
                  cancelled: Callable[[], bool]) -> None: ...

    def done(self, ticket: str) -> None: ...

    def waiting(self) -> int: ...


class RunQueue:
    """At most `slots` runs at once; the rest wait in the order they asked."""

    def __init__(self, slots: int = 1) -> None:
        if slots < 1:
            raise ValueError("a run queue needs at least one slot")
        self.slots = slots
        self._cond = threading.Condition()
        self._waiting: list[str] = []
        self._running: set[str] = set()

    def wait_turn(self, ticket: str, told: Callable[[int, int], None],
                  cancelled: Callable[[], bool]) -> None:
        """Block until `ticket` may run. While it waits, `told(place, ahead)` is called each
        time its place changes (place 1 is next; `ahead` counts the runs before it, running
        or waiting). Raises Cancelled (and leaves the line) once `cancelled()` is true."""
        last: tuple[int, int] | None = None
        with self._cond:
            self._waiting.append(ticket)
        try:
            while True:
                with self._cond:
                    pos = self._waiting.index(ticket)
                    if pos == 0 and len(self._running) < self.slots:
                        self._waiting.pop(0)
                        self._running.add(ticket)
                        self._cond.notify_all()  # the next in line may have a slot too
                        return
                    now = (pos + 1, pos + len(self._running))
                if cancelled():
                    raise Cancelled
                if now != last:
                    told(*now)  # outside the lock: telling publishes to the board
                    last = now
                with self._cond:
                    if self._waiting.index(ticket) + 1 == now[0] and \
                            len(self._running) == now[1] - now[0] + 1:
                        self._cond.wait(POLL)
        except BaseException:
            with self._cond:
                if ticket in self._waiting:
                    self._waiting.remove(ticket)
                    self._cond.notify_all()
            raise

    def done(self, ticket: str) -> None:
        """The run is over (finished, failed or cancelled): the next in line may go."""
        with self._cond:
            self._running.discard(ticket)
            self._cond.notify_all()

    def waiting(self) -> int:
        """How many runs wait now."""
        with self._cond:
            return len(self._waiting)
