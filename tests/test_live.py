"""Live updates: the hub, and the SSE stream read through the test client."""

from __future__ import annotations

import pytest
from sse_stream import Stream

from server.live import Hub


@pytest.fixture
def board(client):
    return client.post("/api/boards", json={"name": "live"}).get_json()["id"]


def test_hub_presence_and_fanout():
    hub = Hub(queue_size=4, background=False)  # the test drives the tick
    a = hub.subscribe("b1")
    hub.flush()
    assert a.get(0) == {"type": "presence", "count": 1}
    b = hub.subscribe("b1")
    other = hub.subscribe("b2")
    hub.publish("b1", {"type": "changes", "seq": 1})
    assert a.get(0) is None  # nothing goes out before the tick
    hub.flush()
    assert b.get(0) == {"type": "presence", "count": 2}
    assert b.get(0) == {"type": "changes", "seq": 1}
    assert other.get(0) == {"type": "presence", "count": 1} and other.get(0) is None
    b.close()
    b.close()  # idempotent
    hub.flush()
    assert a.get(0) == {"type": "presence", "count": 2}
    assert a.get(0) == {"type": "changes", "seq": 1}
    assert a.get(0) == {"type": "presence", "count": 1}
    assert hub.count("b1") == 1


def test_presence_counts_browsers_not_tabs():
    hub = Hub()
    tabs = [hub.subscribe("b", who="alice"), hub.subscribe("b", who="alice")]
    assert hub.count("b") == 1
    bob = hub.subscribe("b", who="bob")
    anonymous = [hub.subscribe("b"), hub.subscribe("b")]  # no id: each tab alone
    assert hub.count("b") == 4
    tabs[0].close()
    assert hub.count("b") == 4  # alice still has a tab open
    tabs[1].close()
    bob.close()
    assert hub.count("b") == 2
    for sub in anonymous:
        sub.close()
    assert hub.count("b") == 0


def test_two_tabs_of_one_browser_are_one_person_on_the_stream(client, board):
    first = Stream(client, board, "?who=browser-1")
    assert first.next_of("presence")["count"] == 1
    second = Stream(client, board, "?who=browser-1")
    assert second.next_of("presence")["count"] == 1
    third = Stream(client, board, "?who=browser_2")
    assert third.next_of("presence")["count"] == 2
    for s in (first, second, third):
        s.close()


@pytest.mark.parametrize("who", ["", "a b", "x" * 65, "<script>"])
def test_a_bad_browser_id_is_refused_before_anything_opens(client, board, who):
    resp = client.get(f"/api/boards/{board}/events", query_string={"who": who})
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "bad_request"
    assert client.application.extensions["herd.live"].count(board) == 0


def test_slow_subscriber_gets_resync_not_unbounded_memory():
    hub = Hub(queue_size=3, background=False)
    sub = hub.subscribe("b")
    for i in range(100):  # 100 ticks, one event each, and the listener reads none of them
        hub.publish("b", {"type": "changes", "seq": i})
        hub.flush()
    assert sub._queue.qsize() == 3
    assert sub.get(0) == {"type": "resync"}
    assert sub.get(0) is None  # stale backlog dropped: the client re-reads the board
    hub.publish("b", {"type": "changes", "seq": 100})
    hub.flush()
    assert sub.get(0) == {"type": "changes", "seq": 100}


def test_two_subscribers_see_each_others_changes(client, board):
    alice, bob = Stream(client, board), Stream(client, board)
    assert alice.next_of("presence") == {"type": "presence", "count": 1}
    n = client.post(f"/api/boards/{board}/notes", json={"text": "from alice"},
                    headers={"X-Herd-Client": "alice"}).get_json()
    ev = bob.next_of("changes")
    assert ev["client"] == "alice" and ev["changes"] == [
        {"kind": "note", "op": "upsert", "item": n}]
    client.patch(f"/api/boards/{board}/notes/{n['id']}", json={"x": 99},
                 headers={"X-Herd-Client": "bob"})
    ev = alice.next_of("changes")
    if ev["seq"] == 1:  # her own echo, unless bob's move of that note came in the same tick
        assert ev["client"] == "alice"
        ev = alice.next_of("changes")
    assert ev["client"] == "bob" and ev["seq"] == 2
    assert ev["changes"][0]["item"]["x"] == 99
    alice.close()
    assert bob.next_of("presence") == {"type": "presence", "count": 1}
    bob.close()
    assert client.application.extensions["herd.live"].count(board) == 0


def test_change_events_carry_seq_as_id(client, board):
    s = Stream(client, board)
    client.post(f"/api/boards/{board}/notes", json={"text": "a"})
    s.next()  # presence
    event_id, data = s.next()
    assert event_id == "1" and data["seq"] == 1
    s.close()


@pytest.mark.parametrize("how", ["header", "query"])
def test_reconnect_catches_up_from_the_log(client, board, how):
    for i in range(5):
        client.post(f"/api/boards/{board}/notes", json={"id": f"n{i}", "text": str(i)})
    query, headers = ("", {"Last-Event-ID": "2"}) if how == "header" else ("?after=2", {})
    s = Stream(client, board, query, headers)
    seqs = [s.next()[1]["seq"] for _ in range(3)]
    assert seqs == [3, 4, 5]
    assert s.next()[1] == {"type": "presence", "count": 1}
    client.post(f"/api/boards/{board}/notes", json={"text": "new"})
    assert s.next()[1]["seq"] == 6
    s.close()


def test_catch_up_survives_a_restart(make_app):
    app = make_app()
    c = app.test_client()
    b = c.post("/api/boards", json={"name": "x"}).get_json()["id"]
    for i in range(3):
        c.post(f"/api/boards/{b}/notes", json={"text": str(i)})
    app.extensions["herd.store"].close()
    again = make_app()
    s = Stream(again.test_client(), b, "?after=1")
    assert [s.next()[1]["seq"] for _ in range(2)] == [2, 3]
    s.close()


def test_too_old_gets_resync(make_app):
    app = make_app(EVENTS_KEEP=3)
    c = app.test_client()
    b = c.post("/api/boards", json={"name": "x"}).get_json()["id"]
    for i in range(10):
        c.post(f"/api/boards/{b}/notes", json={"text": str(i)})
    s = Stream(c, b, "?after=2")
    assert s.next() == (None, {"type": "resync"})
    s.close()
    s = Stream(c, b, "?after=8")  # still in the log
    assert [s.next()[1]["seq"] for _ in range(2)] == [9, 10]
    s.close()


def test_rename_and_delete_reach_listeners_and_delete_ends_the_stream(client, board):
    s = Stream(client, board)
    client.patch(f"/api/boards/{board}", json={"name": "Renamed"})
    ev = s.next_of("board")
    assert ev["board"]["name"] == "Renamed" and ev["seq"] == 1
    client.delete(f"/api/boards/{board}")
    assert s.next_of("board_deleted") == {"type": "board_deleted"}
    with pytest.raises(StopIteration):
        s.next()
    s.close()


def test_pings_keep_idle_streams_open_and_max_events_stops(make_app):
    app = make_app(SSE_PING_SECONDS=0.05)
    c = app.test_client()
    b = c.post("/api/boards", json={"name": "x"}).get_json()["id"]
    s = Stream(c, b, "?max_events=2")
    assert s.next()[1]["type"] == "presence"
    assert s.next() == ("ping", None)
    c.post(f"/api/boards/{b}/notes", json={"text": "a"})
    assert s.next()[1]["type"] == "changes"
    with pytest.raises(StopIteration):
        s.next()
    s.close()
    assert app.extensions["herd.live"].count(b) == 0


def test_headers_for_streaming(client, board):
    s = Stream(client, board)
    assert s.resp.mimetype == "text/event-stream"
    assert s.resp.headers["Cache-Control"] == "no-cache"
    assert s.resp.headers["X-Accel-Buffering"] == "no"
    s.close()


def test_closing_an_unstarted_stream_unsubscribes(client, board):
    r = client.get(f"/api/boards/{board}/events", buffered=False)
    assert client.application.extensions["herd.live"].count(board) == 1
    r.close()
    assert client.application.extensions["herd.live"].count(board) == 0


def test_last_event_id_wins_over_a_stale_after(client, board):
    for i in range(5):
        client.post(f"/api/boards/{board}/notes", json={"text": str(i)})
    s = Stream(client, board, "?after=1", {"Last-Event-ID": "4"})
    assert s.next()[1]["seq"] == 5
    s.close()


def test_a_listener_that_falls_behind_gets_resync_on_the_stream(make_app):
    app = make_app()
    hub = app.extensions["herd.live"] = Hub(queue_size=4, background=False)  # ticks by hand
    c = app.test_client()
    b = c.post("/api/boards", json={"name": "x"}).get_json()["id"]
    s = Stream(c, b)
    for i in range(10):  # ten ticks, and nobody reads the stream meanwhile
        c.post(f"/api/boards/{b}/notes", json={"text": str(i)})
        hub.flush()
    assert s.next() == (None, {"type": "resync"})
    c.post(f"/api/boards/{b}/notes", json={"text": "after"})
    hub.flush()
    assert s.next()[1]["seq"] == 11  # and the stream goes on
    s.close()
