"""The JSON API, route by route (errors are in test_api_errors.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def board(client):
    return client.post("/api/boards", json={"name": "Retro"}).get_json()["id"]


def test_board_lifecycle(client):
    assert client.get("/api/boards").get_json() == {"boards": []}
    r = client.post("/api/boards", json={"name": "  Retro  "})
    assert r.status_code == 201
    b = r.get_json()
    assert b["name"] == "Retro" and b["note_count"] == 0
    assert set(b) == {"id", "name", "note_count", "created_at", "updated_at"}
    assert b["created_at"].endswith("Z")

    r = client.post("/api/boards")  # no body: a default name
    assert r.status_code == 201 and r.get_json()["name"] == "Untitled board"

    r = client.patch(f"/api/boards/{b['id']}", json={"name": "Retro 2"})
    assert r.status_code == 200 and r.get_json()["name"] == "Retro 2"
    names = [x["name"] for x in client.get("/api/boards").get_json()["boards"]]
    assert sorted(names) == ["Retro 2", "Untitled board"]

    snap = client.get(f"/api/boards/{b['id']}").get_json()
    assert snap["board"]["name"] == "Retro 2" and snap["notes"] == [] and snap["seq"] == 1

    r = client.delete(f"/api/boards/{b['id']}")
    assert r.status_code == 204 and r.data == b""
    assert client.get(f"/api/boards/{b['id']}").status_code == 404


def test_note_routes(client, board):
    r = client.post(f"/api/boards/{board}/notes", json={"text": "line 1\nline 2", "x": 10,
                                                         "y": -20.5, "color": "pink"},
                    headers={"X-Herd-Client": "tab-1"})
    assert r.status_code == 201
    n = r.get_json()
    # author: the name its writer goes by (shown to the owner); hidden: private mode's.
    assert set(n) == {"id", "board_id", "text", "x", "y", "w", "h", "color", "group_id",
                      "runner_up", "version", "created_at", "updated_at", "author", "hidden"}
    assert (n["text"], n["x"], n["y"], n["w"], n["h"], n["color"], n["version"]) == (
        "line 1\nline 2", 10, -20.5, 160, 120, "pink", 1)

    r = client.patch(f"/api/boards/{board}/notes/{n['id']}", json={"x": 50, "version": 1})
    assert r.status_code == 200 and r.get_json()["version"] == 2

    r = client.post(f"/api/boards/{board}/notes", json={"id": "chosen-id_1", "text": ""})
    assert r.status_code == 201 and r.get_json()["id"] == "chosen-id_1"

    assert client.delete(f"/api/boards/{board}/notes/chosen-id_1").status_code == 204
    r = client.delete(f"/api/boards/{board}/notes/{n['id']}?version=1")
    assert r.status_code == 409
    assert client.delete(f"/api/boards/{board}/notes/{n['id']}?version=2").status_code == 204
    # Undo of a delete brings the same id back.
    r = client.post(f"/api/boards/{board}/notes", json={"id": n["id"], "text": "back"})
    assert r.status_code == 201 and r.get_json()["id"] == n["id"]


def test_stale_version_gets_409_with_current_row(client, board):
    n = client.post(f"/api/boards/{board}/notes", json={"text": "a"}).get_json()
    client.patch(f"/api/boards/{board}/notes/{n['id']}", json={"text": "b"})
    r = client.patch(f"/api/boards/{board}/notes/{n['id']}", json={"text": "c", "version": 1})
    assert r.status_code == 409
    err = r.get_json()["error"]
    assert err["code"] == "conflict"
    assert err["details"]["current"]["text"] == "b" and err["details"]["current"]["version"] == 2
    # Adopting the current version makes the retry succeed.
    r = client.patch(f"/api/boards/{board}/notes/{n['id']}", json={"text": "c", "version": 2})
    assert r.status_code == 200 and r.get_json()["version"] == 3


def test_group_routes(client, board):
    ids = [client.post(f"/api/boards/{board}/notes", json={"text": t}).get_json()["id"]
           for t in "ab"]
    r = client.post(f"/api/boards/{board}/groups",
                    json={"title": "Fruit", "x": 0, "y": 0, "w": 500, "h": 400, "note_ids": ids})
    assert r.status_code == 201
    g = r.get_json()
    assert set(g) == {"id", "board_id", "title", "x", "y", "w", "h", "origin", "version",
                      "created_at", "updated_at"}
    assert g["origin"] == "user"
    snap = client.get(f"/api/boards/{board}").get_json()
    assert {n["group_id"] for n in snap["notes"]} == {g["id"]}

    r = client.patch(f"/api/boards/{board}/groups/{g['id']}", json={"title": "Fruits",
                                                                     "version": 1})
    assert r.status_code == 200 and r.get_json()["title"] == "Fruits"
    assert r.get_json()["version"] == 2

    assert client.delete(f"/api/boards/{board}/groups/{g['id']}").status_code == 204
    snap = client.get(f"/api/boards/{board}").get_json()
    assert snap["groups"] == [] and len(snap["notes"]) == 2
    assert {n["group_id"] for n in snap["notes"]} == {None}


def test_ops_batch(client, board):
    ops = [{"op": "create", "kind": "group", "id": "g", "fields": {"title": "G"}}]
    ops += [{"op": "create", "kind": "note", "id": f"n{i}",
             "fields": {"text": f"idea {i}", "group_id": "g"}} for i in range(50)]
    r = client.post(f"/api/boards/{board}/ops", json={"ops": ops})
    assert r.status_code == 200
    body = r.get_json()
    assert body["seq"] == 1 and len(body["results"]) == 51
    moves = [{"op": "update", "kind": "note", "id": f"n{i}", "fields": {"x": i * 10}}
             for i in range(50)]
    moves.append({"op": "delete", "kind": "group", "id": "g"})
    body = client.post(f"/api/boards/{board}/ops", json={"ops": moves}).get_json()
    assert body["seq"] == 2 and body["results"][-1] == {"id": "g", "deleted": True}
    snap = client.get(f"/api/boards/{board}").get_json()
    assert snap["board"]["note_count"] == 50 and snap["seq"] == 2
    assert all(n["group_id"] is None for n in snap["notes"])
    # An empty batch changes nothing and makes no event.
    assert client.post(f"/api/boards/{board}/ops", json={"ops": []}).get_json() == {
        "results": [], "seq": 2}


def test_restart_persistence(make_app):
    app = make_app()
    c = app.test_client()
    b = c.post("/api/boards", json={"name": "Keep"}).get_json()["id"]
    c.post(f"/api/boards/{b}/notes", json={"id": "n1", "text": "still here", "x": 7})
    app.extensions["herd.store"].close()

    again = make_app()
    snap = again.test_client().get(f"/api/boards/{b}").get_json()
    assert snap["board"]["name"] == "Keep" and snap["seq"] == 1
    assert [(n["id"], n["text"], n["x"]) for n in snap["notes"]] == [("n1", "still here", 7)]


def test_limits_note_text(client, board):
    ok = client.post(f"/api/boards/{board}/notes", json={"text": "x" * 10_000})
    assert ok.status_code == 201
    r = client.post(f"/api/boards/{board}/notes", json={"text": "x" * 10_001})
    assert r.status_code == 413
    assert r.get_json()["error"]["message"].startswith(
        "Note text is 10,001 characters; the limit is 10,000.")


def test_limits_notes_per_board(client, board):
    for start in range(0, 5000, 1000):
        ops = [{"op": "create", "kind": "note", "fields": {"text": str(i)}}
               for i in range(start, start + 1000)]
        assert client.post(f"/api/boards/{board}/ops", json={"ops": ops}).status_code == 200
    r = client.post(f"/api/boards/{board}/notes", json={"text": "5,001st"})
    assert r.status_code == 413
    assert "limit is 5,000" in r.get_json()["error"]["message"]
    assert client.get(f"/api/boards/{board}").get_json()["board"]["note_count"] == 5000


def test_limits_body_size(client, board):
    big = {"text": "x" * 1_000_001}
    r = client.post(f"/api/boards/{board}/notes", json=big)
    assert r.status_code == 413
    assert r.get_json()["error"]["code"] == "too_large"
    assert "1,000,000 bytes" in r.get_json()["error"]["message"]


def test_group_membership_follows_geometry_and_requests_grow_the_frame(client, board):
    ops = [{"op": "create", "kind": "group", "id": "g", "fields": {"title": "G"}}]
    ops += [{"op": "create", "kind": "note", "id": f"n{i}",
             "fields": {"text": str(i), "x": 1000 + 300 * i, "y": 0}} for i in range(3)]
    client.post(f"/api/boards/{board}/ops", json={"ops": ops})

    def members():
        return {n["id"]: n["group_id"]
                for n in client.get(f"/api/boards/{board}").get_json()["notes"]}

    assert members() == {"n0": None, "n1": None, "n2": None}  # g (0,0 400x300) holds none
    # Asking a note into a group grows the frame to hold it...
    r = client.patch(f"/api/boards/{board}/notes/n0", json={"group_id": "g"})
    assert r.get_json()["group_id"] == "g"
    g = client.get(f"/api/boards/{board}").get_json()["groups"][0]
    assert g["x"] + g["w"] >= 1000 + 160
    # ...so does a group's note_ids; a member not listed still inside stays (containment)...
    r = client.patch(f"/api/boards/{board}/groups/g", json={"note_ids": ["n1", "n2"]})
    assert r.status_code == 200 and r.get_json()["w"] >= 1600 + 160
    assert members() == {"n0": "g", "n1": "g", "n2": "g"}
    # ...and a note leaves by leaving the frame, whatever group_id says.
    r = client.patch(f"/api/boards/{board}/notes/n1", json={"group_id": None})
    assert r.get_json()["group_id"] == "g"
    r = client.patch(f"/api/boards/{board}/notes/n1", json={"y": 5000})
    assert r.get_json()["group_id"] is None


def test_a_note_sent_back_as_read_is_accepted(client, board):
    n = client.post(f"/api/boards/{board}/notes", json={"text": "a"}).get_json()
    r = client.patch(f"/api/boards/{board}/notes/{n['id']}", json={**n, "text": "b"})
    assert r.status_code == 200 and r.get_json()["text"] == "b"
    assert r.get_json()["version"] == 2  # 'version' in the body is the one the client saw


# SQLite's trace callback counts the statements; on PostgreSQL test_store_pg counts a move's
# answers instead (test_a_move_on_postgresql_waits_for_five_answers_under_the_write_lock).
@pytest.mark.parametrize("db_path", ["sqlite"], indirect=True)
def test_a_note_move_is_one_statement_for_the_gate_and_one_write(app, client, board):
    """What a move costs the database, counted: the gate's credentials in one statement (no
    transaction around it: on PostgreSQL each of BEGIN and COMMIT is a round trip) and the
    change in one write transaction that also yields the modes its answer is filtered by
    (a separate read of the modes was 4 more statements on every move of a busy room)."""
    from server.store import get_store

    client.post(f"/api/boards/{board}/notes", json={"id": "n1", "text": "a"})
    url = client.get(f"/api/boards/{board}/links").get_json()["editor"]
    editor = app.test_client(owner=False)
    editor.get(url.replace("http://localhost", ""))
    assert editor.patch(f"/api/boards/{board}/notes/n1", json={"x": 1}).status_code == 200
    seen: list[str] = []
    with app.app_context():
        store = get_store()
        for conn in [store._writer, *store._readers]:
            conn.set_trace_callback(seen.append)
    try:
        r = editor.patch(f"/api/boards/{board}/notes/n1", json={"x": 2, "y": 3})
    finally:
        for conn in [store._writer, *store._readers]:
            conn.set_trace_callback(None)
    assert r.status_code == 200 and r.get_json()["x"] == 2
    assert seen[0].startswith("SELECT s.value, l.role, l.secret FROM secrets"), seen
    # Under the write lock: the board's seq, modes and the writer's name in one statement,
    # and the next seq is written, not read back.
    assert seen[2].startswith("SELECT b.seq, m.private"), seen
    assert not any(s.startswith("SELECT seq FROM boards") for s in seen), seen
    # The note is read once, before it is written; after that the batch knows its row.
    assert sum(s.startswith("SELECT * FROM notes WHERE board_id") for s in seen) == 1, seen
    assert len(seen) == 10, seen
    begins = [s for s in seen if s.startswith("BEGIN")]
    assert begins == ["BEGIN IMMEDIATE"], seen
    assert sum(s.startswith("COMMIT") for s in seen) == 1
