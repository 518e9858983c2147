"""Organize runs on several processes sharing one real Redis take turns in one line, first
come, first served, each waiting run told its place among all of them; a process that dies
holding a turn or a place stops blocking the line once its lease runs out (issue 11)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from redis_server import redis_server, redis_url  # noqa: F401 - fixtures

from server.errors import Unavailable
from server.organize.pipeline import Cancelled
from server.organize.queue_redis import RedisRunQueue
from server.shared import connect
from tests.test_organize_queue import _until

ROOT = Path(__file__).resolve().parent.parent


class Run:
    """One run on `queue` in a thread: waits its turn, then holds it until release()."""

    def __init__(self, queue: RedisRunQueue, ticket: str, cancel: threading.Event | None = None):
        self.queue, self.ticket, self.heard = queue, ticket, []
        self.cancel = cancel or threading.Event()
        self.running, self.gate, self.out = threading.Event(), threading.Event(), None
        self.thread = threading.Thread(target=self._go, daemon=True)
        self.thread.start()

    def _go(self) -> None:
        try:
            self.queue.wait_turn(self.ticket, lambda *told: self.heard.append(told),
                                 self.cancel.is_set)
        except (Cancelled, Unavailable) as e:
            self.out = e
            return
        self.running.set()
        self.gate.wait(30)
        self.queue.done(self.ticket)

    def release(self) -> None:
        self.gate.set()
        self.thread.join(10)


def two(url: str, slots: int = 1, lease: float = 30.0) -> tuple[RedisRunQueue, ...]:
    """Two queues on their own clients, as two processes see the one line."""
    return tuple(RedisRunQueue(connect(url), slots, lease) for _ in range(2))


def test_runs_on_two_processes_go_in_the_order_they_asked(redis_url):  # noqa: F811
    one, other = two(redis_url)
    a = Run(one, "a")
    assert a.running.wait(10)
    b = Run(other, "b")
    _until(lambda: b.heard, "b is told its place")
    c = Run(one, "c")
    _until(lambda: c.heard, "c is told its place")
    # Each counts the other process's runs: b is next behind a; c is behind both.
    assert (a.heard, b.heard, c.heard) == ([], [(1, 1)], [(2, 2)])
    assert one.waiting() == other.waiting() == 2
    a.release()
    assert b.running.wait(10)
    _until(lambda: c.heard[-1] == (1, 1), "c moves up to first in line")
    assert not c.running.is_set()
    b.release()
    assert c.running.wait(10)
    c.release()
    assert one.waiting() == 0


def test_a_cancelled_waiting_run_leaves_the_line_and_the_next_moves_up(
        redis_url):  # noqa: F811
    one, other = two(redis_url)
    first = Run(one, "first")
    assert first.running.wait(10)
    second, third = Run(other, "second"), None
    _until(lambda: second.heard, "second waits")
    third = Run(one, "third")
    _until(lambda: third.heard == [(2, 2)], "third waits behind second")
    second.cancel.set()
    second.thread.join(10)
    assert isinstance(second.out, Cancelled)
    _until(lambda: third.heard[-1] == (1, 1), "third moves up")
    assert other.waiting() == 1
    first.release()
    assert third.running.wait(10)
    third.release()


def test_two_slots_let_two_run_at_once_across_processes(redis_url):  # noqa: F811
    one, other = two(redis_url, slots=2)
    a, b = Run(one, "a"), Run(other, "b")
    assert a.running.wait(10) and b.running.wait(10)
    c = Run(one, "c")
    _until(lambda: c.heard, "c waits for a slot")
    assert c.heard == [(1, 2)] and not c.running.is_set()
    b.release()
    assert c.running.wait(10)
    a.release()
    c.release()
    with pytest.raises(ValueError):
        RedisRunQueue(connect(redis_url), 0)


def test_a_live_run_keeps_its_turn_past_its_lease(redis_url):  # noqa: F811
    one, other = two(redis_url, lease=0.5)
    a = Run(one, "a")
    assert a.running.wait(10)
    b = Run(other, "b")
    _until(lambda: b.heard, "b waits")
    time.sleep(4 * 0.5)  # four leases: a's thread renews its turn all along
    assert not b.running.is_set() and b.heard == [(1, 1)]
    a.release()
    assert b.running.wait(10)
    b.release()


# A process of its own: waits its turn on a 1 s lease, says what it hears, then runs.
PROCESS = """
import sys, time
from server.organize.queue_redis import RedisRunQueue
from server.shared import connect
from tests.test_organize_queue import _until
q = RedisRunQueue(connect(sys.argv[1]), 1, lease=1.0)
q.wait_turn(sys.argv[2], lambda p, a: print('told', p, a, flush=True), lambda: False)
print('running', flush=True)
time.sleep(120)
"""


def _process(url: str, ticket: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", PROCESS, url, ticket], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True, start_new_session=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_a_killed_process_stops_blocking_the_line_once_its_lease_runs_out(
        redis_url):  # noqa: F811
    runner = _process(redis_url, "dead-runner")
    waiter = None
    try:
        assert runner.stdout.readline().strip() == "running"
        waiter = _process(redis_url, "dead-waiter")
        assert waiter.stdout.readline().strip() == "told 1 1"
        here = RedisRunQueue(connect(redis_url), 1, lease=1.0)
        c = Run(here, "c")
        _until(lambda: c.heard, "c waits behind both")
        assert c.heard == [(2, 2)]
        # SIGKILL: no done(), no leaving the line; only the lease ends their hold.
        os.killpg(waiter.pid, signal.SIGKILL)
        _until(lambda: c.heard[-1] == (1, 1), "the dead waiter is dropped")
        assert not c.running.is_set()
        os.killpg(runner.pid, signal.SIGKILL)
        assert c.running.wait(10)  # the dead runner's turn is dropped: c runs
        c.release()
        assert here.waiting() == 0
    finally:
        for proc in (runner, waiter):
            if proc is not None:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
                proc.stdout.close()


def test_redis_away_while_waiting_fails_the_run_with_a_clear_message(
        redis_server):  # noqa: F811
    one, other = two(redis_server.url, lease=1.0)
    a = Run(one, "a")
    assert a.running.wait(10)
    b = Run(other, "b")
    _until(lambda: b.heard, "b waits")
    redis_server.stop()
    b.thread.join(30)  # no hang: it gives up once the line would have dropped it
    assert isinstance(b.out, Unavailable) and "Redis" in b.out.message
    a.release()  # done() with Redis away: logged, not raised (the lease ends the turn)
    assert not a.thread.is_alive()


def test_after_a_redis_restart_a_waiting_run_joins_the_line_again(redis_server):  # noqa: F811
    one, other = two(redis_server.url)
    a = Run(one, "a")
    assert a.running.wait(10)
    b = Run(other, "b")
    _until(lambda: b.heard, "b waits")
    redis_server.restart()  # empty: the line and a's turn are gone with it
    assert b.running.wait(10) and b.out is None  # not failed: first in the new line
    c = Run(one, "c")
    _until(lambda: c.heard, "c waits behind b")
    assert c.heard == [(1, 1)]
    a.release()
    b.release()
    assert c.running.wait(10)
    c.release()
