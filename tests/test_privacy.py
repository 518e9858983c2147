"""privacy.py and the live frame's per-view text: pure, no app."""

from __future__ import annotations

import json

from server.live import Frame, make_frame
from server.live.messages import Message
from server.privacy import ANYONE, Viewer, sensitive, view_note

ROW = {"id": "n", "board_id": "b", "text": "secret", "x": 1, "y": 2, "w": 160, "h": 120,
       "color": "blue", "group_id": None, "version": 3, "created_at": "t", "updated_at": "t",
       "author_id": "ann", "author": "Ann", "hidden": True}


def changes(*rows):
    return Message({"type": "changes", "seq": 5, "client": None,
                    "changes": [{"kind": "note", "op": "upsert", "item": r} for r in rows]})


def test_a_hidden_note_is_a_card_to_everyone_but_its_author():
    assert view_note(ROW, Viewer("ann", False))["text"] == "secret"
    for viewer in (ANYONE, Viewer("bob", True), Viewer(None, True)):
        card = view_note(ROW, viewer)
        assert card["text"] == "" and card["face_down"] and card["author"] is None
        assert (card["x"], card["color"], card["version"]) == (1, "blue", 3)
        assert "author_id" not in card


def test_authors_need_the_right_to_see_them():
    row = {**ROW, "hidden": False}
    assert view_note(row, Viewer("bob", True))["author"] == "Ann"
    assert view_note(row, Viewer("bob", False))["author"] is None
    assert "author_id" not in view_note(row, Viewer("ann", True))


def test_a_frame_is_encoded_once_per_view_key_and_never_leaks_to_the_shared_text():
    frame = make_frame([changes(ROW)])
    assert frame.sensitive
    assert b"secret" not in frame.wire and b"author_id" not in frame.wire
    assert b"secret" in frame.wire_for(Viewer("ann", False))
    bob = frame.wire_for(Viewer("bob", False))
    assert b"secret" not in bob and frame.wire_for(Viewer("cid", False)) is bob  # one key
    assert len(frame._views) == 2


def test_a_plain_frame_is_shared_as_is():
    row = {**ROW, "hidden": False, "author": None, "author_id": None}
    frame = Frame([changes(row)], 5, 5)
    assert not sensitive(frame.events[0])
    assert frame.wire_for(Viewer("x", False)) is frame.wire
    assert json.loads(frame.wire.split(b"data: ")[1])["changes"][0]["item"]["text"] == "secret"


def test_a_patch_says_only_where_and_how_a_note_shows():
    from server.privacy import patch_of

    row = {**ROW, "hidden": False}
    assert patch_of(row, frozenset({"x", "y"})) == {"id": "n", "x": 1, "y": 2, "version": 3,
                                                   "updated_at": "t"}
    assert patch_of(row, frozenset({"x", "text"})) is None  # the text goes whole, filtered
    assert patch_of(row, frozenset({"author"})) is None
    assert patch_of(row, None) is None and patch_of(row, frozenset()) is None  # a new row
    assert patch_of({**row, "runner_up": "g"}, frozenset({"runner_up"}))["runner_up"] == "g"
    # A face-down card has place, size, colour and group, never a doubt mark.
    assert patch_of(ROW, frozenset({"x", "group_id", "color"})) is not None
    assert patch_of({**ROW, "runner_up": None}, frozenset({"group_id", "runner_up"})) is None
    patch = patch_of(ROW, frozenset({"x", "y"}))
    assert "secret" not in json.dumps(patch) and "Ann" not in json.dumps(patch)
