"""Coalescing a board's live events per tick: what collapses, what keeps its order, and what a
reconnecting stream is sent. The tick is driven by hand (background=False, or an injected
sleep): no test here waits on the clock."""

from __future__ import annotations

import json
import threading

import pytest
from sse_stream import Stream

from server.live import Fanout, Hub, Message, Subscription, coalesce, make_frame


def move(seq, *ids, client="c", kind="note", x=0):
    return Message({"type": "changes", "seq": seq, "client": client, "changes": [
        {"kind": kind, "op": "upsert", "item": {"id": i, "x": x, "version": seq}}
        for i in ids]})


def rows(events):
    """Each event as (type, seq, [(kind, id, x)]) for compact comparison."""
    return [(e["type"], e.get("seq"),
             [(c["kind"], c["item"]["id"], c["item"].get("x")) for c in e.get("changes", [])])
            for e in events]


def test_moves_of_one_note_in_a_tick_collapse_to_the_last():
    events = [move(1, "n1", x=10, client="a"), move(2, "n1", x=20, client="b"),
              move(3, "n1", x=30, client="a")]
    assert rows(coalesce(events)) == [("changes", 3, [("note", "n1", 30)])]
    assert coalesce(events)[0]["client"] == "a"


def test_order_across_notes_kinds_and_event_types_is_kept():
    rename = Message({"type": "board", "seq": 3, "board": {"name": "x"}})
    cursors = Message({"type": "cursors", "moved": {"t": [1, 2, "n"]}, "gone": []})
    events = [move(1, "a", "b", x=1), move(2, "g1", kind="group", x=2), rename, cursors,
              move(4, "b", "c", x=4), move(5, "g1", "d", kind="note", x=5)]
    out = coalesce(events)
    assert rows(out) == [
        ("changes", 1, [("note", "a", 1)]),     # b changes again at seq 4: only a is left
        ("changes", 2, [("group", "g1", 2)]),   # a group and a note of one id are two rows
        ("board", 3, []), ("cursors", None, []),
        ("changes", 4, [("note", "b", 4), ("note", "c", 4)]),
        ("changes", 5, [("note", "g1", 5), ("note", "d", 5)])]
    assert events[0]["changes"][1]["item"]["id"] == "b"  # the published event is untouched


def test_a_delete_wins_over_earlier_moves_and_a_recreate_over_the_delete():
    gone = Message({"type": "changes", "seq": 2, "client": None,
                    "changes": [{"kind": "note", "op": "delete", "item": {"id": "n"}}]})
    out = coalesce([move(1, "n"), gone])
    assert [c["op"] for e in out for c in e["changes"]] == ["delete"]
    out = coalesce([move(1, "n"), gone, move(3, "n", x=7)])  # undo of the delete
    assert rows(out) == [("changes", 3, [("note", "n", 7)])]


def test_only_the_last_presence_count_of_a_tick_goes_out():
    events = [Message({"type": "presence", "count": n}) for n in (1, 2, 3)]
    events.insert(1, move(1, "n"))
    assert [(e["type"], e.get("count")) for e in coalesce(events)] == [
        ("changes", None), ("presence", 3)]


def test_a_frame_is_one_batch_message_whose_id_is_its_last_seq():
    frame = make_frame([move(7, "n1"), Message({"type": "presence", "count": 2}),
                        move(8, "n2"), move(9, "n1", x=5)])
    assert (frame.first, frame.last) == (7, 9)  # seq 7 was coalesced away, still covered
    head, data = frame.wire.decode().removesuffix("\n\n").split("\n")
    assert head == "id: 9"
    batch = json.loads(data.removeprefix("data: "))
    assert batch["type"] == "batch"
    assert [(e["type"], e.get("seq")) for e in batch["events"]] == [
        ("presence", None), ("changes", 8), ("changes", 9)]
    single = make_frame([move(10, "n1")])
    assert single.wire.startswith(b"id: 10\ndata: {\"type\":\"changes\"")
    assert make_frame([Message({"type": "presence", "count": 1})]).wire.startswith(b"data: ")


def test_one_frame_per_tick_however_many_events_and_listeners():
    hub = Hub(queue_size=4, background=False)
    subs = [hub.subscribe("b") for _ in range(50)]
    for seq in range(1, 1001):  # 1,000 moves in one tick
        hub.publish("b", move(seq, f"n{seq % 10}"))
    assert hub.flush() == 1
    frames = [s.get_frame(0) for s in subs]
    assert all(f is frames[0] for f in frames)  # one object, its text encoded once
    assert all(s._queue.qsize() == 0 for s in subs)
    assert [e.get("seq") for e in frames[0].events] == [None, *range(991, 1001)]


def test_a_slow_listener_is_bounded_in_frames_and_resyncs():
    hub = Hub(queue_size=3, background=False)
    slow, quick = hub.subscribe("b"), hub.subscribe("b")
    hub.flush()
    quick.get_frame(0)
    for tick in range(10):
        for i in range(20):
            hub.publish("b", move(tick * 20 + i + 1, f"n{i}"))
        hub.flush()
        assert quick.get_frame(0).last == tick * 20 + 20  # the quick one keeps up
    assert slow._queue.qsize() == 3  # three frames held, never more
    assert slow.get(0) == {"type": "resync"}
    assert slow.get(0) is None


def test_the_first_event_on_a_quiet_board_goes_out_at_once_then_one_frame_per_tick():
    passes = threading.Semaphore(0)  # the test decides when a tick has passed
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        assert passes.acquire(timeout=10)

    fan = Fanout(tick=0.04, sleep=sleep)
    sub = Subscription(Hub(), "b", 10)
    fan.add(sub)
    fan.deliver("b", move(1, "n1"))
    assert [e["seq"] for e in sub.get_frame(timeout=10).events] == [1]  # no wait for a tick
    fan.deliver("b", move(2, "n1"))
    fan.deliver("b", move(3, "n2"))
    passes.release()
    assert [e["seq"] for e in sub.get_frame(timeout=10).events] == [2, 3]  # one frame
    passes.release()  # a quiet tick: the flusher stops, the next event starts a new one
    fan.deliver("b", move(4, "n1"))
    assert [e["seq"] for e in sub.get_frame(timeout=10).events] == [4]
    passes.release()
    assert slept[:2] == [0.04, 0.04]


@pytest.fixture
def manual(make_app):
    """An app whose hub ticks only when the test says so."""
    app = make_app()
    hub = app.extensions["herd.live"] = Hub(background=False)
    return app, hub


def seqs_of(stream, n):
    return [e.get("seq") for e in (stream.next()[1] for _ in range(n))]


def test_last_event_id_of_a_batch_resumes_exactly_after_it(manual):
    app, hub = manual
    c = app.test_client()
    b = c.post("/api/boards", json={}).get_json()["id"]
    first = Stream(c, b)
    for i in range(3):
        c.post(f"/api/boards/{b}/notes", json={"id": f"n{i}", "text": str(i)})
    hub.flush()
    got = [first.next() for _ in range(4)]  # presence and three creates, in one batch
    assert first.batches == 1
    assert [(i, e.get("seq")) for i, e in got] == [(None, None), (None, 1), (None, 2), ("3", 3)]
    first.close()
    c.post(f"/api/boards/{b}/notes", json={"id": "n3", "text": "3"})
    again = Stream(c, b, headers={"Last-Event-ID": "3"})  # the batch's id, as a browser sends
    event_id, event = again.next()
    assert (event_id, event["seq"]) == ("4", 4)  # what it missed, and nothing it had
    hub.flush()
    assert again.next()[1]["type"] == "presence"
    c.post(f"/api/boards/{b}/notes", json={"id": "n4", "text": "4"})
    hub.flush()
    assert again.next()[1]["seq"] == 5
    again.close()


def test_a_stream_that_caught_up_from_the_log_is_not_sent_those_events_again(manual):
    app, hub = manual
    c = app.test_client()
    b = c.post("/api/boards", json={}).get_json()["id"]
    watcher = Stream(c, b)  # someone is listening, so the board's events wait for the tick
    for i in range(4):
        c.post(f"/api/boards/{b}/notes", json={"id": f"n{i}", "text": str(i)})
    late = Stream(c, b, headers={"Last-Event-ID": "2"})  # seq 3 and 4 come from the log
    c.post(f"/api/boards/{b}/notes", json={"id": "n4", "text": "4"})
    hub.flush()  # one frame for seq 1-5 and the presence counts: it overlaps that log
    got = [late.next() for _ in range(4)]
    assert [(i, e["type"], e.get("seq")) for i, e in got] == [
        ("3", "changes", 3), ("4", "changes", 4), (None, "presence", None),
        ("5", "changes", 5)]
    c.post(f"/api/boards/{b}/notes", json={"id": "n5", "text": "5"})
    hub.flush()
    assert late.next()[1]["seq"] == 6  # nothing of seq 1-5 came twice
    watcher.close()
    late.close()


def patch(seq, note_id, **cols):
    return Message({"type": "changes", "seq": seq, "client": "c", "changes": [
        {"kind": "note", "op": "patch", "item": {"id": note_id, **cols, "version": seq,
                                                 "updated_at": "t"}}]})


def test_a_patch_covers_earlier_patches_of_its_columns_only():
    events = [patch(1, "n", x=1, y=1), patch(2, "n", x=2, y=2), patch(3, "n", color="blue"),
              patch(4, "n", x=4, y=4)]
    # seq 1 and 2 said nothing seq 4 does not say again; the colour is said once, by 3.
    assert [e["seq"] for e in coalesce(events)] == [3, 4]


def test_a_whole_row_written_before_a_move_still_goes_out():
    text = move(1, "n", x=1)  # an upsert: the whole row (its new text, say)
    events = [patch(0, "n", x=0), text, patch(2, "n", x=2), patch(3, "n", x=3)]
    assert [e["seq"] for e in coalesce(events)] == [1, 3]  # 0 is covered by the whole row
    assert [e["seq"] for e in coalesce([patch(1, "n", x=1), move(2, "n", x=2)])] == [2]
