"""Live state two processes share through a real Redis: rate limits, the timer, the
spotlight and the Organize lock, each seen by a second instance as by the first."""

from __future__ import annotations

import threading
import time

import pytest
from redis_server import redis_server, redis_url  # noqa: F401 - fixtures

from server.access.limits import Rates, RedisFixedWindows
from server.errors import RateLimited
from server.organize.share import RedisRuns
from server.shared import connect
from server.spotlight import RedisSpotlights
from server.timer import RedisTimers

VIEW = {"x": 0.0, "y": 0.0, "w": 10.0, "h": 10.0}


def test_a_rate_limit_counts_the_requests_of_every_process(redis_url):  # noqa: F811
    rules = {"writes": ("3/minute", "100/minute")}
    # sync=0: every request adds its hit into Redis at once (the exact case).
    one, two = (Rates(rules, RedisFixedWindows(connect(redis_url), sync=0)) for _ in range(2))
    one.hit("writes", "k", "1.2.3.4", "changes")
    two.hit("writes", "k", "1.2.3.4", "changes")
    one.hit("writes", "k", "1.2.3.4", "changes")
    with pytest.raises(RateLimited):
        two.hit("writes", "k", "1.2.3.4", "changes")
    two.hit("writes", "other", "1.2.3.4", "changes")  # someone else's share is theirs


def test_hits_reach_redis_in_batches_and_each_sync_learns_every_process(
        redis_url):  # noqa: F811
    rules = {"writes": ("5/minute", "100/minute")}
    windows = [RedisFixedWindows(connect(redis_url), sync=3600) for _ in range(2)]
    one, two = (Rates(rules, w) for w in windows)
    redis = connect(redis_url)

    def in_redis() -> list[int]:  # the key's count and the address's
        return sorted(int(redis.get(k)) for k in redis.keys(RedisFixedWindows.PREFIX + "*"))

    for _ in range(3):
        one.hit("writes", "k", "1.2.3.4", "changes")
    assert in_redis() == [1, 1]  # the first request synced; the next two wait for the next
    windows[0].sync()
    assert in_redis() == [3, 3]
    two.hit("writes", "k", "1.2.3.4", "changes")  # its first request syncs: 4 in all
    two.hit("writes", "k", "1.2.3.4", "changes")  # 5: the last one allowed
    with pytest.raises(RateLimited):
        two.hit("writes", "k", "1.2.3.4", "changes")
    with pytest.raises(RateLimited):  # process one has not synced since: its own count
        for _ in range(3):
            one.hit("writes", "k", "1.2.3.4", "changes")


class HeldPipelines:
    """A real Redis client whose pipelines made off the main thread wait, the n-th until
    the n-th gate is opened; the main thread's go straight through."""

    def __init__(self, redis, gates: list[threading.Event]) -> None:
        self.redis, self.gates, self.held = redis, gates, 0

    def pipeline(self, **kwargs):
        pipe, gate = self.redis.pipeline(**kwargs), None
        if threading.current_thread() is not threading.main_thread():
            gate, self.held = self.gates[self.held], self.held + 1
        run = pipe.execute

        def execute():
            if gate is not None:
                assert gate.wait(10)
            return run()
        pipe.execute = execute
        return pipe


def test_one_sync_at_a_time_so_no_hit_goes_uncounted(redis_url):  # noqa: F811
    """A sync waiting for Redis while another starts: the first to finish used to drop the
    second's hits, so a third request in a 2-a-minute window was let through."""
    gates = [threading.Event(), threading.Event()]
    redis = HeldPipelines(connect(redis_url), gates)
    rates = Rates({"writes": ("2/minute", "100/minute")}, RedisFixedWindows(redis, sync=0))

    def hit() -> None:
        rates.hit("writes", "k", "a", "changes")
    first = threading.Thread(target=hit)
    first.start()
    while redis.held < 1:  # its sync is waiting for Redis
        time.sleep(0.01)
    second = threading.Thread(target=hit)
    second.start()
    second.join(timeout=1)
    gates[0].set()
    first.join(timeout=10)
    with pytest.raises(RateLimited):  # the third request in the window
        hit()
    gates[1].set()
    second.join(timeout=10)
    assert not first.is_alive() and not second.is_alive()


def test_with_redis_away_the_limits_count_in_this_process(redis_server):  # noqa: F811
    rates = Rates({"writes": ("2/minute", "100/minute")},
                  RedisFixedWindows(connect(redis_server.url)))
    redis_server.stop()
    rates.hit("writes", "k", "a", "changes")  # writes go on while Redis is away
    rates.hit("writes", "k", "a", "changes")
    with pytest.raises(RateLimited):
        rates.hit("writes", "k", "a", "changes")


def test_timer_and_spotlight_are_one_per_board_across_processes(redis_url):  # noqa: F811
    sent: list = []
    timers = [RedisTimers(lambda b, e: sent.append(e), connect(redis_url)) for _ in range(2)]
    timers[0].start("b", 60, "tab", "Ada")
    assert timers[1].current("b")["by"] == "tab"
    assert timers[1].stop("b") and timers[0].current("b") is None
    assert not timers[0].stop("b")
    spots = [RedisSpotlights(lambda b, e: sent.append(e), connect(redis_url)) for _ in range(2)]
    spots[0].lead("b", "tab", "Ada", VIEW)
    assert spots[1].current("b").by == "tab"
    assert not spots[1].stop("b", "someone-else")
    assert spots[1].stop("b", "tab") and spots[0].current("b") is None


def test_one_organize_lock_per_board_until_released(redis_url):  # noqa: F811
    one, two = RedisRuns(connect(redis_url)), RedisRuns(connect(redis_url))
    assert one.claim("b", "run1") and not two.claim("b", "run2")
    assert not two.renew("b", "run2") and one.renew("b", "run1")
    two.release("b", "run2")  # not its lock: nothing happens
    assert one.holder("b") == "run1"
    one.release("b", "run1")
    assert two.claim("b", "run2")
    one.put_undo("run1", {"notes": []})
    assert two.take_undo("run1") == {"notes": []} and one.take_undo("run1") is None
