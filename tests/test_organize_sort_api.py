"""Sorting new notes in, Unsorted, doubt marks and Preview through the API, with fake models."""

from __future__ import annotations

import pytest

from server.organize import fit
from server.organize.layout import Rect
from tests import test_organize_api as base
from tests.test_organize_api import layout, organize, wait_job

# The same app with fake models and the same 20-note board as the Organize API tests.
ai, app, board = base.ai, base.app, base.board

# The fake embedder scores a note with no word in common with a group at about 0.1 and one
# that shares a topic word at 0.5-0.6 (tests/test_organize_sort.py): a threshold between.
FAKE_MIN_FIT = 0.3


@pytest.fixture
def picky(monkeypatch):
    monkeypatch.setattr(fit, "SORT_MIN_FIT", FAKE_MIN_FIT)
    monkeypatch.setattr(fit, "MIN_FIT", FAKE_MIN_FIT)


def groups_of(client, bid):
    snap = client.get(f"/api/boards/{bid}").get_json()
    return {g["id"]: g for g in snap["groups"]}, {n["id"]: n for n in snap["notes"]}


def layout_rect(row) -> Rect:
    return Rect(row["x"], row["y"], row["w"], row["h"])


def sort(client, bid, **body):
    r = client.post(f"/api/boards/{bid}/organize/sort", json=body)
    assert r.status_code == 202, r.get_json()
    assert r.get_json()["job"]["kind"] == "sort"
    return wait_job(client, bid, r.get_json()["job"]["id"])


def add(client, bid, nid, text, x=5000.0, y=5000.0):
    r = client.post(f"/api/boards/{bid}/notes", json={"id": nid, "text": text, "x": x, "y": y})
    assert r.status_code == 201


def test_sort_places_new_notes_grows_frames_covers_nothing_and_undoes(client, board,
                                                                       picky):
    organize(client, board)
    groups, notes = groups_of(client, board)
    by_title = {g["title"].lower().rstrip("s"): gid for gid, g in groups.items()}
    add(client, board, "kiwi", "kiwi fruit")
    add(client, board, "chisel", "chisel tool")
    add(client, board, "odd", "quasar nebula")
    before_groups, before_notes = groups_of(client, board)

    job = sort(client, board, view={"x": 0, "y": 0, "w": 1600, "h": 900})
    assert job["state"] == "done" and job["undoable"], job
    assert job["notes"] == 3 and job["unsorted"] == 1 and job["groups"] == 2
    assert job["message"] == "Sorted 2 new notes into 2 groups; 1 fit no group and wait in " \
                             "Unsorted."
    after_groups, after_notes = groups_of(client, board)
    assert after_notes["kiwi"]["group_id"] == by_title["fruit"]
    assert after_notes["chisel"]["group_id"] == by_title["tool"]
    unsorted = after_groups[after_notes["odd"]["group_id"]]
    assert unsorted["title"] == "Unsorted" and unsorted["origin"] == "unsorted"
    # Frames that took a note grew; no frame covers another, so a frame right below one that
    # grew moved straight down with its notes (on this 2 x 2 grid the lower row does); every
    # other note kept its place in its frame.
    moved_down = {}
    for gid, g in before_groups.items():
        a = after_groups[gid]
        moved_down[gid] = a["y"] - g["y"]
        assert (a["x"], a["w"]) == (g["x"], g["w"]) and a["y"] >= g["y"]
        if gid in (by_title["fruit"], by_title["tool"]):
            assert a["h"] > g["h"]
            n = after_notes["kiwi" if gid == by_title["fruit"] else "chisel"]
            assert a["x"] <= n["x"] and n["x"] + n["w"] <= a["x"] + a["w"]
            assert a["y"] <= n["y"] and n["y"] + n["h"] <= a["y"] + a["h"]
        else:
            assert a["h"] == g["h"]
    assert any(moved_down.values())
    frames = [layout_rect(g) for g in after_groups.values()]
    assert not any(a.overlaps(b) for i, a in enumerate(frames) for b in frames[i + 1:])
    for nid, n in before_notes.items():
        if nid not in {"kiwi", "chisel", "odd"}:
            a = after_notes[nid]
            assert (a["x"], a["y"], a["group_id"]) == (n["x"], n["y"] + moved_down[n["group_id"]],
                                                       n["group_id"])

    r = client.post(f"/api/boards/{board}/organize/{job['id']}/undo")
    assert r.status_code == 200
    undone_groups, undone_notes = groups_of(client, board)
    strip = lambda rows: {k: (v.get("x"), v.get("y"), v.get("w"), v.get("h"),  # noqa: E731
                              v.get("group_id")) for k, v in rows.items()}
    assert strip(undone_notes) == strip(before_notes)
    assert strip(undone_groups) == strip(before_groups)


def test_a_second_sort_fills_the_existing_unsorted_frame(client, board, picky):
    organize(client, board)
    add(client, board, "odd", "quasar nebula")
    sort(client, board)
    groups, notes = groups_of(client, board)
    unsorted_id = notes["odd"]["group_id"]
    add(client, board, "odd2", "zebra")
    job = sort(client, board)
    groups2, notes2 = groups_of(client, board)
    assert notes2["odd2"]["group_id"] == unsorted_id and job["unsorted"] == 1
    assert len(groups2) == len(groups) and groups2[unsorted_id]["h"] > groups[unsorted_id]["h"]


def test_sort_needs_new_notes_and_groups(client, board):
    r = client.post(f"/api/boards/{board}/organize/sort", json={})
    assert r.status_code == 400 and "no groups" in r.get_json()["error"]["message"]
    organize(client, board)
    r = client.post(f"/api/boards/{board}/organize/sort", json={})
    assert r.status_code == 400 and "no new notes" in r.get_json()["error"]["message"]
    r = client.post(f"/api/boards/{board}/organize/sort", json={"groups": 3})
    assert r.status_code == 400


def test_organize_with_unsorted_leaves_misfits_out(client, board, picky):
    add(client, board, "odd", "quasar nebula")
    job = organize(client, board, groups=4, unsorted=True)
    assert job["unsorted"] == 1 and job["groups"] == 4
    groups, notes = groups_of(client, board)
    assert groups[notes["odd"]["group_id"]]["origin"] == "unsorted"
    job = organize(client, board, groups=4)  # off by default: every note joins a group
    groups, notes = groups_of(client, board)
    assert job["unsorted"] == 0 and groups[notes["odd"]["group_id"]]["origin"] == "organize"
    assert len(groups) == 4  # the Unsorted frame was replaced with the rest


def test_doubt_marks_are_board_data_written_and_undone_with_the_organize(client, board):
    add(client, board, "both", "hammer tool red color")
    job = organize(client, board, groups=4)
    # A reload (a fresh read of the board) sees them: they are the notes' runner_up.
    groups, notes = groups_of(client, board)
    runner = notes["both"]["runner_up"]
    assert runner in groups and runner != notes["both"]["group_id"]
    titles = {groups[runner]["title"].lower(), groups[notes["both"]["group_id"]]["title"].lower()}
    assert {t.rstrip("s") for t in titles} == {"tool", "color"}
    marked = {nid for nid, n in notes.items() if n["runner_up"]}
    assert job["marked"] == len(marked) and "doubts" not in job
    assert all(notes[n]["runner_up"] in groups for n in marked)
    # One undo takes the marks back with the places.
    assert client.post(f"/api/boards/{board}/organize/{job['id']}/undo").status_code == 200
    assert not any(n["runner_up"] for n in groups_of(client, board)[1].values())


def test_a_sort_marks_its_doubtful_notes_and_moving_one_clears_it(client, board):
    organize(client, board, groups=4)
    # With the fake embedder, "fruit tool" among these comes out close between two groups.
    for i, text in enumerate(["tool color", "red hammer", "saw blue", "apple hammer"]):
        add(client, board, f"new{i}", text, y=5000.0 + 200 * i)
    add(client, board, "both", "fruit tool")
    job = sort(client, board)
    groups, notes = groups_of(client, board)
    runner = notes["both"]["runner_up"]
    assert job["marked"] >= 1 and runner in groups and runner != notes["both"]["group_id"]
    # "Move to <runner-up>": into that frame; the mark is gone for everyone.
    g = groups[runner]
    r = client.patch(f"/api/boards/{board}/notes/both",
                     json={"x": g["x"] + 10, "y": g["y"] + g["h"] - 130})
    assert r.status_code == 200 and r.get_json()["group_id"] == runner
    assert groups_of(client, board)[1]["both"]["runner_up"] is None
    assert client.post(f"/api/boards/{board}/organize/{job['id']}/undo").status_code == 200
    assert groups_of(client, board)[1]["both"]["runner_up"] is None


def test_preview_moves_nothing_until_applied_then_undoes_like_organize(client, board):
    before = layout(client, board)
    job = organize(client, board, preview=True)
    assert job["state"] == "preview" and not job["undoable"]
    assert len(job["proposal"]) == 4
    assert sorted(n for g in job["proposal"] for n in g["note_ids"]) == sorted(before[0])
    assert all(set(g["frame"]) == {"x", "y", "w", "h"} and g["title"] for g in job["proposal"])
    assert layout(client, board) == before
    # Another Organize may start meanwhile; a preview is not a running job.
    r = client.post(f"/api/boards/{board}/organize/{job['id']}/apply")
    assert r.status_code == 200, r.get_json()
    applied = r.get_json()["job"]
    assert applied["state"] == "done" and applied["undoable"] and applied["proposal"] is None
    notes, groups = layout(client, board)
    assert set(groups) == {g["id"] for g in job["proposal"]}
    assert client.post(f"/api/boards/{board}/organize/{job['id']}/apply").status_code == 409
    assert client.post(f"/api/boards/{board}/organize/{job['id']}/undo").status_code == 200
    assert layout(client, board) == before


def test_discarding_a_preview_changes_nothing(client, board):
    before = layout(client, board)
    job = organize(client, board, preview=True)
    r = client.post(f"/api/boards/{board}/organize/{job['id']}/cancel")
    assert r.get_json()["job"]["state"] == "cancelled"
    assert client.post(f"/api/boards/{board}/organize/{job['id']}/apply").status_code == 409
    assert layout(client, board) == before


def test_preview_and_unsorted_must_be_booleans(client, board):
    for body in ({"preview": "yes"}, {"unsorted": 1}):
        r = client.post(f"/api/boards/{board}/organize", json=body)
        assert r.status_code == 400


def test_a_sort_has_the_same_preview_apply_and_discard(client, board, picky):
    organize(client, board)
    add(client, board, "kiwi", "kiwi fruit")
    add(client, board, "odd", "quasar nebula")
    before = layout(client, board)
    job = sort(client, board, preview=True)
    assert job["state"] == "preview" and not job["undoable"]
    assert job["message"].startswith("Preview: 2 new notes into 2 groups")
    shown = {g["title"]: g for g in job["proposal"]}
    assert shown["Unsorted"]["note_ids"] == ["odd"] and shown["Unsorted"]["origin"] == "unsorted"
    fruit = next(g for g in job["proposal"] if g["note_ids"] == ["kiwi"])
    assert fruit["title"].lower().rstrip("s") == "fruit" and fruit["id"] in before[1]
    assert all(set(g["frame"]) == {"x", "y", "w", "h"} for g in job["proposal"])
    assert layout(client, board) == before  # nothing moved for anyone
    r = client.post(f"/api/boards/{board}/organize/{job['id']}/cancel")
    assert r.get_json()["job"]["state"] == "cancelled" and layout(client, board) == before

    job = sort(client, board, preview=True)
    r = client.post(f"/api/boards/{board}/organize/{job['id']}/apply")
    assert r.status_code == 200 and r.get_json()["job"]["state"] == "done"
    notes, groups = layout(client, board)
    assert notes["kiwi"][2] == fruit["id"] and groups[notes["odd"][2]][0] == "Unsorted"
    assert client.post(f"/api/boards/{board}/organize/{job['id']}/undo").status_code == 200
    assert layout(client, board) == before
    r = client.post(f"/api/boards/{board}/organize/sort", json={"preview": "yes"})
    assert r.status_code == 400
