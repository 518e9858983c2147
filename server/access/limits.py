"""Per-caller limits: request rates and a count of open live streams. Both key on the session
(or token) and on the address, so one client cannot starve the rest, and opening the link
again for a fresh session does not lift the address's share.

Rates are written in the `limits` library's notation ("60/second"). With several processes
they are counted in Redis (RedisFixedWindows, one round trip every 0.1 s); in one process they
are counted here: `limits`' MemoryStorage starts a timer thread every 10 ms to expire
keys, which bench/gate.py measured at +0.6 ms a request (685 vs 1,298 us a note move).

Open live streams are counted per process (LocalStreamSlots) even with Redis: a count that a
killed process never gives back would lock its callers out, and each process's own cap
already bounds what one client can hold there."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any, Protocol

import limits
import limits.storage
import limits.strategies

from ..errors import RateLimited

log = logging.getLogger(__name__)


class FixedWindows:
    """Fixed-window counters in this process, expired lazily: the `limits` strategy
    interface (test, hit, get_window_stats) without a background timer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[tuple, tuple[float, int]] = {}  # key -> (window end, count)

    def _current(self, item: limits.RateLimitItem, key: tuple, now: float) -> tuple[float, int]:
        end, count = self._windows.get(key, (0.0, 0))
        if now >= end:
            end, count = now + item.get_expiry(), 0
        return end, count

    def test(self, item: limits.RateLimitItem, *ids: str) -> bool:
        with self._lock:
            return self._current(item, (str(item), *ids), time.time())[1] < item.amount

    def hit(self, item: limits.RateLimitItem, *ids: str) -> bool:
        key, now = (str(item), *ids), time.time()
        with self._lock:
            end, count = self._current(item, key, now)
            if len(self._windows) > 100_000:  # callers come and go: forget ended windows
                self._windows = {k: w for k, w in self._windows.items() if w[0] > now}
            self._windows[key] = (end, count + 1)
            return count < item.amount

    def get_window_stats(self, item: limits.RateLimitItem, *ids: str) -> limits.WindowStats:
        with self._lock:
            end, count = self._current(item, (str(item), *ids), time.time())
        return limits.WindowStats(end, max(0, item.amount - count))


class RedisFixedWindows:
    """Fixed-window counters every process shares, in Redis, added to there in batches.

    Each process counts its own requests at once and adds them into Redis (one pipeline of
    INCRBY + EXPIRE per window touched) when a request comes SYNC seconds or more after the
    last sync, reading back the totals every process has put there. One round trip per
    request cost ~12% of a worker's time at 600 moves/s (py-spy, bench/README.md); now it
    is one every SYNC seconds. What another process counted shows here within about SYNC
    seconds, so a client spreading a flood across processes may get up to SYNC x its rate
    more through each; inside one process the count is exact. A refused request still
    counts in its window, which only makes a flood wait longer."""

    PREFIX = "herd:rate:"
    SYNC = 0.1  # seconds between syncs with Redis, at most one round trip per interval

    def __init__(self, redis: Any, sync: float = SYNC) -> None:
        self.redis, self.sync_every = redis, sync
        self._lock = threading.Lock()
        self._known: dict[str, int] = {}  # key -> Redis's total as of the last sync
        self._pending: Counter[str] = Counter()  # key -> this process's hits not yet added
        self._sending: Counter[str] = Counter()  # the hits a sync is adding right now
        self._windows: dict[str, tuple[int, float]] = {}  # key -> (its length, its end)
        self._synced = -math.inf  # time.monotonic() of the last sync
        self._in_flight = False  # a sync is waiting for Redis: nobody starts another

    def hit_all(self, checks: list[tuple[limits.RateLimitItem, str]], name: str
                ) -> tuple[limits.RateLimitItem, float] | None:
        """Count one request in each window; the first limit it went past and when that
        window ends, or None. Raises if Redis is away when it is time to sync (the caller
        counts in its process meanwhile; the hits stay here and are added later)."""
        now, windows = time.time(), []
        with self._lock:
            for item, who in checks:
                expiry = item.get_expiry()
                window = int(now // expiry)
                key = f"{self.PREFIX}{item}:{name}:{who}:{window}"
                windows.append((item, key, (window + 1) * expiry))
                self._pending[key] += 1
                self._windows[key] = (expiry, (window + 1) * expiry)
            due = (not self._in_flight
                   and time.monotonic() - self._synced >= self.sync_every)
        if due:
            self.sync()  # then the totals below are Redis's as of now
        with self._lock:
            for item, key, end in windows:
                total = self._known.get(key, 0) + self._sending[key] + self._pending[key]
                if total > item.amount:
                    return item, end
        return None

    def sync(self) -> None:
        """Add this process's hits into Redis and learn every process's totals."""
        with self._lock:
            # Claimed before the round trip, one at a time: requests meanwhile (other
            # greenlets) go on counting here. Two syncs overlapping, the first to finish
            # dropped the second's hits from `_sending` before Redis had them.
            if self._in_flight:
                return  # the one under way carries on; these hits go with the next
            self._synced = time.monotonic()
            batch, self._pending = self._pending, Counter()
            if not batch:
                return
            self._sending, self._in_flight = batch, True
        try:
            pipe = self.redis.pipeline(transaction=False)
            for key, hits in batch.items():
                pipe.incrby(key, hits)
                pipe.expire(key, self._windows[key][0] + 1)
            totals = pipe.execute()[::2]
        except BaseException:
            with self._lock:
                self._pending.update(batch)  # not added: the next request tries again
                self._sending, self._synced, self._in_flight = Counter(), -math.inf, False
            raise
        now = time.time()
        with self._lock:
            self._sending, self._in_flight = Counter(), False
            for key, total in zip(batch, totals, strict=True):
                self._known[key] = int(total)
            # Windows that have ended are forgotten, unless hits for them still wait here.
            self._windows = {k: w for k, w in self._windows.items()
                             if w[1] > now or k in self._pending}
            self._known = {k: t for k, t in self._known.items() if k in self._windows}


def shared_counters(redis: Any) -> RedisFixedWindows | None:
    """The counters every process shares (Redis), or None: count in this process."""
    return RedisFixedWindows(redis) if redis is not None else None


class Rates:
    """Named rate limits, each checked for the caller's key and for their address."""

    def __init__(self, rules: dict[str, tuple[str, str]],
                 storage: limits.storage.Storage | RedisFixedWindows | None = None) -> None:
        self._local = FixedWindows()
        self._warned = 0.0  # when the last "Redis away" warning was logged
        self._shared = storage if isinstance(storage, RedisFixedWindows) else None
        self._limiter = (self._local if storage is None or self._shared is not None
                         else limits.strategies.SlidingWindowCounterRateLimiter(storage))
        self._rules = {name: (limits.parse(per_key), limits.parse(per_address))
                       for name, (per_key, per_address) in rules.items()}

    def hit(self, name: str, key: str | None, address: str, what: str) -> None:
        """Count one request against both limits (a None key: the address's alone);
        RateLimited, with nothing counted, if either is used up."""
        per_key, per_address = self._rules[name]
        checks = [(per_address, "a:" + address)]
        if key is not None:
            checks.append((per_key, "k:" + key))
        try:
            if self._shared is not None:
                over = self._shared.hit_all(checks, name)
                if over is not None:
                    wait = max(1, math.ceil(over[1] - time.time()))
                    raise RateLimited(f"Too many {what} from you at once: wait {wait} s and "
                                      "try again.", retry_after=wait)
            else:
                self._check(self._limiter, name, checks, what)
        except RateLimited:
            raise
        except Exception as e:  # the shared counters are away: count here meanwhile, so
            # writes go on (the database is what matters) and limits still hold per process
            if time.monotonic() - self._warned > 10:  # once in a while, not per request
                self._warned = time.monotonic()
                log.warning("shared rate-limit counters unreachable (%s): counting locally", e)
            self._check(self._local, name, checks, what)

    @staticmethod
    def _check(limiter, name: str, checks: list, what: str) -> None:
        for item, who in checks:
            if not limiter.test(item, name, who):
                stats = limiter.get_window_stats(item, name, who)
                wait = max(1, math.ceil(stats.reset_time - time.time()))
                raise RateLimited(f"Too many {what} from you at once: wait {wait} s and try "
                                  "again.", retry_after=wait)
        for item, who in checks:
            limiter.hit(item, name, who)


class StreamSlots(Protocol):
    def acquire(self, key: str | None, address: str) -> Callable[[], None]: ...


class LocalStreamSlots:
    """Open live streams per caller key and per address, in this process."""

    def __init__(self, per_key: int, per_address: int) -> None:
        self.per_key, self.per_address = per_key, per_address
        self._lock = threading.Lock()
        self._open: Counter[str] = Counter()

    def acquire(self, key: str | None, address: str) -> Callable[[], None]:
        """Take a slot (RateLimited when either count is full); returns the release. A None
        key counts against the address alone."""
        names = ("a:" + address,) if key is None else ("a:" + address, "k:" + key)
        with self._lock:
            full = [n for n, cap in zip(names, (self.per_address, self.per_key), strict=False)
                    if self._open[n] >= cap]
            if full:
                raise RateLimited(
                    f"Too many live connections from you (at most {self.per_key} per person, "
                    f"{self.per_address} per address): close some tabs of this board.",
                    retry_after=5)
            self._open.update(names)
        released = False

        def release() -> None:
            nonlocal released
            with self._lock:
                if not released:
                    released = True
                    self._open.subtract(names)
                    for n in names:
                        if self._open[n] <= 0:
                            del self._open[n]
        return release
