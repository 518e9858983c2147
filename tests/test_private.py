"""Private mode (write blind) and authors: who may switch them, and that a hidden note's text
reaches nobody but its author on any route (board read, live stream, replay, write answers,
409s, exports, Organize) until the facilitator reveals it."""

from __future__ import annotations

import json
from unittest.mock import ANY

import pytest
from sse_stream import Stream

from server.store import schema

SECRET = "ann-secret-idea-7731"


@pytest.fixture
def room(app, client):
    """A board with one visible note (n0), a facilitator, two editors and a viewer."""
    b = client.post("/api/boards", json={"name": "Retro"}).get_json()["id"]
    assert client.post(f"/api/boards/{b}/notes", json={"id": "n0", "text": "before"}
                       ).status_code == 201
    links = client.get(f"/api/boards/{b}/links").get_json()

    def person(role: str):
        c = app.test_client(owner=False)
        assert c.get(links[role].replace("http://localhost", "")).status_code == 303
        return c
    r = {"b": b, "owner": client, "fac": person("facilitator"), "ann": person("editor"),
         "bob": person("editor"), "viewer": person("viewer")}
    for who, name in (("fac", "Fay"), ("ann", "Ann"), ("bob", "Bob")):
        assert r[who].put(f"/api/boards/{b}/me", json={"name": name}).status_code == 200
    return r


def modes(room, who="fac", **body):
    return room[who].patch(f"/api/boards/{room['b']}/modes", json=body)


def write_secret(room, **fields):
    r = room["ann"].post(f"/api/boards/{room['b']}/notes",
                         json={"id": "s1", "text": SECRET, "x": 300, "y": 40, "color": "pink",
                               **fields})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.get_json()


def board(room, who):
    r = room[who].get(f"/api/boards/{room['b']}")
    assert r.status_code == 200
    return r


def note(resp, note_id="s1"):
    return next(n for n in resp.get_json()["notes"] if n["id"] == note_id)


@pytest.mark.parametrize("who,ok", [("owner", True), ("fac", True), ("ann", False),
                                    ("viewer", False)])
def test_only_the_facilitator_or_owner_switches_private_mode(room, who, ok):
    r = modes(room, who, private=True)
    assert r.status_code == (200 if ok else 403)
    assert board(room, "owner").get_json()["modes"]["private"] is ok
    r = modes(room, who, show_authors=True)
    assert r.status_code == (200 if ok else 403)


def test_bad_modes_bodies_are_refused_and_change_nothing(room):
    for body in ({}, {"private": "yes"}, {"private": True, "secret": 1}, {"show_authors": 1}):
        r = room["fac"].patch(f"/api/boards/{room['b']}/modes", json=body)
        assert r.status_code == 400 and r.get_json()["error"]["code"] == "bad_request", body
    assert board(room, "owner").get_json()["modes"] == {"private": False, "show_authors": True,
                                                        "version": 0}


def test_a_hidden_note_is_whole_for_its_author_and_face_down_for_everyone_else(room):
    assert modes(room, private=True).get_json()["modes"]["show_authors"] is False
    mine = write_secret(room)
    assert mine["text"] == SECRET and mine["hidden"] is True and "author_id" not in mine
    assert note(board(room, "ann"))["text"] == SECRET  # the author reads it back
    for who in ("bob", "fac", "owner", "viewer"):
        r = board(room, who)
        assert SECRET not in r.get_data(as_text=True), who
        card = note(r)
        assert card["face_down"] is True and card["text"] == "" and card["author"] is None
        assert (card["x"], card["y"], card["color"]) == (300, 40, "pink")
        assert "author_id" not in r.get_data(as_text=True)
    # Notes written before private mode stay face up for everyone.
    assert note(board(room, "bob"), "n0")["text"] == "before"


def test_the_author_edits_their_hidden_note_others_may_move_it_but_not_write_on_it(room):
    modes(room, private=True)
    s = write_secret(room)
    b = room["b"]
    r = room["ann"].patch(f"/api/boards/{b}/notes/s1",
                          json={"text": SECRET + " v2", "version": s["version"]})
    assert r.status_code == 200 and r.get_json()["text"] == SECRET + " v2"
    r = room["bob"].patch(f"/api/boards/{b}/notes/s1", json={"text": "overwritten"})
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "hidden_note"
    r = room["fac"].post(f"/api/boards/{b}/ops", json={"ops": [
        {"op": "update", "kind": "note", "id": "s1", "fields": {"text": "x"}}]})
    assert r.status_code == 403
    # Moving the card is fine; the answer is still the card.
    r = room["bob"].patch(f"/api/boards/{b}/notes/s1", json={"x": 500})
    assert r.status_code == 200 and r.get_json()["face_down"] is True
    assert SECRET not in r.get_data(as_text=True)
    assert note(board(room, "ann"))["text"] == SECRET + " v2"
    # Deleting it blind is refused too: the text is not the deleter's to lose.
    r = room["fac"].delete(f"/api/boards/{b}/notes/s1")
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "hidden_note"
    assert room["ann"].delete(f"/api/boards/{b}/notes/s1").status_code == 204


def test_a_409_carries_the_current_row_face_down(room):
    modes(room, private=True)
    write_secret(room)
    b = room["b"]
    for r in (room["bob"].patch(f"/api/boards/{b}/notes/s1", json={"x": 1, "version": 99}),
              room["bob"].post(f"/api/boards/{b}/notes", json={"id": "s1", "text": "dup"}),
              room["fac"].post(f"/api/boards/{b}/ops", json={"ops": [
                  {"op": "update", "kind": "note", "id": "s1", "version": 99,
                   "fields": {"x": 2}}]})):
        assert r.status_code == 409
        body = r.get_data(as_text=True)
        assert SECRET not in body and "author_id" not in body
        assert r.get_json()["error"]["details"]["current"]["face_down"] is True
    r = room["ann"].patch(f"/api/boards/{b}/notes/s1", json={"x": 1, "version": 99})
    assert r.status_code == 409 and r.get_json()["error"]["details"]["current"]["text"] == SECRET


def test_the_live_stream_and_its_replay_send_hidden_text_to_its_author_alone(room):
    b = room["b"]
    seq0 = board(room, "owner").get_json()["seq"]
    bob, ann = Stream(room["bob"], b, f"?after={seq0}"), Stream(room["ann"], b, f"?after={seq0}")
    try:
        modes(room, private=True)
        write_secret(room)
        room["ann"].patch(f"/api/boards/{b}/notes/s1", json={"text": SECRET + "!"})
        assert bob.next_of("modes")["modes"]["private"] is True
        seen = bob.next_of("changes")
        card = seen["changes"][0]["item"]
        assert card["face_down"] is True and card["text"] == "" and SECRET not in json.dumps(seen)
        assert ann.next_of("modes")
        assert ann.next_of("changes")["changes"][0]["item"]["text"].startswith(SECRET)
        r = modes(room, private=False)
        assert r.get_json()["revealed"] == 1
        assert bob.next_of("modes")["modes"]["private"] is False
        while True:
            revealed = bob.next_of("changes")
            item = revealed["changes"][0]["item"]
            if not item.get("hidden"):
                break
            assert SECRET not in json.dumps(revealed)
        assert item["text"] == SECRET + "!" and item.get("face_down") is None
    finally:
        bob.close()
        ann.close()
    # Replayed from the log (Last-Event-ID), Bob gets the cards, then the text at the reveal.
    replay = Stream(room["bob"], b, headers={"Last-Event-ID": str(seq0)},
                    query="?max_events=5")
    try:
        got = [replay.next()[1] for _ in range(5)]
    finally:
        replay.close()
    text = json.dumps(got)
    before = text[:text.index('"private": false')]
    assert SECRET not in before and "author_id" not in text
    assert SECRET + "!" in text[len(before):]


def test_reveal_shows_everyone_the_text(room):
    modes(room, private=True)
    write_secret(room)
    assert SECRET not in board(room, "bob").get_data(as_text=True)
    r = modes(room, private=False)
    assert r.status_code == 200 and r.get_json()["modes"]["private"] is False
    for who in ("bob", "fac", "viewer"):
        n = note(board(room, who))
        assert n["text"] == SECRET and n["hidden"] is False and "face_down" not in n
    # After the reveal the note is an ordinary one: anyone may edit it.
    assert room["bob"].patch(f"/api/boards/{room['b']}/notes/s1",
                             json={"text": "edited"}).status_code == 200


@pytest.mark.parametrize("fmt", ["md", "csv", "json", "svg"])
def test_exports_leave_others_hidden_text_out(room, fmt):
    modes(room, private=True)
    write_secret(room)
    url = f"/api/boards/{room['b']}/export?format={fmt}"
    for who in ("bob", "fac", "viewer"):
        r = room[who].get(url)
        assert r.status_code == 200 and SECRET[:10].encode() not in r.data, (who, fmt)
        assert b"author_id" not in r.data
    # The author's own export has it (a picture wraps it over lines).
    assert SECRET[:10].encode() in room["ann"].get(url).data


def test_png_export_draws_the_card_without_its_text(room):
    modes(room, private=True)
    write_secret(room, text="")  # an empty own note: the picture differs only by the text
    empty = room["bob"].get(f"/api/boards/{room['b']}/export?format=png").data
    room["ann"].patch(f"/api/boards/{room['b']}/notes/s1", json={"text": SECRET})
    assert room["bob"].get(f"/api/boards/{room['b']}/export?format=png").data == empty
    assert room["ann"].get(f"/api/boards/{room['b']}/export?format=png").data != empty


def test_organize_and_sort_are_refused_while_notes_are_face_down(room):
    modes(room, private=True)
    write_secret(room)
    b = room["b"]
    for who in ("bob", "fac", "owner"):
        for path in ("/organize", "/organize/sort", "/organize/nojob/apply"):
            r = room[who].post(f"/api/boards/{b}{path}", json={} if "nojob" not in path else None)
            assert r.status_code == 409, (who, path, r.status_code)
            err = r.get_json()["error"]
            assert err["code"] == "private_mode" and "reveal" in err["message"]
    modes(room, private=False)
    # Revealed: Organize gets past the rule (this app has no AI: the 503 that says so).
    assert room["bob"].post(f"/api/boards/{b}/organize", json={}).status_code == 503


def test_suggest_title_never_reads_face_down_notes(room):
    b = room["b"]
    room["owner"].post(f"/api/boards/{b}/groups", json={"id": "g1", "title": "G", "x": 250,
                                                         "y": 0, "w": 400, "h": 300})
    modes(room, private=True)
    write_secret(room)
    r = room["ann"].post(f"/api/boards/{b}/groups/g1/suggest-title")
    assert r.status_code == 400 and "no notes with text" in r.get_json()["error"]["message"]


def test_authors_are_sent_to_the_facilitator_and_to_all_only_when_shown(room):
    b = room["b"]
    r = room["bob"].post(f"/api/boards/{b}/notes", json={"id": "v1", "text": "by bob"})
    assert r.get_json()["author"] == "Bob"
    assert note(board(room, "ann"), "v1")["author"] == "Bob"  # shown by default
    modes(room, show_authors=False)
    assert note(board(room, "ann"), "v1")["author"] is None
    assert note(board(room, "viewer"), "v1")["author"] is None
    assert note(board(room, "fac"), "v1")["author"] == "Bob"
    assert b"Bob" not in room["ann"].get(f"/api/boards/{b}/export?format=csv").data
    assert b"Bob" in room["fac"].get(f"/api/boards/{b}/export?format=csv").data
    modes(room, show_authors=True)
    assert note(board(room, "ann"), "v1")["author"] == "Bob"


def test_authors_stay_hidden_after_the_reveal_until_the_facilitator_shows_them(room):
    modes(room, private=True)
    write_secret(room)
    modes(room, private=False)
    n = note(board(room, "bob"))
    assert n["text"] == SECRET and n["author"] is None
    modes(room, show_authors=True)
    assert note(board(room, "bob"))["author"] == "Ann"


def test_the_stream_names_authors_as_the_board_shows_them(room):
    b = room["b"]
    modes(room, show_authors=False)
    seq0 = board(room, "owner").get_json()["seq"]
    bob, fac = Stream(room["bob"], b, f"?after={seq0}"), Stream(room["fac"], b, f"?after={seq0}")
    try:
        room["ann"].post(f"/api/boards/{b}/notes", json={"id": "v2", "text": "hello"})
        assert bob.next_of("changes")["changes"][0]["item"]["author"] is None
        assert fac.next_of("changes")["changes"][0]["item"]["author"] == "Ann"
        modes(room, show_authors=True)
        assert bob.next_of("modes")["modes"]["show_authors"] is True
        # A move says only where the note went (the page re-reads the board when the modes
        # change, so it has the names); a new text sends the whole row, with its author.
        room["ann"].patch(f"/api/boards/{b}/notes/v2", json={"x": 5})
        assert bob.next_of("changes")["changes"][0] == {
            "kind": "note", "op": "patch", "item": {"id": "v2", "x": 5.0, "version": 2,
                                                    "updated_at": ANY}}
        room["ann"].patch(f"/api/boards/{b}/notes/v2", json={"text": "hello again"})
        assert bob.next_of("changes")["changes"][0]["item"]["author"] == "Ann"
    finally:
        bob.close()
        fac.close()


def test_a_replay_never_names_authors_the_board_hides_now(room):
    b = room["b"]
    seq0 = board(room, "owner").get_json()["seq"]
    room["ann"].post(f"/api/boards/{b}/notes", json={"id": "v3", "text": "hello"})
    modes(room, show_authors=False)
    replay = Stream(room["bob"], b, f"?after={seq0}&max_events=2")
    try:
        got = [replay.next()[1] for _ in range(2)]
    finally:
        replay.close()
    assert "Ann" not in json.dumps(got)


def test_renaming_yourself_renames_your_notes_and_names_are_checked(room):
    b = room["b"]
    room["ann"].post(f"/api/boards/{b}/notes", json={"id": "v4", "text": "mine"})
    r = room["ann"].put(f"/api/boards/{b}/me", json={"name": "  Annie  "})
    assert r.status_code == 200 and r.get_json()["notes"] == 1
    assert note(board(room, "fac"), "v4")["author"] == "Annie"
    for body in ({}, {"name": ""}, {"name": 5}, {"name": "x" * 41}, {"name": "a", "b": 1}):
        assert room["ann"].put(f"/api/boards/{b}/me", json=body).status_code == 400, body
    assert room["viewer"].put(f"/api/boards/{b}/me", json={"name": "V"}).status_code == 403


def test_the_author_cannot_be_set_or_changed_by_the_client(room):
    b = room["b"]
    r = room["bob"].post(f"/api/boards/{b}/notes", json={"id": "v5", "text": "t",
                                                          "author": "Ann", "hidden": True,
                                                          "author_id": "x"})
    assert r.status_code == 201 and r.get_json()["author"] == "Bob"
    assert r.get_json()["hidden"] is False
    room["bob"].patch(f"/api/boards/{b}/notes/v5", json={"author": "Ann"})
    assert note(board(room, "fac"), "v5")["author"] == "Bob"


def test_two_people_on_one_link_are_two_authors(room, app):
    """The person is the session, not the link: Ann and Bob hold the same editor link."""
    modes(room, private=True)
    write_secret(room)
    assert SECRET not in board(room, "bob").get_data(as_text=True)


def test_json_export_carries_authors_and_imports_back(room):
    b = room["b"]
    room["ann"].post(f"/api/boards/{b}/notes", json={"id": "v6", "text": "exported"})
    data = room["owner"].get(f"/api/boards/{b}/export?format=json").get_json()
    assert next(n for n in data["notes"] if n["id"] == "v6")["author"] == "Ann"
    r = room["owner"].post("/api/boards/import", json=data)
    assert r.status_code == 201
    copy = room["owner"].get(f"/api/boards/{r.get_json()['id']}").get_json()
    assert next(n for n in copy["notes"] if n["id"] == "v6")["author"] == "Ann"


def test_migration_7_keeps_old_notes_and_starts_boards_out_of_private_mode(any_empty_db,
                                                                          make_app):
    """On SQLite and on PostgreSQL (migrations are written once: schema.py)."""
    db_path = any_empty_db
    conn = schema.connect(db_path)
    conn.execute("PRAGMA journal_mode = WAL")
    for version in range(6):
        for stmt in schema._statements(schema.MIGRATIONS[version]):
            conn.execute(stmt)
    conn.execute("PRAGMA user_version = 6")
    conn.execute("INSERT INTO boards (id, name, seq, created_at, updated_at) "
                 "VALUES ('b', 'Old', 3, 't', 't')")
    conn.execute("INSERT INTO notes (board_id, id, text, x, y, w, h, color, group_id, version, "
                 "created_at, updated_at) VALUES ('b', 'n', 'old', 0, 0, 160, 120, 'yellow', "
                 "NULL, 4, 't', 't')")
    conn.close()
    app = make_app(DATABASE=db_path)
    snap = app.test_client().get("/api/boards/b").get_json()
    assert snap["modes"] == {"private": False, "show_authors": True, "version": 0}
    n = snap["notes"][0]
    assert (n["text"], n["version"], n["author"], n["hidden"]) == ("old", 4, None, False)
    assert schema.connect(db_path).execute("PRAGMA user_version").fetchone()[0] >= 7


def test_a_locked_note_keeps_its_group_when_an_unlocked_frame_moves_over_it(room):
    b = room["b"]
    owner = room["owner"]
    owner.post(f"/api/boards/{b}/ops", json={"ops": [
        {"op": "create", "kind": "group", "id": "ga", "fields": {"title": "A", "x": 0, "y": 500,
                                                                  "w": 400, "h": 300}},
        {"op": "create", "kind": "group", "id": "gb", "fields": {"title": "B", "x": 2000,
                                                                  "y": 500, "w": 300, "h": 300}},
        {"op": "create", "kind": "note", "id": "lk", "fields": {"text": "locked", "x": 100,
                                                                 "y": 600}}]})
    assert note(board(room, "owner"), "lk")["group_id"] == "ga"
    assert room["fac"].post(f"/api/boards/{b}/lock", json={"note_ids": ["lk"]}).status_code == 200
    # An editor drags the unlocked frame B over the locked note (a smaller frame inside A).
    r = room["bob"].patch(f"/api/boards/{b}/groups/gb", json={"x": 50, "y": 550, "w": 250,
                                                               "h": 200})
    assert r.status_code == 200
    assert note(board(room, "owner"), "lk")["group_id"] == "ga"
    # An unlocked note there does change group: the rule still holds for it.
    owner.post(f"/api/boards/{b}/notes", json={"id": "free", "text": "f", "x": 2400, "y": 600})
    room["bob"].patch(f"/api/boards/{b}/groups/gb", json={"x": 2300, "y": 550})
    assert note(board(room, "owner"), "free")["group_id"] == "gb"


def test_a_signed_in_session_without_a_person_id_is_given_one_by_the_server(room):
    """The person is never the client's to name: a session that somehow lacks its id (an
    old cookie) gets a fresh one from the server, and is then a person of its own."""
    modes(room, private=True)
    write_secret(room)
    with room["bob"].session_transaction() as sess:
        old = sess.pop("sid")
    r = board(room, "bob")
    assert SECRET not in r.get_data(as_text=True)
    with room["bob"].session_transaction() as sess:
        assert isinstance(sess.get("sid"), str) and sess["sid"] != old


def test_herd_export_on_the_database_keeps_hidden_text_out_too(room, db_path, tmp_path):
    """The owner's terminal sees what the owner's browser does."""
    from server.cli import main

    modes(room, private=True)
    write_secret(room)
    for fmt in ("md", "csv", "json", "svg"):
        out = tmp_path / f"board.{fmt}"
        assert main(["export", room["b"], "--db", db_path, "-o", str(out)]) == 0
        assert SECRET[:10].encode() not in out.read_bytes(), fmt
    assert b"before" in (tmp_path / "board.md").read_bytes()
