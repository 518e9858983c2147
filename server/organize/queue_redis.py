"""Organize runs take turns across every process that shares one Redis (with --redis).

The same line as queue.RunQueue, kept in Redis: several `herd serve` processes (or
--workers) on the same model servers run at most `slots` Organizes at once between them,
first come, first served, and a waiting board's place counts every process's runs.

Under herd:organize:queue: `seq` numbers arrivals, `line` holds the waiting tickets scored
by arrival, `running` the tickets that have their turn, `leases` each ticket's expiry on
Redis's clock (one clock for every host). A waiting run renews its lease each time it looks
at the line, a running one from a small thread until done(); a process that dies stops
renewing, and the next look at the line after `lease` seconds drops its tickets, so the line
never waits on the dead.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import redis as redis_py

from ..errors import Unavailable
from .pipeline import Cancelled
from .queue import POLL
from .share import LEASE, PREFIX

log = logging.getLogger(__name__)
KEYS = [PREFIX + "queue:" + k for k in ("line", "running", "leases", "seq")]
AWAY = ("Herd's shared live state (Redis) is not answering, so this run lost its place in "
        "line for the model servers. Start it again in a moment; the board is unchanged.")

# Every step first drops the tickets whose lease ran out, so no turn is decided, and no
# place counted, with a dead process's runs in it.
_DROP = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local gone = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)
for _, dead in ipairs(gone) do
  redis.call('ZREM', KEYS[1], dead)
  redis.call('SREM', KEYS[2], dead)
  redis.call('ZREM', KEYS[3], dead)
end
"""

# ARGV: ticket, lease (ms), slots. Returns {place, ahead}, or {0, 0} when the ticket has its
# turn. A ticket not in line joins at the back: on the first look, and again after Redis
# restarted empty or dropped a ticket whose process stalled past its lease.
_STEP = _DROP + """
local ticket, lease, slots = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
if redis.call('SISMEMBER', KEYS[2], ticket) == 1 then
  return {0, 0}  -- a retried step whose answer was lost on the way: the turn is ours
end
if not redis.call('ZSCORE', KEYS[1], ticket) then
  redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[4]), ticket)
end
local rank = redis.call('ZRANK', KEYS[1], ticket)
local running = redis.call('SCARD', KEYS[2])
redis.call('ZADD', KEYS[3], now + lease, ticket)
if rank == 0 and running < slots then
  redis.call('ZREM', KEYS[1], ticket)
  redis.call('SADD', KEYS[2], ticket)
  return {0, 0}
end
return {rank + 1, rank + running}
"""

# ARGV: ticket, lease (ms). 1 while the ticket runs, 0 once it was dropped.
_RENEW = _DROP + """
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[3], 'XX', now + tonumber(ARGV[2]), ARGV[1])
return 1
"""

_LEAVE = """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
"""

_WAITING = _DROP + "return redis.call('ZCARD', KEYS[1])"


class RedisRunQueue:
    """At most `slots` runs at once across the processes sharing `redis`; the rest wait in
    the order they asked. Every process should be given the same `slots`."""

    def __init__(self, redis: Any, slots: int = 1, lease: float = LEASE) -> None:
        if slots < 1:
            raise ValueError("a run queue needs at least one slot")
        self.slots, self.lease = slots, lease
        self._step = redis.register_script(_STEP)
        self._renew = redis.register_script(_RENEW)
        self._leave = redis.register_script(_LEAVE)
        self._waiting = redis.register_script(_WAITING)
        self._held: dict[str, threading.Event] = {}  # running tickets: stop their renewal
        self._lock = threading.Lock()

    def wait_turn(self, ticket: str, told: Callable[[int, int], None],
                  cancelled: Callable[[], bool]) -> None:
        """Block until `ticket` may run, as RunQueue.wait_turn: `told(place, ahead)` each time
        its place changes, Cancelled once `cancelled()` is true. Raises Unavailable when Redis
        stays away longer than the lease (the line would have dropped the ticket by then)."""
        last: tuple[int, int] | None = None
        answered = time.monotonic()
        try:
            while True:
                now: tuple[int, int] | None = None  # stays None while Redis is away
                try:
                    place, ahead = self._step(keys=KEYS, args=[
                        ticket, int(self.lease * 1000), self.slots])
                    now, answered = (place, ahead), time.monotonic()
                except redis_py.RedisError as e:
                    if time.monotonic() - answered > self.lease:
                        raise Unavailable(AWAY) from e
                    log.warning("Organize run %s could not look at the line: %s", ticket, e)
                if now == (0, 0):
                    self._hold(ticket)
                    return
                if cancelled():
                    raise Cancelled
                if now is not None and now != last:
                    told(*now)  # outside any step: telling publishes to the board
                    last = now
                time.sleep(POLL)
        except BaseException:
            self._quit(ticket)
            raise

    def done(self, ticket: str) -> None:
        """The run is over (finished, failed or cancelled): the next in line may go."""
        with self._lock:
            stop = self._held.pop(ticket, None)
        if stop is not None:
            stop.set()
        self._quit(ticket)

    def waiting(self) -> int:
        """How many runs wait now, on every process."""
        return int(self._waiting(keys=KEYS))

    def _hold(self, ticket: str) -> None:
        """Renew a running ticket's lease from a small thread until done()."""
        stop = threading.Event()
        with self._lock:
            self._held[ticket] = stop
        threading.Thread(target=self._keep, args=(ticket, stop), daemon=True,
                         name=f"organize-queue-{ticket}").start()

    def _keep(self, ticket: str, stop: threading.Event) -> None:
        while not stop.wait(self.lease / 3):
            try:
                if not self._renew(keys=KEYS, args=[ticket, int(self.lease * 1000)]):
                    log.warning("Organize run %s lost its turn on the model servers", ticket)
                    return
            except redis_py.RedisError as e:  # away a moment: the lease outlasts it
                log.warning("renewing Organize run %s's turn failed: %s", ticket, e)

    def _quit(self, ticket: str) -> None:
        """Leave the line or give up the turn; with Redis away, the lease does it later."""
        try:
            self._leave(keys=KEYS, args=[ticket])
        except redis_py.RedisError as e:
            log.warning("Organize run %s could not leave the line: %s", ticket, e)
