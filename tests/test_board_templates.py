"""Board templates: every file in server/board_templates loads and is valid; the owner lists
them and starts a board from one (its frames and suggested timer in one write); bad names and
bad files are refused with a reason; nobody else may list or create."""

from __future__ import annotations

import json

import pytest

from server import board_templates as bt
from server.store import get_store

EXPECTED = {"retrospective": ["Went well", "To improve", "Actions"],
            "lean-coffee": ["To discuss", "Discussing", "Done"],
            "start-stop-continue": ["Start", "Stop", "Continue"]}


def test_every_template_file_in_the_directory_loads_and_is_valid():
    files = sorted(bt.DIRECTORY.glob("*.json"))
    assert len(files) >= 4
    loaded = bt.load()
    assert set(loaded) == {f.stem for f in files}  # one template per file, named by it
    for path in files:
        t = bt.parse(path.stem, json.loads(path.read_text()), path.name)
        assert t.frames and t.name and t.timer_seconds and t.timer_seconds % 60 == 0
        groups = t.groups()
        # Frames side by side, never overlapping: a note dropped in one is in that one only.
        for a, b in zip(groups, groups[1:], strict=False):
            assert a["x"] + a["w"] < b["x"]
    for tid, titles in EXPECTED.items():
        assert [f.title for f in loaded[tid].frames] == titles
    assert "affinity-map" in loaded


@pytest.mark.parametrize("data, says", [
    ({"name": "X", "frames": [{"title": "A"}], "colour": 1}, "unknown key"),
    ({"name": "", "frames": []}, "'name'"),
    ({"name": "X", "frames": [{"title": ""}]}, "'title'"),
    ({"name": "X", "frames": [{"title": "A", "w": 10}]}, "'w'"),
    ({"name": "X", "frames": [{"title": "A"}], "timer_minutes": 0}, "'timer_minutes'"),
    ({"name": "X", "frames": [{"title": "A"}], "timer_minutes": True}, "'timer_minutes'"),
    ({"name": "X", "frames": [{"title": "A"}] * 13}, "at most 12"),
    ({"name": "X", "frames": "A"}, "'frames'"),
    (["not", "an", "object"], "JSON object"),
])
def test_a_bad_template_is_refused_at_load_with_its_file_named(tmp_path, data, says):
    (tmp_path / "broken.json").write_text(json.dumps(data))
    with pytest.raises(bt.TemplateError, match=says) as err:
        bt.load(tmp_path)
    assert "broken.json" in str(err.value)


def test_a_file_that_is_not_json_or_badly_named_is_refused(tmp_path):
    (tmp_path / "bad.json").write_text("{nope")
    with pytest.raises(bt.TemplateError, match="bad.json"):
        bt.load(tmp_path)
    (tmp_path / "bad.json").unlink()
    (tmp_path / "Not_An_Id.json").write_text(json.dumps({"name": "X", "frames": []}))
    with pytest.raises(bt.TemplateError, match="file name"):
        bt.load(tmp_path)


def test_a_broken_template_stops_the_app_at_start_up(make_app, tmp_path):
    (tmp_path / "x.json").write_text(json.dumps({"frames": []}))
    with pytest.raises(bt.TemplateError, match="x.json"):
        make_app(TEMPLATES_DIR=str(tmp_path))


def test_adding_a_template_is_adding_a_file(make_app, tmp_path):
    (tmp_path / "pre-mortem.json").write_text(json.dumps(
        {"name": "Pre-mortem", "timer_minutes": 3, "frames": [{"title": "What could go wrong"}]}))
    c = make_app(TEMPLATES_DIR=str(tmp_path)).test_client()
    assert [t["id"] for t in c.get("/api/templates").get_json()["templates"]] == ["pre-mortem"]
    b = c.post("/api/boards", json={"name": "P", "template": "pre-mortem"})
    assert b.status_code == 201


def test_the_owner_lists_the_templates_in_order(client):
    r = client.get("/api/templates")
    assert r.status_code == 200
    templates = r.get_json()["templates"]
    assert templates[0]["id"] == "retrospective"
    retro = templates[0]
    assert retro["frames"] == EXPECTED["retrospective"] and retro["timer_seconds"] == 600
    assert set(retro) == {"id", "name", "description", "timer_seconds", "frames"}


def test_a_board_from_a_template_has_its_frames_and_suggested_timer(app, client):
    r = client.post("/api/boards", json={"name": "Sprint 14 retro", "template": "retrospective"})
    assert r.status_code == 201
    b = r.get_json()
    snap = client.get(f"/api/boards/{b['id']}").get_json()
    assert snap["board"]["name"] == "Sprint 14 retro"
    assert sorted(g["title"] for g in snap["groups"]) == sorted(EXPECTED["retrospective"])
    assert all(g["origin"] == "user" for g in snap["groups"])  # Organize keeps them
    assert snap["notes"] == [] and snap["template"] == {"id": "retrospective",
                                                        "timer_seconds": 600}
    # One write: the new board's frames are its rows at seq 0, no event log to replay.
    assert snap["seq"] == 0
    # Frames are ordinary groups: they can be renamed, and notes dropped in them join.
    g = min(snap["groups"], key=lambda g: g["x"])
    ops = client.post(f"/api/boards/{b['id']}/ops", json={"ops": [
        {"op": "create", "kind": "note", "id": "n1",
         "fields": {"text": "pairing", "x": g["x"] + 20, "y": g["y"] + 20}}]})
    assert ops.status_code == 200
    assert client.get(f"/api/boards/{b['id']}").get_json()["notes"][0]["group_id"] == g["id"]


def test_an_empty_board_has_no_frames_and_no_template(client):
    for body in ({"name": "Plain"}, {"name": "Plain", "template": None},
                 {"name": "Plain", "template": ""}):
        b = client.post("/api/boards", json=body).get_json()
        snap = client.get(f"/api/boards/{b['id']}").get_json()
        assert snap["groups"] == [] and snap["template"] is None


@pytest.mark.parametrize("template", ["nope", 7, ["retrospective"], {"id": "retrospective"},
                                      "../retrospective"])
def test_an_unknown_template_is_refused_and_no_board_is_made(app, client, template):
    before = len(get_store(app).list_boards())
    r = client.post("/api/boards", json={"name": "X", "template": template})
    assert r.status_code == 400
    err = r.get_json()["error"]
    assert err["code"] == "bad_request" and "retrospective" in err["message"]
    assert len(get_store(app).list_boards()) == before


def test_a_misspelt_key_beside_a_template_is_still_refused(client):
    r = client.post("/api/boards", json={"name": "X", "template": "retrospective", "tempo": 1})
    assert r.status_code == 400 and "tempo" in r.get_json()["error"]["message"]


@pytest.mark.parametrize("role", ["facilitator", "editor", "viewer"])
def test_only_the_owner_lists_templates_or_creates_from_one(app, client, role):
    b = client.post("/api/boards", json={"name": "Mine"}).get_json()["id"]
    link = client.get(f"/api/boards/{b}/links").get_json()[role]
    c = app.test_client(owner=False)
    assert c.get(link.replace("http://localhost", "")).status_code == 303
    assert c.get("/api/templates").status_code == 403
    before = len(get_store(app).list_boards())
    r = c.post("/api/boards", json={"name": "X", "template": "retrospective"})
    assert r.status_code == 403 and len(get_store(app).list_boards()) == before
    anonymous = app.test_client(owner=False)
    assert anonymous.get("/api/templates").status_code == 401
