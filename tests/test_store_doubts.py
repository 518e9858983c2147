"""Doubt marks as board data (issue 12): a note's runner_up, kept or cleared by the write path."""

from __future__ import annotations

import sqlite3

import pytest

from server.errors import HerdError
from server.store import Store, schema


@pytest.fixture
def events():
    return []


@pytest.fixture
def store(tmp_path, events):
    s = Store(str(tmp_path / "herd.db"), publish=lambda b, e: events.append(e))
    yield s
    s.close()


def frame(gid, x):
    return {"op": "create", "kind": "group", "id": gid,
            "fields": {"title": gid, "x": x, "y": 0, "w": 400, "h": 300}}


@pytest.fixture
def board(store):
    """Two frames, fruit and tools; "x" sits in fruit, marked as close to tools."""
    bid = store.create_board("Doubt")["id"]
    store.apply_ops(bid, [
        frame("fruit", 0), frame("tools", 600), frame("other", 1200),
        {"op": "create", "kind": "note", "id": "x",
         "fields": {"text": "apple hammer", "x": 20, "y": 60, "runner_up": "tools"}},
        {"op": "create", "kind": "note", "id": "a", "fields": {"text": "apple", "x": 200,
                                                               "y": 60}}])
    return bid


def notes(store, bid):
    return {n["id"]: n for n in store.snapshot(bid)["notes"]}


def move(store, bid, x, y=60.0, **more):
    return store.apply_ops(bid, [{"op": "update", "kind": "note", "id": "x",
                                  "fields": {"x": x, "y": y, **more}}])


def test_the_mark_is_in_the_board_read_and_the_live_event(store, board, events):
    assert notes(store, board)["x"]["runner_up"] == "tools"
    assert notes(store, board)["a"]["runner_up"] is None
    created = {c["item"]["id"]: c["item"] for c in events[-1]["changes"]}
    assert created["x"]["runner_up"] == "tools" and created["x"]["group_id"] == "fruit"


def test_moving_within_the_group_keeps_the_mark(store, board):
    move(store, board, 150)
    assert notes(store, board)["x"]["runner_up"] == "tools"


@pytest.mark.parametrize("x", [620.0, 1220.0, 3000.0])  # the runner-up, a third frame, none
def test_moving_it_out_by_hand_clears_the_mark_for_everyone(store, board, events, x):
    res = move(store, board, x)
    n = notes(store, board)["x"]
    assert n["runner_up"] is None and n["version"] == 2  # one write, one bump
    assert res["results"][0]["runner_up"] is None
    assert [c["item"]["runner_up"] for c in events[-1]["changes"]] == [None]


def test_a_write_that_sets_it_wins_over_the_clearing(store, board):
    move(store, board, 1220.0, runner_up="fruit")  # what Organize and undo do
    assert notes(store, board)["x"]["runner_up"] == "fruit"


def test_keep_it_here_is_setting_it_to_null(store, board):
    store.apply_ops(board, [{"op": "update", "kind": "note", "id": "x",
                             "fields": {"runner_up": None}}])
    assert notes(store, board)["x"]["runner_up"] is None


def test_a_frame_dragged_over_it_or_its_group_deleted_clears_it(store, board):
    store.apply_ops(board, [{"op": "update", "kind": "group", "id": "other",
                             "fields": {"x": 0, "y": 0, "w": 150, "h": 300}}])
    n = notes(store, board)["x"]
    assert n["group_id"] == "other" and n["runner_up"] is None


def test_deleting_the_runner_up_group_clears_the_mark(store, board):
    store.apply_ops(board, [{"op": "delete", "kind": "group", "id": "tools"}])
    n = notes(store, board)["x"]
    assert n["group_id"] == "fruit" and n["runner_up"] is None and n["version"] == 2


def test_a_runner_up_must_be_a_group_of_the_board(store, board):
    before = store.snapshot(board)
    for bad in ("nope", 7, "no spaces"):
        with pytest.raises(HerdError):
            store.apply_ops(board, [{"op": "update", "kind": "note", "id": "a",
                                     "fields": {"runner_up": bad}}])
    assert store.snapshot(board) == before


def test_the_doubt_migration_adds_the_column_to_an_older_database(tmp_path):
    path = str(tmp_path / "old.db")
    conn = schema.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    for version in range(6):  # a database of the last release: versions 1-6
        for stmt in schema._statements(schema.MIGRATIONS[version]):
            conn.execute(stmt)
    conn.execute("PRAGMA user_version = 6")
    conn.execute("INSERT INTO boards VALUES ('b', 'Old', 0, 't', 't')")
    conn.execute("INSERT INTO notes (board_id, id, text, x, y, w, h, color, group_id, version,"
                 " created_at, updated_at) VALUES ('b', 'n', 'hi', 0, 0, 160, 120, 'yellow',"
                 " NULL, 1, 't', 't')")
    conn.close()
    s = Store(path)
    try:
        assert s.snapshot("b")["notes"][0]["runner_up"] is None
    finally:
        s.close()
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == \
        schema.SCHEMA_VERSION
