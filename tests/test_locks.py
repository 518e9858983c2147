"""Locks: a facilitator freezes notes, groups or the board; the write path refuses an
editor's changes to them (whatever the client shows), a facilitator's still go through, and
editors keep reading, voting and pointing."""

from __future__ import annotations

import pytest
from sse_stream import Stream

from server.store import get_store


@pytest.fixture
def db_path(any_db):
    """Every test here on SQLite and on PostgreSQL."""
    return any_db


@pytest.fixture
def room(app, client):
    b = client.post("/api/boards", json={"name": "Locks"}).get_json()["id"]
    client.post(f"/api/boards/{b}/ops", json={"ops": [
        {"op": "create", "kind": "group", "id": "g1",
         "fields": {"title": "G", "x": 1000, "y": 0, "w": 600, "h": 400}},
        {"op": "create", "kind": "note", "id": "n1", "fields": {"text": "a", "x": 0, "y": 0}},
        {"op": "create", "kind": "note", "id": "n2", "fields": {"text": "b", "x": 300, "y": 0}},
        {"op": "create", "kind": "note", "id": "n3",
         "fields": {"text": "c", "x": 1100, "y": 100}}]})
    links = client.get(f"/api/boards/{b}/links").get_json()

    def person(role: str):
        c = app.test_client(owner=False)
        assert c.get(links[role].replace("http://localhost", "")).status_code == 303
        return c
    return {"b": b, "fac": person("facilitator"), "ed": person("editor")}


def move(c, room, kind, item_id, x=50):
    return c.post(f"/api/boards/{room['b']}/ops", json={"ops": [
        {"op": "update", "kind": kind, "id": item_id, "fields": {"x": x}}]})


def lock(c, room, body, on=True):
    return c.post(f"/api/boards/{room['b']}/{'lock' if on else 'unlock'}", json=body)


def test_a_locked_note_refuses_an_editors_move_edit_and_delete(room):
    r = lock(room["fac"], room, {"note_ids": ["n1"]})
    assert r.status_code == 200 and r.get_json()["locks"]["notes"] == ["n1"]
    r = move(room["ed"], room, "note", "n1")
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "locked"
    b = room["b"]
    assert room["ed"].patch(f"/api/boards/{b}/notes/n1", json={"text": "x"}).status_code == 403
    assert room["ed"].delete(f"/api/boards/{b}/notes/n1").status_code == 403
    assert move(room["ed"], room, "note", "n2").status_code == 200  # others stay free
    # A batch touching a locked note is refused whole.
    r = room["ed"].post(f"/api/boards/{b}/ops", json={"ops": [
        {"op": "update", "kind": "note", "id": "n2", "fields": {"x": 7}},
        {"op": "update", "kind": "note", "id": "n1", "fields": {"x": 7}}]})
    assert r.status_code == 403
    notes = {n["id"]: n for n in room["fac"].get(f"/api/boards/{b}").get_json()["notes"]}
    assert notes["n1"]["x"] == 0 and notes["n2"]["x"] == 50 and notes["n1"]["text"] == "a"
    assert move(room["fac"], room, "note", "n1").status_code == 200  # the facilitator may
    assert lock(room["fac"], room, {"note_ids": ["n1"]}, on=False).status_code == 200
    assert move(room["ed"], room, "note", "n1", 90).status_code == 200


def test_a_locked_group_holds_its_notes_and_a_locked_board_everything(room):
    lock(room["fac"], room, {"group_ids": ["g1"]})
    assert move(room["ed"], room, "group", "g1").status_code == 403
    assert move(room["ed"], room, "note", "n3").status_code == 403  # inside g1
    assert move(room["ed"], room, "note", "n1").status_code == 200
    lock(room["fac"], room, {"board": True})
    assert move(room["ed"], room, "note", "n2").status_code == 403
    r = room["ed"].post(f"/api/boards/{room['b']}/notes", json={"text": "new"})
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "locked"
    r = room["ed"].post(f"/api/boards/{room['b']}/import-text", json={"text": "a\nb"})
    assert r.status_code == 403
    r = room["ed"].post(f"/api/boards/{room['b']}/organize", json={})
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "locked"
    board = room["ed"].get(f"/api/boards/{room['b']}").get_json()
    assert board["locks"] == {"board": True, "notes": [], "groups": ["g1"]}
    lock(room["fac"], room, {"board": True, "group_ids": ["g1"]}, on=False)
    assert move(room["ed"], room, "note", "n3", 1150).status_code == 200


def test_editors_still_vote_and_point_on_a_locked_board(room):
    lock(room["fac"], room, {"board": True})
    assert room["fac"].post(f"/api/boards/{room['b']}/vote", json={}).status_code == 201
    r = room["ed"].post(f"/api/boards/{room['b']}/vote/dots", json={"note_id": "n1"})
    assert r.status_code == 200
    r = room["ed"].post(f"/api/boards/{room['b']}/cursor", json={"x": 1, "y": 2},
                        headers={"X-Herd-Client": "tab-1"})
    assert r.status_code == 204


def test_only_a_facilitator_locks_and_bad_bodies_are_refused(room):
    assert lock(room["ed"], room, {"board": True}).status_code == 403
    assert lock(room["ed"], room, {"board": True}, on=False).status_code == 403
    for body in ({}, {"board": False}, {"note_ids": "n1"}, {"note_ids": ["bad id"]},
                 {"colour": 1}):
        assert lock(room["fac"], room, body).status_code == 400, body
    assert lock(room["fac"], room, {"note_ids": ["nope"]}).status_code == 404


def test_locks_are_logged_and_sent_to_everyone(app, room):
    seq = room["fac"].get(f"/api/boards/{room['b']}").get_json()["seq"]
    live = Stream(room["ed"], room["b"], f"?after={seq}")
    try:
        lock(room["fac"], room, {"note_ids": ["n2"]})
        got = live.next_of("locks")
        assert got["locks"]["notes"] == ["n2"] and got["seq"] == seq + 1
    finally:
        live.close()
    assert get_store(app).events_after(room["b"], seq)[0]["type"] == "locks"


def test_a_locked_note_can_still_be_changed_by_the_store_itself(app, room):
    """Organize run by a facilitator and the owner's scripts go through locked_ok=True."""
    lock(room["fac"], room, {"board": True})
    store = get_store(app)
    store.apply_ops(room["b"], [{"op": "update", "kind": "note", "id": "n1",
                                 "fields": {"x": 5}}])
    with pytest.raises(Exception) as e:
        store.apply_ops(room["b"], [{"op": "update", "kind": "note", "id": "n1",
                                     "fields": {"x": 6}}], locked_ok=False)
    assert getattr(e.value, "code", "") == "locked"
