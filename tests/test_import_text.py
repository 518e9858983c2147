"""Importing a text list: one note per line, in the same grid a paste makes."""

from __future__ import annotations

from server import create_app
from server.export.textimport import default_centre, grid, text_ops

LIST = ("- Commas, and more\n* \"Quoted\" idea\n\n1. Party 🎉\n2) שלום עולם\n• مرحبا\n"
        "#hashtag idea\n")


def test_grid_matches_the_paste_grid():
    # static/js/geometry.js gridPlacement(4, {x: 0, y: 0}): 3 columns, centred.
    assert grid(4, (0, 0)) == [(-260, -130), (-80, -130), (100, -130), (-260, 10)]
    assert grid(0, (0, 0)) == []
    assert len({y for _, y in grid(50, (0, 0))}) == 6  # 50 ideas: 9 columns, 6 rows


def test_lines_become_notes_with_markers_dropped():
    ops = text_ops(LIST, {"notes": [], "groups": []})
    texts = [o["fields"]["text"] for o in ops]
    assert texts == ["Commas, and more", '"Quoted" idea', "Party 🎉", "שלום עולם", "مرحبا",
                     "#hashtag idea"]
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
    assert [r["text"] for r in body["results"]][:2] == ["Commas, and more", '"Quoted" idea']
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


MARKDOWN = """Loose idea first

# Fruit

- apple
- a note on
  two lines

## Tools ##
1. saw
# Ungrouped

- left over
"""


def test_markdown_headings_become_frames_holding_their_notes():
    ops = text_ops(MARKDOWN, {"notes": [], "groups": []}, (0, 0))
    groups = {o["id"]: o["fields"] for o in ops if o["kind"] == "group"}
    assert [g["title"] for g in groups.values()] == ["Fruit", "Tools"]
    notes = [o["fields"] for o in ops if o["kind"] == "note"]
    by_group = {}
    for n in notes:
        by_group.setdefault(groups[n["group_id"]]["title"] if n["group_id"] else None,
                            []).append(n["text"])
    assert by_group == {"Fruit": ["apple", "a note on\ntwo lines"], "Tools": ["saw"],
                        None: ["Loose idea first", "left over"]}
    for n in notes:  # every grouped note sits inside its frame
        if n["group_id"]:
            f = groups[n["group_id"]]
            assert f["x"] <= n["x"] and n["x"] + 160 <= f["x"] + f["w"]
            assert f["y"] <= n["y"] and n["y"] + 120 <= f["y"] + f["h"]


def test_a_markdown_export_comes_back_grouped(client):
    bid = client.post("/api/boards", json={"name": "src"}).get_json()["id"]
    client.post(f"/api/boards/{bid}/ops", json={"ops": [
        {"op": "create", "kind": "group", "id": "g", "fields": {"title": "Ideas, <b>big</b>",
                                                                 "w": 600, "h": 400}},
        {"op": "create", "kind": "note", "fields": {"text": "<script>x()</script>\n&amp; R&D",
                                                     "group_id": "g", "x": 10, "y": 200}},
        {"op": "create", "kind": "note", "fields": {"text": "two\nlines", "group_id": "g",
                                                     "x": 10, "y": 60}},
        {"op": "create", "kind": "note", "fields": {"text": "Comma, \"quote\" 🎉",
                                                     "group_id": "g", "x": 200, "y": 60}},
        {"op": "create", "kind": "note", "fields": {"text": "alone", "x": 900, "y": 900}}]})
    md = client.get(f"/api/boards/{bid}/export?format=md").get_data(as_text=True)
    assert "<script" not in md and "<b>" not in md  # escaped, yet it comes back as typed
    dst = client.post("/api/boards", json={"name": "dst"}).get_json()["id"]
    assert client.post(f"/api/boards/{dst}/import-text", json={"text": md}).status_code == 200

    def outline(board):
        snap = client.get(f"/api/boards/{board}").get_json()
        titles = {g["id"]: g["title"] for g in snap["groups"]}
        return sorted((titles.get(n["group_id"], ""), n["text"]) for n in snap["notes"])

    assert outline(dst) == outline(bid)
