"""CPU-heavy work without stalling the server: under gevent it runs in a real OS thread.

`herd serve` is one gevent worker: every request and live stream shares one event loop, and a
greenlet that computes for 100 ms (grouping 1,000 notes) holds everyone's requests that long.
Handed to gevent's thread pool, the computation shares the GIL with the loop instead, which
keeps answering. Only pure computation belongs here: gevent's locks (and so the store) must
not be touched from that thread.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def run_cpu(fn: Callable[..., T], *args: Any) -> T:
    """fn(*args), off gevent's event loop when the process runs one; inline otherwise."""
    pool = _gevent_threadpool()
    if pool is None:
        return fn(*args)
    return pool.apply(fn, args)


def _gevent_threadpool() -> Any:
    monkey = sys.modules.get("gevent.monkey")
    if monkey is None or not monkey.is_module_patched("threading"):
        return None
    import gevent

    return gevent.get_hub().threadpool
