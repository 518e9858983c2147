"""The pure planning of an Organize write: scope, concurrent edits, undo."""

from __future__ import annotations

from server.organize.apply import (
    ORGANIZE_ORIGIN,
    Placement,
    choose_scope,
    result_ops,
    staying_rects,
    undo_ops,
)


def note(nid, x=0.0, y=0.0, group_id=None, version=1):
    return {"id": nid, "text": nid, "x": x, "y": y, "w": 160.0, "h": 120.0, "color": "yellow",
            "group_id": group_id, "version": version}


def group(gid, origin="user", x=0.0, y=0.0):
    return {"id": gid, "title": gid, "x": x, "y": y, "w": 400.0, "h": 300.0, "version": 1,
            "origin": origin}


def snap(notes, groups=()):
    return {"notes": list(notes), "groups": list(groups)}


def test_scope_keeps_notes_in_user_groups_by_default():
    s = snap([note("a"), note("b", group_id="mine"), note("c", group_id="ai")],
             [group("mine"), group("ai", ORGANIZE_ORIGIN)])
    scope = choose_scope(s, None, keep_groups=True)
    assert [n["id"] for n in scope.notes] == ["a", "c"]
    assert [g["id"] for g in scope.retired_groups] == ["ai"]


def test_scope_can_take_notes_out_of_user_groups():
    s = snap([note("a"), note("b", group_id="mine")], [group("mine")])
    scope = choose_scope(s, None, keep_groups=False)
    assert [n["id"] for n in scope.notes] == ["a", "b"]
    assert scope.retired_groups == []  # the user's frame is never removed by Organize


def test_scope_selection_only_and_partial_ai_group_is_not_retired():
    s = snap([note("a", group_id="ai"), note("b", group_id="ai"), note("c")],
             [group("ai", ORGANIZE_ORIGIN)])
    scope = choose_scope(s, ["a", "c"], keep_groups=True)
    assert [n["id"] for n in scope.notes] == ["a", "c"]
    assert scope.retired_groups == []  # b still lives in it


def placements():
    return [Placement("g1", "Fruit", {"x": 0, "y": 0, "w": 400, "h": 300},
                      {"a": (10.0, 60.0), "b": (190.0, 60.0)}),
            Placement("g2", "Animals", {"x": 500, "y": 0, "w": 400, "h": 300},
                      {"c": (510.0, 60.0)})]


def test_result_ops_skip_deleted_and_concurrently_moved_notes():
    before = snap([note("a"), note("b"), note("c")])
    scope = choose_scope(before, None, keep_groups=True)
    # Meanwhile: b was dragged by someone (version 2), c was deleted, d was added.
    current = snap([note("a"), note("b", x=999, version=2), note("d")])
    ops, undo = result_ops(scope, placements(), current)
    updates = [o for o in ops if o["op"] == "update"]
    assert [o["id"] for o in updates] == ["a"]
    assert updates[0]["fields"] == {"x": 10.0, "y": 60.0, "group_id": "g1", "runner_up": None}
    assert updates[0]["version"] == 1
    creates = [o for o in ops if o["op"] == "create"]
    assert [o["fields"]["origin"] for o in creates] == [ORGANIZE_ORIGIN] * 2
    assert undo["notes"] == [{"id": "a", "x": 0.0, "y": 0.0, "group_id": None, "runner_up": None}]


def test_undo_restores_positions_groups_and_retired_frames():
    old_ai = group("old", ORGANIZE_ORIGIN, x=5, y=6)
    before = snap([note("a", x=1, y=2, group_id="old"), note("b", x=3, y=4)], [old_ai])
    scope = choose_scope(before, None, keep_groups=True)
    ops, undo = result_ops(scope, placements()[:1], before)
    assert ops[-1] == {"op": "delete", "kind": "group", "id": "old"}
    after = snap([note("a", x=10, y=60, group_id="g1", version=2),
                  note("b", x=190, y=60, group_id="g1", version=2)],
                 [group("g1", ORGANIZE_ORIGIN)])
    back = undo_ops(undo, after)
    assert back[0]["op"] == "create" and back[0]["id"] == "old"
    assert back[0]["fields"]["x"] == 5 and back[0]["fields"]["origin"] == ORGANIZE_ORIGIN
    restored = {o["id"]: o["fields"] for o in back if o["op"] == "update"}
    assert restored == {"a": {"x": 1, "y": 2, "group_id": "old", "runner_up": None},
                        "b": {"x": 3, "y": 4, "group_id": None, "runner_up": None}}
    assert back[-1] == {"op": "delete", "kind": "group", "id": "g1"}


def test_undo_skips_notes_deleted_since_and_groups_already_gone():
    undo = {"notes": [{"id": "a", "x": 1, "y": 2, "group_id": "gone"}],
            "created_groups": ["g1"], "retired_groups": []}
    assert undo_ops(undo, snap([])) == []
    back = undo_ops(undo, snap([note("a")]))
    assert back == [{"op": "update", "kind": "note", "id": "a",
                     "fields": {"x": 1, "y": 2, "group_id": None, "runner_up": None}}]


def test_doubt_marks_are_written_with_the_places_and_undone_with_them():
    # b was in doubt after an earlier run (runner-up: the user's "mine"); this run is sure.
    before = snap([note("a"), {**note("b"), "runner_up": "mine"}], [group("mine", x=2000)])
    scope = choose_scope(before, None, keep_groups=True)
    ps = placements()
    ps[0].doubts = {"a": "g2"}
    ops, undo = result_ops(scope, ps, before)
    fields = {o["id"]: o["fields"] for o in ops if o["op"] == "update"}
    assert fields["a"]["runner_up"] == "g2" and fields["b"]["runner_up"] is None
    back = {o["id"]: o["fields"] for o in undo_ops(undo, before) if o["op"] == "update"}
    assert back["a"]["runner_up"] is None and back["b"]["runner_up"] == "mine"
    # A runner-up deleted since is not brought back as a mark pointing nowhere.
    back = {o["id"]: o["fields"] for o in undo_ops(undo, snap(before["notes"]))
            if o["op"] == "update"}
    assert back["b"]["runner_up"] is None


def test_staying_rects_are_what_organize_leaves_in_place():
    s = snap([note("a", x=0, y=0), note("b", x=1000, y=500, group_id="mine")],
             [group("mine", x=900, y=400)])
    assert staying_rects(s, {"a"}) == [
        {"x": 1000.0, "y": 500.0, "w": 160.0, "h": 120.0},
        {"x": 900.0, "y": 400.0, "w": 400.0, "h": 300.0}]
    # An emptied frame of the user's still stays: new frames keep clear of it too.
    assert staying_rects(s, {"a", "b"}) == [{"x": 900.0, "y": 400.0, "w": 400.0, "h": 300.0}]
    assert staying_rects(s, {"a", "b"}, retired={"mine"}) == []


def test_sort_ops_move_notes_down_with_their_frame_and_undo_puts_them_back():
    from server.organize.apply import SortPlan, sort_ops, sort_scope

    board = snap([note("new"), note("a", x=20, y=400, group_id="low"),
                  note("b", x=20, y=60, group_id="top")],
                 [group("top"), group("low", y=340)])
    scope = sort_scope(board)
    plan = SortPlan({"top": {"x": 0, "y": 0, "w": 400, "h": 500},
                     "low": {"x": 0, "y": 564, "w": 400, "h": 300}},
                    {"new": ("top", 20.0, 200.0)}, shifted={"a": (20.0, 624.0)})
    ops, undo = sort_ops(scope, plan, board)
    fields = {o["id"]: o["fields"] for o in ops}
    assert fields["low"]["y"] == 564 and fields["a"] == {"x": 20.0, "y": 624.0}
    assert {n["id"] for n in undo["notes"]} == {"new", "a"}
    back = {o["id"]: o["fields"] for o in undo_ops(undo, board)}
    assert back["a"]["y"] == 400 and back["low"]["y"] == 340
    # Someone dragged "a" meanwhile: their move wins, it is not shifted.
    dragged = snap([note("new"), note("a", x=999, y=400, group_id="low", version=2),
                    note("b", x=20, y=60, group_id="top")], board["groups"])
    ops, _ = sort_ops(scope, plan, dragged)
    assert "a" not in {o["id"] for o in ops}
