"""JSON export and import: an exact round trip, and refusals that create nothing."""

from __future__ import annotations

import io
import json
import sqlite3

import pytest
from export_samples import TRICKY, make_board
from pg_server import BACKENDS

from server import create_app
from server.errors import HerdError
from server.export import jsonfile, restore
from server.http_errors import status_of
from server.store import get_store

VOLATILE = ("board_id", "created_at", "updated_at")


def export(client, bid: str) -> dict:
    resp = client.get(f"/api/boards/{bid}/export?format=json")
    assert resp.status_code == 200
    return json.loads(resp.data)


def rows(data: dict, kind: str) -> list[dict]:
    """Rows minus what a new board cannot keep (its id and the times of the import)."""
    return sorted(({k: v for k, v in r.items() if k not in VOLATILE} for r in data[kind]),
                  key=lambda r: r["id"])


def board_count(client) -> int:
    return len(client.get("/api/boards").get_json()["boards"])


def test_export_is_versioned_and_complete(client):
    bid = make_board(client)
    data = export(client, bid)
    assert data["format"] == "herd-board" and data["format_version"] == 1
    assert data["board"]["name"] == "Retro, week 47"
    assert len(data["notes"]) == 8 and len(data["groups"]) == 2
    n1 = next(n for n in data["notes"] if n["id"] == "n1")
    assert (n1["version"], n1["color"], n1["x"]) == (3, "orange", 25)
    assert sorted(n["text"] for n in data["notes"]) == sorted(TRICKY)


def test_round_trip_is_exact(client):
    bid = make_board(client)
    first = export(client, bid)
    resp = client.post("/api/boards/import", data=json.dumps(first),
                       content_type="application/json")
    assert resp.status_code == 201, resp.get_json()
    new = resp.get_json()
    assert new["id"] != bid and new["name"] == first["board"]["name"]
    assert new["note_count"] == 8
    second = export(client, new["id"])
    assert rows(second, "notes") == rows(first, "notes")
    assert rows(second, "groups") == rows(first, "groups")
    # ...and the copy exports to the same file again.
    again = client.post("/api/boards/import", data=json.dumps(second),
                       content_type="application/json").get_json()
    assert rows(export(client, again["id"]), "notes") == rows(first, "notes")


def test_import_accepts_a_multipart_upload_and_a_form_typed_body(client):
    data = export(client, make_board(client)).copy()
    body = json.dumps(data).encode()
    resp = client.post("/api/boards/import", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(body), "board.json")})
    assert resp.status_code == 201, resp.get_json()
    resp = client.post("/api/boards/import", data=body,
                       content_type="application/x-www-form-urlencoded")  # curl -d @file
    assert resp.status_code == 201, resp.get_json()


@pytest.mark.parametrize("body, words", [
    (b"{not json", "not valid JSON"),
    (b"", "Send a Herd .json export"),
    (b"[1, 2]", "Not a Herd board export"),
    (b'{"format": "trello"}', "Not a Herd board export"),
    (b'{"format": "herd-board", "format_version": 9, "board": {}, "notes": []}',
     "upgrade Herd"),
    (b'{"format": "herd-board", "format_version": 1, "board": {"name": "x"}}', '"notes"'),
    ("\ufeff".encode() + b"\xff\xfe", "not valid JSON"),
])
def test_malformed_files_are_refused_with_a_clear_message(client, body, words):
    before = board_count(client)
    resp = client.post("/api/boards/import", data=body, content_type="application/json")
    assert resp.status_code == 400
    err = resp.get_json()["error"]
    assert err["code"] == "bad_request" and words in err["message"]
    assert board_count(client) == before


def broken(client, mutate) -> dict:
    data = export(client, make_board(client))
    mutate(data)
    before = board_count(client)
    resp = client.post("/api/boards/import", data=json.dumps(data),
                       content_type="application/json")
    assert board_count(client) == before, "a refused import must create nothing"
    return {"status": resp.status_code, **resp.get_json()["error"]}


def test_every_problem_is_listed_and_nothing_is_created(client):
    def mutate(d):
        d["notes"][0]["color"] = "teal"
        d["notes"][1]["id"] = d["notes"][2]["id"]
        d["notes"][3]["group_id"] = "nope"
        d["notes"][4]["x"] = "12"
        d["notes"][5]["group_id"] = ["g1"]  # unhashable: must not crash the checker
        d["groups"][0]["w"] = 0
    err = broken(client, mutate)
    assert err["status"] == 400
    assert err["message"].startswith("The export cannot be imported: groups[0].w: must be")
    assert "(and 5 more problems)" in err["message"]
    assert "Nothing was created" in err["message"]
    problems = " | ".join(err["details"]["problems"])
    for bit in ("notes[0].color: 'teal' is not one of yellow, ", "appears twice",
                "'nope' is not a group", "notes[4].x: must be a number",
                "groups[0].w: must be from 1"):
        assert bit in problems


def test_note_text_over_the_limit_is_413(client):
    err = broken(client, lambda d: d["notes"][0].update(text="x" * 10_001))
    assert err["status"] == 413 and err["code"] == "too_large"
    assert "10,001 characters; the limit is 10,000" in err["message"]


def test_too_many_notes_is_413(client, tmp_path):
    data = json.dumps(export(client, make_board(client)))  # 8 notes
    small = create_app({"DATABASE": str(tmp_path / "small.db"), "AI_ENABLED": False,
                        "TESTING": True, "MAX_NOTES_PER_BOARD": 5}).test_client()
    resp = small.post("/api/boards/import", data=data, content_type="application/json")
    err = resp.get_json()["error"]
    assert resp.status_code == 413 and "at most 5" in err["message"]
    assert board_count(small) == 0


def test_oversized_upload_is_413_json(make_app):
    app = make_app(MAX_IMPORT_BYTES=2_000)
    client = app.test_client()
    data = export(client, make_board(client))
    before = board_count(client)
    resp = client.post("/api/boards/import", data=json.dumps(data),
                       content_type="application/json")
    err = resp.get_json()["error"]
    assert resp.status_code == 413 and err["code"] == "too_large"
    assert "import takes up to" in err["message"] and "Nothing was created" in err["message"]
    assert board_count(client) == before


def test_import_allows_more_than_the_app_wide_body_limit(client, tmp_path):
    data = json.dumps(export(client, make_board(client)))
    assert len(data) > 2_000
    small = create_app({"DATABASE": str(tmp_path / "small.db"), "AI_ENABLED": False,
                        "TESTING": True, "MAX_CONTENT_LENGTH": 2_000}).test_client()
    bid = small.post("/api/boards/import", data=data,
                     content_type="application/json").get_json()["id"]
    # Every other route keeps the small limit.
    resp = small.post(f"/api/boards/{bid}/notes", json={"text": "x" * 3_000})
    assert resp.status_code == 413


@pytest.mark.parametrize("db_path", BACKENDS, indirect=True)
def test_a_failure_half_way_creates_nothing(app, client):
    data = export(client, make_board(client))
    # The last note collides with the first: the database refuses it mid-insert.
    data["notes"].append(dict(data["notes"][0]))
    data["notes"][-1]["id"] = "dup"
    data["notes"].append(dict(data["notes"][-1]))
    before = board_count(client)
    store = get_store(app)
    clean = jsonfile.validate(data | {"notes": data["notes"][:-1]})
    clean["notes"].append(dict(clean["notes"][-1]))  # past validation, as a bug would be
    with pytest.raises(sqlite3.IntegrityError):
        restore.restore(store, clean)
    assert board_count(client) == before


def test_versions_times_and_origins_come_back_as_exported(app, client):
    clean = {"name": "b", "groups": [{"id": "g", "title": "", "x": 0, "y": 0, "w": 9, "h": 9,
                                      "origin": "organize", "version": 3,
                                      "created_at": "2025-01-02T03:04:05.000Z",
                                      "updated_at": "2025-01-03T03:04:05.000Z"}],
             "notes": [{"id": "n", "text": "", "x": 0, "y": 0, "w": 9, "h": 9,
                        "color": "yellow", "group_id": "g", "version": 200_000,
                        "created_at": "2024-12-31T23:59:59.000Z", "updated_at": None}]}
    board = restore.restore(get_store(app), clean)
    snap = get_store(app).snapshot(board["id"])
    g, n = snap["groups"][0], snap["notes"][0]
    assert (g["version"], g["origin"], g["created_at"]) == (3, "organize",
                                                           "2025-01-02T03:04:05.000Z")
    assert (n["version"], n["created_at"]) == (200_000, "2024-12-31T23:59:59.000Z")
    assert n["updated_at"]  # a missing time is the import's time


def test_validate_defaults_and_limits():
    clean = jsonfile.validate({"format": "herd-board", "format_version": 1,
                               "board": {"name": "Hand made"},
                               "notes": [{"id": "a", "text": "hi", "x": 1, "y": 2}]})
    note = clean["notes"][0]
    assert (note["w"], note["h"], note["color"], note["version"]) == (160, 120, "yellow", 1)
    with pytest.raises(HerdError) as e:
        jsonfile.validate({"format": "herd-board", "format_version": 1, "board": {"name": ""},
                           "notes": [{"id": "bad id!", "text": 5, "x": float("nan"), "y": 0,
                                      "created_at": "yesterday"}]})
    problems = e.value.details["problems"]
    assert len(problems) == 5 and status_of(e.value) == 400


def test_doubt_marks_travel_in_the_export_and_must_name_a_group_of_the_file(client):
    bid = client.post("/api/boards", json={"name": "Doubt"}).get_json()["id"]
    ops = [{"op": "create", "kind": "group", "id": g, "fields": {"title": g, "x": x, "y": 0}}
           for g, x in (("fruit", 0), ("tools", 600))]
    ops.append({"op": "create", "kind": "note", "id": "x",
                "fields": {"text": "apple hammer", "x": 20, "y": 60, "runner_up": "tools"}})
    assert client.post(f"/api/boards/{bid}/ops", json={"ops": ops}).status_code == 200
    data = export(client, bid)
    assert data["notes"][0]["runner_up"] == "tools"
    resp = client.post("/api/boards/import", json=data)
    assert resp.status_code == 201
    assert export(client, resp.get_json()["id"])["notes"][0]["runner_up"] == "tools"
    data["notes"][0]["runner_up"] = "elsewhere"
    before = board_count(client)
    resp = client.post("/api/boards/import", json=data)
    assert resp.status_code == 400 and "notes[0].runner_up" in resp.get_json()["error"]["message"]
    assert board_count(client) == before
    del data["notes"][0]["runner_up"]  # a file from before doubt marks
    resp = client.post("/api/boards/import", json=data)
    assert resp.status_code == 201
