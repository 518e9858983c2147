"""RedisHub against a real Redis: events out of order across processes come out in seq order
(the gap filled from the event log), a repeat is dropped, and presence counts everyone."""

from __future__ import annotations

from redis_server import redis_server, redis_url  # noqa: F401 - fixtures

from server.live.redis_hub import RedisHub
from server.store import Store


def note(store: Store, board: str, text: str) -> dict:
    store.apply_ops(board, [{"op": "create", "kind": "note", "fields": {"text": text}}])
    return store.events_after(board, 0)[-1]


def test_a_seq_arriving_before_the_one_it_follows_waits_for_nothing(tmp_path, redis_url):  # noqa: F811
    store = Store(str(tmp_path / "herd.db"))  # publishes nowhere: the test hands events in
    board = store.create_board("b")["id"]
    hub = RedisHub(redis_url, store, background=False)
    try:
        sub = hub.subscribe(board, "me")  # its presence event comes through Redis, later
        first, second = note(store, board, "one"), note(store, board, "two")
        # Process B's seq 2 reaches Redis before process A's seq 1.
        hub.receive(board, second)
        hub.receive(board, first)  # late: already passed on from the log
        hub.receive(board, second)  # and a repeat
        hub.flush()
        got = []
        while (event := sub.get(0.2)) is not None:
            got.append(event)
        assert [e.get("seq") for e in got if e["type"] == "changes"] == [1, 2]
        sub.close()
    finally:
        hub.close()
        store.close()


def test_presence_counts_the_people_of_every_process(tmp_path, redis_url):  # noqa: F811
    store = Store(str(tmp_path / "herd.db"))
    board = store.create_board("b")["id"]
    hubs = [RedisHub(redis_url, store, background=False) for _ in range(2)]
    try:
        one = hubs[0].subscribe(board, "alice")
        two = hubs[1].subscribe(board, "bob")
        also = hubs[1].subscribe(board, "alice")  # alice's second tab, on the other process
        assert hubs[0].count(board) == hubs[1].count(board) == 2
        also.close()
        two.close()
        assert hubs[1].count(board) == 1
        one.close()
        assert hubs[0].count(board) == 0
    finally:
        for hub in hubs:
            hub.close()
        store.close()
