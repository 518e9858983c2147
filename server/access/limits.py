"""Per-caller limits: request rates through the `limits` library (the engine of
flask-limiter), and a count of open live streams. Both key on the session (or token) and on
the address, so one client cannot starve the rest, and opening the link again for a fresh
session does not lift the address's share.

In-process storage here; a deployment with several processes hands in a shared one."""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Protocol

import limits
import limits.storage
import limits.strategies

from ..errors import RateLimited


class Rates:
    """Named rate limits, each checked for the caller's key and for their address."""

    def __init__(self, rules: dict[str, tuple[str, str]],
                 storage: limits.storage.Storage | None = None) -> None:
        self._limiter = limits.strategies.SlidingWindowCounterRateLimiter(
            storage or limits.storage.MemoryStorage())
        self._rules = {name: (limits.parse(per_key), limits.parse(per_address))
                       for name, (per_key, per_address) in rules.items()}

    def hit(self, name: str, key: str | None, address: str, what: str) -> None:
        """Count one request against both limits (a None key: the address's alone);
        RateLimited, with nothing counted, if either is used up."""
        per_key, per_address = self._rules[name]
        checks = [(per_address, "a:" + address)]
        if key is not None:
            checks.append((per_key, "k:" + key))
        for item, who in checks:
            if not self._limiter.test(item, name, who):
                stats = self._limiter.get_window_stats(item, name, who)
                wait = max(1, math.ceil(stats.reset_time - time.time()))
                raise RateLimited(f"Too many {what} from you at once: wait {wait} s and try "
                                  "again.", retry_after=wait)
        for item, who in checks:
            self._limiter.hit(item, name, who)


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
