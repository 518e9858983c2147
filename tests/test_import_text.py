"""Importing a text list: one note per line, in the same grid a paste makes."""

from __future__ import annotations

from server import create_app
from server.export.textimport import default_centre, grid, text_ops

LIST = "# Ideas\n- Commas, and more\n* \"Quoted\" idea\n\n1. Party 🎉\n2) שלום עולם\n• مرحبا\n"


def test_grid_matches_the_paste_grid():
    # static/js/geometry.js gridPlacement(4, {x: 0, y: 0}): 3 columns, centred.
    assert grid(4, (0, 0)) == [(-260, -130), (-80, -130), (100, -130), (-260, 10)]
    assert grid(0, (0, 0)) == []
    assert len({y for _, y in grid(50, (0, 0))}) == 6  # 50 ideas: 9 columns, 6 rows


def test_lines_become_notes_with_markers_dropped():
    ops = text_ops(LIST, {"notes": [], "groups": []})
    texts = [o["fields"]["text"] for o in ops]
    assert texts == ["# Ideas", "Commas, and more", '"Quoted" idea', "Party 🎉", "שלום עולם",
                     "مرحبا"]
    assert all(o["op"] == "create" and o["kind"] == "note" for o in ops)


def test_default_place_is_under_the_board():
    snap = {"notes": [{"x": 0, "y": 0, "w": 160, "h": 120}], "groups": []}
    cx, cy = default_centre(snap, 4)
    assert cx == 80
    tops = [y for _, y in grid(4, (cx, cy))]
    assert min(tops) == 120 + 80  # the board's bottom plus a gap


def test_import_text_route(client):
    bid = client.post("/api/boards", json={"name": "b"}).get_json()["id"]
    client.post(f"/api/boards/{bid}/notes", json={"text": "already here", "x": 0, "y": 0})
    resp = client.post(f"/api/boards/{bid}/import-text", json={"text": LIST},
                       headers={"X-Herd-Client": "tab-1"})
    assert resp.status_code == 200
    body = resp.get_json()
    assert [r["text"] for r in body["results"]][1:3] == ["Commas, and more", '"Quoted" idea']
    assert body["seq"] == 2  # one write, one live event
    assert all(r["y"] >= 200 for r in body["results"])
    board = client.get(f"/api/boards/{bid}").get_json()
    assert board["board"]["note_count"] == 7


def test_import_text_at_a_point(client):
    bid = client.post("/api/boards", json={}).get_json()["id"]
    resp = client.post(f"/api/boards/{bid}/import-text", json={"text": "a\nb", "x": 500, "y": 0})
    assert [(r["x"], r["y"]) for r in resp.get_json()["results"]] == [(330, -60), (510, -60)]


def test_import_text_errors(client):
    bid = client.post("/api/boards", json={}).get_json()["id"]
    for body, status in (({"text": "\n - \n"}, 400), ({}, 400), ({"text": 5}, 400),
                         ({"text": "a", "x": "1", "y": 2}, 400), ({"text": "a", "x": 1}, 400)):
        resp = client.post(f"/api/boards/{bid}/import-text", json=body)
        assert resp.status_code == status
        assert resp.get_json()["error"]["message"]
    resp = client.post("/api/boards/nope/import-text", json={"text": "a"})
    assert resp.status_code == 404


def test_import_text_over_the_note_limit_creates_nothing(tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "h.db"), "AI_ENABLED": False, "TESTING": True,
                      "MAX_NOTES_PER_BOARD": 3})
    client = app.test_client()
    bid = client.post("/api/boards", json={}).get_json()["id"]
    resp = client.post(f"/api/boards/{bid}/import-text", json={"text": "a\nb\nc\nd"})
    assert resp.status_code == 413 and resp.get_json()["error"]["code"] == "too_large"
    assert client.get(f"/api/boards/{bid}").get_json()["notes"] == []
