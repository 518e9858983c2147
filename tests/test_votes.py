"""Dot voting: the rules of a vote, others' dots secret until the end, increments that lose
nothing under concurrency, and votes in the exports."""

from __future__ import annotations

import csv
import io
import json
import threading

import pytest
from sse_stream import Stream

from server.store import db, get_store
from server.store.votes import voter_of


@pytest.fixture
def db_path(any_db):
    """Every test here on SQLite and on PostgreSQL."""
    return any_db


@pytest.fixture
def room(app, client):
    """A board with notes n1..n4 (n3, n4 in group g1), and an editor and a facilitator."""
    b = client.post("/api/boards", json={"name": "Retro"}).get_json()["id"]
    ops = [{"op": "create", "kind": "group", "id": "g1",
            "fields": {"title": "G", "x": 1000, "y": 0, "w": 600, "h": 400}}]
    ops += [{"op": "create", "kind": "note", "id": f"n{i}",
             "fields": {"text": f"idea {i}", "x": 200 * i if i < 3 else 1000 + 200 * (i - 3) + 20,
                        "y": 40}} for i in range(1, 5)]
    assert client.post(f"/api/boards/{b}/ops", json={"ops": ops}).status_code == 200
    links = client.get(f"/api/boards/{b}/links").get_json()

    def person(role: str):
        c = app.test_client(owner=False)
        assert c.get(links[role].replace("http://localhost", "")).status_code == 303
        return c
    return {"b": b, "owner": client, "fac": person("facilitator"), "ann": person("editor"),
            "bob": person("editor"), "viewer": person("viewer")}


def url(room, tail=""):
    return f"/api/boards/{room['b']}/vote{tail}"


def dot(c, room, note, vote_id=None):
    body = {"note_id": note} | ({"vote_id": vote_id} if vote_id else {})
    return c.post(url(room, "/dots"), json=body)


def test_a_vote_limits_each_person_and_takes_votes_back(room):
    r = room["fac"].post(url(room), json={"per_person": 3})
    assert r.status_code == 201
    vote = r.get_json()["vote"]
    assert vote["status"] == "running" and vote["left"] == 3 and vote["totals"] is None
    for note in ("n1", "n1", "n2"):
        assert dot(room["ann"], room, note).status_code == 200
    r = dot(room["ann"], room, "n3")
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "no_votes_left"
    r = room["ann"].delete(url(room, "/dots/n1"))
    assert r.status_code == 200 and r.get_json() | {} == r.get_json()
    assert r.get_json()["count"] == 1 and r.get_json()["left"] == 1
    assert dot(room["ann"], room, "n3").status_code == 200
    mine = room["ann"].get(url(room)).get_json()["vote"]
    assert mine["mine"] == {"n1": 1, "n2": 1, "n3": 1} and mine["left"] == 0
    r = room["ann"].delete(url(room, "/dots/n4"))
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "no_vote_here"


def test_default_is_five_votes_and_one_per_note_refuses_a_second(room):
    vote = room["fac"].post(url(room), json={}).get_json()["vote"]
    assert vote["per_person"] == 5 and vote["one_per_note"] is False
    room["fac"].post(url(room, "/end"))
    room["fac"].post(url(room), json={"one_per_note": True})
    assert dot(room["bob"], room, "n1").status_code == 200
    r = dot(room["bob"], room, "n1")
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "one_per_note"


def test_the_notes_in_a_vote_are_a_list_or_a_group(room):
    room["fac"].post(url(room), json={"note_ids": ["n1", "n2"]})
    r = dot(room["ann"], room, "n3")
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "not_in_vote"
    assert dot(room["ann"], room, "n2").status_code == 200
    room["fac"].post(url(room, "/end"))
    vote = room["fac"].post(url(room), json={"group_id": "g1"}).get_json()["vote"]
    assert vote["note_ids"] == ["n3", "n4"]
    assert dot(room["ann"], room, "n1").status_code == 400
    assert dot(room["ann"], room, "n4").status_code == 200


@pytest.mark.parametrize("body", [
    {"per_person": 0}, {"per_person": 101}, {"per_person": 2.5}, {"per_person": True},
    {"one_per_note": "yes"}, {"note_ids": []}, {"note_ids": "n1"}, {"note_ids": ["bad id"]},
    {"note_ids": ["n1"], "group_id": "g1"}, {"seconds": 0}, {"seconds": "60"},
    {"colour": "red"}])
def test_bad_settings_are_refused(room, body):
    r = room["fac"].post(url(room), json=body)
    assert r.status_code == 400, body
    assert room["fac"].get(url(room)).get_json()["vote"] is None


def test_unknown_notes_or_groups_and_a_second_vote_are_refused(room):
    assert room["fac"].post(url(room), json={"note_ids": ["n1", "zz"]}).status_code == 404
    assert room["fac"].post(url(room), json={"group_id": "nope"}).status_code == 404
    assert room["fac"].post(url(room), json={}).status_code == 201
    r = room["fac"].post(url(room), json={})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "vote_running"
    assert dot(room["ann"], room, "zz").status_code == 404


def test_nobody_sees_anyone_elses_dots_until_the_end(room):
    room["fac"].post(url(room), json={})
    dot(room["ann"], room, "n1")
    dot(room["ann"], room, "n1")
    dot(room["bob"], room, "n2")
    for who, expect in (("ann", {"n1": 2}), ("bob", {"n2": 1}), ("fac", {}), ("viewer", {})):
        board = room[who].get(f"/api/boards/{room['b']}").get_json()
        assert board["vote"]["mine"] == expect and board["vote"]["totals"] is None, who
        assert "n1" not in json.dumps(board["vote"]) or who == "ann"
    ended = room["fac"].post(url(room, "/end")).get_json()["vote"]
    assert ended["status"] == "ended" and ended["totals"] == {"n1": 2, "n2": 1}
    for who in ("ann", "bob", "viewer"):
        assert room[who].get(url(room)).get_json()["vote"]["totals"] == {"n1": 2, "n2": 1}
    r = dot(room["ann"], room, "n3")
    assert r.status_code == 409
    assert room["fac"].post(url(room, "/end")).status_code == 409


def test_the_live_stream_carries_only_the_listeners_own_dots(app, room):
    start = room["fac"].post(url(room), json={}).get_json()["vote"]
    seq0 = room["owner"].get(f"/api/boards/{room['b']}").get_json()["seq"]
    live = Stream(room["bob"], room["b"], f"?after={seq0}")
    try:
        assert dot(room["ann"], room, "n1").status_code == 200  # Ann's first: Bob must not see
        assert dot(room["bob"], room, "n2").status_code == 200
        got = live.next_of("dot")
        assert got["note_id"] == "n2" and got["voter"] == voter_of_client(app, room, "bob")
        room["fac"].post(url(room, "/end"))
        end = live.next_of("vote")
        assert end["vote"]["totals"] == {"n1": 1, "n2": 1} and end["vote"]["id"] == start["id"]
    finally:
        live.close()
    # Replayed from the log (a reconnect), the same filter holds.
    replay = Stream(room["bob"], room["b"], f"?after={seq0}&max_events=2")
    try:
        kinds = [replay.next()[1] for _ in range(2)]
    finally:
        replay.close()
    assert [(k["type"], k.get("note_id")) for k in kinds] == [("dot", "n2"), ("vote", None)]


def voter_of_client(app, room, who: str) -> str:
    """The voter hash the server gives this client (from its session id)."""
    with room[who].session_transaction() as sess:
        return voter_of(f"s:{sess['sid']}")


def test_viewers_cannot_vote_and_editors_cannot_start_or_end(room):
    room["fac"].post(url(room), json={})
    assert dot(room["viewer"], room, "n1").status_code == 403
    assert room["ann"].post(url(room), json={}).status_code == 403
    assert room["ann"].post(url(room, "/end")).status_code == 403


def test_a_vote_is_versioned_and_logged(app, room):
    vote = room["fac"].post(url(room), json={}).get_json()["vote"]
    seq = room["owner"].get(f"/api/boards/{room['b']}").get_json()["seq"]
    r = dot(room["ann"], room, "n1", vote["id"]).get_json()
    assert r["version"] == vote["version"] + 1 and r["seq"] == seq + 1
    events = get_store(app).events_after(room["b"], seq)
    assert [e["type"] for e in events] == ["dot"]
    assert dot(room["ann"], room, "n1", "other").status_code == 409


def test_concurrent_votes_on_one_note_all_count(app, room):
    """Increments in the one write path: 20 voters x 5 dots on one note at once lose none."""
    store = get_store(app)
    vote = store.start_vote(room["b"], {"per_person": 5, "one_per_note": False,
                                        "note_ids": None, "group_id": None, "seconds": None})
    errors: list[Exception] = []

    def voter(i: int) -> None:
        try:
            for _ in range(5):
                store.vote(room["b"], f"voter{i}", "n1", vote["id"])
        except Exception as e:  # surfaced below
            errors.append(e)
    threads = [threading.Thread(target=voter, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert store.end_vote(room["b"])["totals"] == {"n1": 100}


def test_a_timed_vote_ends_once_its_time_is_up(app, room, db_path):
    vote = room["fac"].post(url(room), json={"seconds": 600}).get_json()["vote"]
    assert 0 < vote["remaining"] <= 600
    dot(room["ann"], room, "n1")
    # As if the time had passed (and the server restarted, so no timer thread is left).
    conn = db.connect(db_path)
    conn.execute("UPDATE votes SET ends_at = 1")
    conn.close()
    r = dot(room["ann"], room, "n2")
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "vote_ended"
    got = room["bob"].get(url(room)).get_json()["vote"]
    assert got["status"] == "ended" and got["totals"] == {"n1": 1}


def test_the_timer_ends_a_vote_by_itself(app, room):
    from server.api import votes as api_votes

    rang = threading.Event()
    store = get_store(app)
    vote = store.start_vote(room["b"], {"per_person": 5, "one_per_note": False,
                                        "note_ids": None, "group_id": None, "seconds": 1})
    real = store.end_vote

    def end_and_tell(board_id, vote_id=None):
        try:
            return real(board_id, vote_id)
        finally:
            rang.set()
    store.end_vote = end_and_tell
    with app.app_context():
        api_votes._end_later(store, room["b"], vote["id"], 0.01)
    assert rang.wait(10)
    assert store.current_vote(room["b"], None)["status"] == "ended"


def test_votes_go_into_the_exports_and_come_back_on_import(room):
    room["fac"].post(url(room), json={})
    dot(room["ann"], room, "n2")
    dot(room["ann"], room, "n2")
    dot(room["bob"], room, "n2")
    dot(room["bob"], room, "n1")
    b = room["b"]
    running = room["viewer"].get(f"/api/boards/{b}/export?format=json").get_json()
    assert running["votes"] == []  # a running vote's dots are nobody's to export
    assert "Votes" not in room["viewer"].get(f"/api/boards/{b}/export?format=md").get_data(
        as_text=True)
    room["fac"].post(url(room, "/end"))
    md = room["viewer"].get(f"/api/boards/{b}/export?format=md").get_data(as_text=True)
    assert "# Votes\n\n1. idea 2 (3 votes)\n2. idea 1 (1 vote)\n" in md
    raw = room["viewer"].get(f"/api/boards/{b}/export?format=csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(raw.lstrip("\ufeff"))))
    assert rows[0][-1] == "votes"
    assert {r[1]: r[-1] for r in rows[1:]} == {"idea 1": "1", "idea 2": "3", "idea 3": "0",
                                                "idea 4": "0"}
    data = room["owner"].get(f"/api/boards/{b}/export?format=json").get_json()
    assert sum(d["count"] for d in data["votes"][0]["dots"]) == 4
    new = room["owner"].post("/api/boards/import", json=data).get_json()["id"]
    back = room["owner"].get(f"/api/boards/{new}/vote").get_json()["vote"]
    assert back["status"] == "ended" and back["totals"] == {"n1": 1, "n2": 3}


@pytest.mark.parametrize("bad", [
    {"dots": [{"voter": "ab", "note_id": "zz", "count": 1}]},
    {"dots": [{"voter": "AB!", "note_id": "n1", "count": 1}]},
    {"dots": [{"voter": "ab", "note_id": "n1", "count": 0}]},
    {"per_person": 0}, {"note_ids": ["zz"]}])
def test_an_import_with_bad_votes_is_refused_whole(room, bad):
    room["fac"].post(url(room), json={})
    dot(room["ann"], room, "n1")
    room["fac"].post(url(room, "/end"))
    data = room["owner"].get(f"/api/boards/{room['b']}/export?format=json").get_json()
    data["votes"][0].update(bad)
    before = len(room["owner"].get("/api/boards").get_json()["boards"])
    r = room["owner"].post("/api/boards/import", json=data)
    assert r.status_code == 400 and "votes[0]" in r.get_json()["error"]["message"]
    assert len(room["owner"].get("/api/boards").get_json()["boards"]) == before


def test_an_export_after_a_voted_note_was_deleted_still_imports(room):
    room["fac"].post(url(room), json={"note_ids": ["n1", "n2"]})
    dot(room["ann"], room, "n1")
    dot(room["ann"], room, "n2")
    room["fac"].post(url(room, "/end"))
    assert room["owner"].delete(f"/api/boards/{room['b']}/notes/n2").status_code == 204
    data = room["owner"].get(f"/api/boards/{room['b']}/export?format=json").get_json()
    assert data["votes"][0]["note_ids"] == ["n1"]
    r = room["owner"].post("/api/boards/import", json=data)
    assert r.status_code == 201, r.get_json()
    back = room["owner"].get(f"/api/boards/{r.get_json()['id']}/vote").get_json()["vote"]
    assert back["totals"] == {"n1": 1}


def test_a_frame_holding_a_dot_is_never_the_boards_shared_text():
    """Coalesced live frames go out as one shared text unless they hold an event only some
    listeners may see: a dot in a tick makes the stream filter that tick event by event."""
    from server.live.messages import Frame, Message

    move = Message({"type": "changes", "seq": 1, "changes": []})
    assert Frame([move], 1, 1).plain
    assert not Frame([move, Message({"type": "dot", "seq": 2, "voter": "a"})], 1, 2).plain
