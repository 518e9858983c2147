"""Faults with two `herd serve` on one database and one real Redis: a server SIGKILLed in the
middle of a burst of writes, and Redis restarted mid-run. No acknowledged write is lost, and
every listener ends up with every event exactly once, in order (from the live stream, or
from the database's log when the live path lost some)."""

from __future__ import annotations

import threading
import time

import pytest
import requests
from redis_server import redis_server, redis_url  # noqa: F401 - fixtures
from sse_http import HttpStream

WRITES_AFTER = 25  # writes each writer still standing makes after the fault
STREAM_TIMEOUT = 45  # seconds of silence a listener takes as a dead stream (3 server pings)


class Writer(threading.Thread):
    """Creates notes on one server until told to stop or the server dies; remembers the
    ones it got a 201 for (acknowledged)."""

    def __init__(self, server, board: str, name: str) -> None:
        super().__init__(daemon=True)
        self.server, self.board, self.name = server, board, name
        self.acked: list[str] = []
        self.failed = 0
        self.stop = threading.Event()
        self.session = requests.Session()

    def run(self) -> None:
        i = 0
        while not self.stop.is_set():
            text = f"{self.name}-{i}"
            i += 1
            try:
                r = self.session.post(f"{self.server.url}/api/boards/{self.board}/notes",
                                      json={"text": text, "x": i}, headers=self.server.headers,
                                      timeout=10)
            except requests.RequestException:
                self.failed += 1
                if self.server.proc.poll() is not None:
                    return  # the server is gone: nothing more to write there
                continue
            if r.status_code == 201:
                self.acked.append(text)
            else:
                self.failed += 1
            time.sleep(0.01)

    def wait_for(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while len(self.acked) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.acked) >= count, f"{self.name}: {len(self.acked)} writes acknowledged"


class Listener(threading.Thread):
    """Reads a board's stream, and when the server goes, reconnects to the fallback with
    Last-Event-ID, as a browser's EventSource does. Keeps every seq it was given."""

    def __init__(self, servers: list, board: str) -> None:
        super().__init__(daemon=True)
        self.servers, self.board = servers, board
        self.seqs: list[int] = []
        self.reconnects = 0
        self.stop = threading.Event()
        # No read timeout near the server's 15 s ping (a browser's EventSource has none): a
        # quiet stream while Redis is away is not a dead one.
        self.stream = HttpStream(servers[0].url, board, servers[0].headers, last_id=0,
                                 timeout=STREAM_TIMEOUT)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                event = self.stream.next()
            except (OSError, EOFError):
                if self.stop.is_set():
                    return
                self.reconnects += 1
                self.stream = self._reconnect()
                if self.stream is None:
                    return
                continue
            if isinstance(event.get("seq"), int):
                self.seqs.append(event["seq"])

    def _reconnect(self) -> HttpStream | None:
        """A new stream from the last id on a server that answers, as EventSource retries:
        a just-killed server may not be reaped yet (poll() still None), so a refused
        connection means "try the next one", not the end."""
        last_id = self.stream.last_id
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not self.stop.is_set():
            time.sleep(0.2)
            for server in [s for s in self.servers if s.proc.poll() is None]:
                try:
                    return HttpStream(server.url, self.board, server.headers,
                                      last_id=last_id, timeout=STREAM_TIMEOUT)
                except OSError:
                    continue
        return None

    def wait_for(self, seq: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while (not self.seqs or self.seqs[-1] < seq) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.stop.set()
        self.stream.close()


def board_state(server, board: str) -> tuple[int, set[str]]:
    snap = requests.get(f"{server.url}/api/boards/{board}", headers=server.headers,
                        timeout=10).json()
    return snap["seq"], {n["text"] for n in snap["notes"]}


@pytest.fixture
def pair(any_db, herd_server, redis_url):  # noqa: F811  (the database outlives the servers)
    db = any_db  # a SQLite file, then PostgreSQL (the deployment's store)
    a = herd_server(db, "--redis", redis_url)
    b = herd_server(db, "--redis", redis_url)
    board = requests.post(f"{a.url}/api/boards", json={"name": "burst"}, headers=a.headers,
                          timeout=10).json()["id"]
    return a, b, board


def test_a_server_killed_mid_burst_loses_no_acknowledged_write(pair):
    a, b, board = pair
    listener = Listener([a, b], board)  # on the server that will die
    listener.start()
    writers = [Writer(a, board, "to-a"), Writer(b, board, "to-b")]
    for w in writers:
        w.start()
    writers[0].wait_for(20)
    a.kill()  # SIGKILL, mid-burst: requests in flight on it get no answer
    writers[1].wait_for(len(writers[1].acked) + WRITES_AFTER)
    for w in writers:
        w.stop.set()
        w.join(timeout=15)
    seq, texts = board_state(b, board)
    acked = {t for w in writers for t in w.acked}
    assert acked <= texts  # every 2xx write is on the board
    listener.wait_for(seq)
    assert listener.reconnects >= 1
    # Caught up exactly: every event once, in order, none missing.
    assert listener.seqs == list(range(1, seq + 1))


def test_redis_restarted_mid_run_listeners_resync_and_no_write_is_lost(pair, redis_server):  # noqa: F811
    a, b, board = pair
    listeners = [Listener([a], board), Listener([b], board)]
    for listener in listeners:
        listener.start()
    writers = [Writer(a, board, "to-a"), Writer(b, board, "to-b")]
    for w in writers:
        w.start()
    writers[0].wait_for(15)
    redis_server.stop()
    # Writes go on while Redis is away, and the burst ends before it is back: nothing live
    # will reveal the gap, the servers must catch their listeners up when they reconnect.
    for w in writers:
        w.wait_for(len(w.acked) + WRITES_AFTER)
        w.stop.set()
    for w in writers:
        w.join(timeout=15)
    redis_server.start()  # an empty Redis, on the same port
    seq, texts = board_state(a, board)
    assert {t for w in writers for t in w.acked} <= texts
    assert sum(w.failed for w in writers) == 0  # Redis away does not stop writes
    for listener in listeners:
        listener.wait_for(seq)
        assert listener.seqs == list(range(1, seq + 1))
        assert listener.reconnects == 0  # the server caught its streams up by itself
