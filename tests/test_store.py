"""The store on its own: the one write path, versions, groups, the event log, migrations."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from server.errors import HerdError
from server.http_errors import status_of
from server.store import Limits, Store, db, schema


@pytest.fixture
def published():
    return []


@pytest.fixture
def store(any_db, published):
    """The store on each backend in turn (SQLite, PostgreSQL: conftest.any_db)."""
    s = Store(any_db, Limits(notes_per_board=5), events_keep=10,
              publish=lambda b, e: published.append((b, e)))
    yield s
    s.close()


def note(text="hi", id=None, **fields):
    op = {"op": "create", "kind": "note", "fields": {"text": text, **fields}}
    if id:
        op["id"] = id
    return op


def test_creates_parent_dirs_wal_foreign_keys_and_schema_version(tmp_path):
    store = Store(str(tmp_path / "deep" / "dir" / "herd.db"))
    conn = sqlite3.connect(tmp_path / "deep" / "dir" / "herd.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    assert store._writer.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    conn.close()
    store.close()


def test_schema_version_is_kept_and_a_newer_one_refused(any_db):
    Store(any_db).close()
    conn = db.connect(any_db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(RuntimeError, match="upgrade Herd"):
        Store(any_db)


def test_apply_ops_creates_updates_deletes_with_one_event_per_batch(store, published):
    b = store.create_board("Retro")["id"]
    out = store.apply_ops(b, [note("a", id="n1"), note("b", id="n2", x=5, color="blue")],
                          client="c1")
    assert out["seq"] == 1
    assert [r["id"] for r in out["results"]] == ["n1", "n2"]
    assert out["results"][1]["color"] == "blue" and out["results"][1]["w"] == 160
    assert len(published) == 1
    board_id, event = published[0]
    assert board_id == b and event["type"] == "changes" and event["client"] == "c1"
    assert [c["item"]["id"] for c in event["changes"]] == ["n1", "n2"]

    out = store.apply_ops(b, [{"op": "update", "kind": "note", "id": "n1", "fields": {"x": 9}},
                              {"op": "delete", "kind": "note", "id": "n2"}])
    assert out["results"][0]["version"] == 2 and out["results"][0]["x"] == 9
    assert out["results"][1] == {"id": "n2", "deleted": True}
    snap = store.snapshot(b)
    assert snap["seq"] == 2 and [n["id"] for n in snap["notes"]] == ["n1"]
    assert snap["board"]["note_count"] == 1


def test_batch_is_all_or_nothing(store, published):
    b = store.create_board("x")["id"]
    with pytest.raises(HerdError) as e:
        store.apply_ops(b, [note("ok", id="n1"), {"op": "update", "kind": "note", "id": "nope"}])
    assert status_of(e.value) == 404 and e.value.details == {"index": 1}
    assert store.snapshot(b)["notes"] == [] and store.snapshot(b)["seq"] == 0
    assert published == []


def test_stale_version_is_refused_with_current_row(store):
    b = store.create_board("x")["id"]
    store.apply_ops(b, [note(id="n1")])
    store.apply_ops(b, [{"op": "update", "kind": "note", "id": "n1", "fields": {"x": 1},
                         "version": 1}])
    with pytest.raises(HerdError) as e:
        store.apply_ops(b, [{"op": "update", "kind": "note", "id": "n1", "fields": {"x": 2},
                             "version": 1}])
    assert status_of(e.value) == 409 and e.value.details["current"]["version"] == 2
    assert e.value.details["current"]["x"] == 1
    # Without a version the last writer wins.
    out = store.apply_ops(b, [{"op": "update", "kind": "note", "id": "n1", "fields": {"x": 3}}])
    assert out["results"][0]["version"] == 3


def test_groups_assign_and_ungroup_notes_with_version_bumps(store, published):
    b = store.create_board("x")["id"]
    store.apply_ops(b, [note(id="n1"), note(id="n2")])
    out = store.apply_ops(b, [{"op": "create", "kind": "group", "id": "g1",
                               "fields": {"title": " Ideas ", "note_ids": ["n1", "n2"]}}])
    assert out["results"][0]["title"] == "Ideas"
    notes = {n["id"]: n for n in store.snapshot(b)["notes"]}
    assert notes["n1"]["group_id"] == "g1" and notes["n1"]["version"] == 2
    event = published[-1][1]
    assert {(c["kind"], c["item"]["id"]) for c in event["changes"]} == {
        ("group", "g1"), ("note", "n1"), ("note", "n2")}

    store.apply_ops(b, [{"op": "delete", "kind": "group", "id": "g1"}])
    notes = {n["id"]: n for n in store.snapshot(b)["notes"]}
    assert notes["n1"]["group_id"] is None and notes["n1"]["version"] == 3
    ops = {(c["kind"], c["op"]) for c in published[-1][1]["changes"]}
    assert ops == {("group", "delete"), ("note", "patch")}  # only their group changed
    patches = [c["item"] for c in published[-1][1]["changes"] if c["op"] == "patch"]
    assert {(p["id"], p["group_id"], p["version"]) for p in patches} == {
        ("n1", None, 3), ("n2", None, 3)}
    assert all(set(p) == {"id", "group_id", "version", "updated_at"} for p in patches)


def test_note_group_must_exist_and_ids_are_per_board(store):
    b1, b2 = store.create_board("1")["id"], store.create_board("2")["id"]
    with pytest.raises(HerdError) as e:
        store.apply_ops(b1, [note(group_id="ghost")])
    assert status_of(e.value) == 404
    store.apply_ops(b1, [note(id="same")])
    store.apply_ops(b2, [note(id="same")])  # an import may keep ids
    with pytest.raises(HerdError) as e:
        store.apply_ops(b1, [note(id="same")])
    assert status_of(e.value) == 409


def test_note_limit_per_board(store):
    b = store.create_board("x")["id"]
    store.apply_ops(b, [note(id=f"n{i}") for i in range(5)])
    with pytest.raises(HerdError) as e:
        store.apply_ops(b, [note()])
    assert status_of(e.value) == 413 and "limit is 5" in e.value.message
    # Delete one and create one in the same batch: allowed.
    store.apply_ops(b, [{"op": "delete", "kind": "note", "id": "n0"}, note()])


@pytest.mark.parametrize("fields, status, words", [
    ({"text": "x" * 10_001}, 413, "10,001 characters; the limit is 10,000"),
    ({"text": 5}, 400, "must be a string"),
    ({"text": "", "color": "mauve"}, 400, "Unknown colour"),
    ({"text": "", "x": float("nan")}, 400, "finite number"),
    ({"text": "", "w": 0}, 400, "from 1 to 1,000,000"),
    ({"text": "", "x": True}, 400, "finite number"),
    ({"text": "", "bogus": 1}, 400, "Unknown note field"),
    ({}, 400, "needs a 'text'"),
])
def test_field_validation(store, fields, status, words):
    b = store.create_board("x")["id"]
    with pytest.raises(HerdError) as e:
        store.apply_ops(b, [{"op": "create", "kind": "note", "fields": fields}])
    assert status_of(e.value) == status and words in e.value.message


@pytest.mark.parametrize("op, words", [
    ("nope", "must be a list"),
    ([1], "JSON object"),
    ([{"op": "create", "kind": "cat"}], "'note' or 'group'"),
    ([{"op": "smash", "kind": "note", "id": "a"}], "'create', 'update' or 'delete'"),
    ([{"op": "update", "kind": "note", "id": "bad id!"}], "Invalid note id"),
    ([{"op": "update", "kind": "note", "id": "a", "version": "2"}], "positive integer"),
    ([{"op": "update", "kind": "note", "id": "a", "version": 2.5}], "positive integer"),
    ([{"op": "update", "kind": "note", "id": "a", "version": 2**63}], "positive integer"),
    ([{"op": "delete", "kind": {}, "id": "a"}], "'note' or 'group'"),
    ([{"op": "create", "kind": "note", "fields": {"text": ""}, "extra": 1}], "Unknown op key"),
])
def test_malformed_ops(store, op, words):
    b = store.create_board("x")["id"]
    with pytest.raises(HerdError) as e:
        store.apply_ops(b, op)
    assert status_of(e.value) == 400 and words in e.value.message


def test_read_only_fields_are_ignored_so_exports_round_trip(store):
    b = store.create_board("x")["id"]
    n = store.apply_ops(b, [note(id="n1")])["results"][0]
    b2 = store.create_board("y")["id"]
    out = store.apply_ops(b2, [{"op": "create", "kind": "note", "id": n["id"], "fields": n}])
    assert out["results"][0]["board_id"] == b2 and out["results"][0]["version"] == 1


def test_event_log_catch_up_and_trim(store):
    b = store.create_board("x")["id"]
    store.apply_ops(b, [note(id="n")])
    for i in range(24):
        store.apply_ops(b, [{"op": "update", "kind": "note", "id": "n", "fields": {"x": i}}])
    assert [e["seq"] for e in store.events_after(b, 20)] == [21, 22, 23, 24, 25]
    assert store.events_after(b, 25) == []
    assert store.events_after(b, 2) is None  # trimmed to the last 10: resync
    assert store.events_after(b, 99) is None  # a seq this board never had


def test_rename_logs_and_publishes_a_board_event_and_delete_cascades(store, published):
    b = store.create_board("x")["id"]
    store.apply_ops(b, [note(id="n1")])
    board = store.rename_board(b, "New name")
    assert board["name"] == "New name"
    assert published[-1][1] == {"type": "board", "seq": 2, "board": board}
    assert store.events_after(b, 1)[0]["type"] == "board"
    store.delete_board(b)
    assert published[-1] == (b, {"type": "board_deleted"})
    with pytest.raises(HerdError):
        store.get_board(b)
    left = store._writer.execute("SELECT COUNT(*) FROM notes").fetchone()[0]
    assert left == 0


def test_boards_are_listed_newest_change_first(store):
    a = store.create_board("a")["id"]
    time.sleep(0.002)
    b = store.create_board("b")["id"]
    time.sleep(0.002)
    store.apply_ops(a, [note()])
    assert [x["id"] for x in store.list_boards()][:2] == [a, b]


def test_concurrent_writers_never_lose_a_write(store):
    b = store.create_board("x")["id"]
    store.limits = Limits(notes_per_board=1000)
    store.apply_ops(b, [note(id="n")])
    errors = []

    def worker(k):
        try:
            for _ in range(50):
                store.apply_ops(b, [{"op": "update", "kind": "note", "id": "n",
                                     "fields": {"x": k}}])
                store.snapshot(b)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.snapshot(b)["notes"][0]["version"] == 1 + 8 * 50
    assert store.snapshot(b)["seq"] == 1 + 8 * 50


def test_readers_are_pooled_even_after_a_404(store):
    b = store.create_board("x")["id"]
    store.snapshot(b)
    first = store._readers[0]
    with pytest.raises(HerdError):
        store.get_board("missing")
    store.snapshot(b)
    assert store._readers == [first]


def test_a_whole_float_version_is_that_version(store):
    """JSON Schema's "integer" includes 2.0, and so does the API's contract."""
    b = store.create_board("x")["id"]
    store.apply_ops(b, [{"op": "create", "kind": "note", "id": "n", "fields": {"text": "a"}}])
    done = store.apply_ops(b, [{"op": "update", "kind": "note", "id": "n", "version": 1.0,
                                "fields": {"text": "b"}}])
    assert done["results"][0]["version"] == 2
    with pytest.raises(HerdError) as e:
        store.apply_ops(b, [{"op": "update", "kind": "note", "id": "n", "version": 1.0,
                             "fields": {"text": "c"}}])
    assert status_of(e.value) == 409


def test_a_move_goes_out_as_a_patch_and_a_new_text_whole(store, published):
    b = store.create_board("x")["id"]
    store.apply_ops(b, [note(id="n1")])
    assert published[-1][1]["changes"][0]["op"] == "upsert"  # new: the whole row
    store.apply_ops(b, [{"op": "update", "kind": "note", "id": "n1", "fields": {"x": 40}}])
    (change,) = published[-1][1]["changes"]
    assert change == {"kind": "note", "op": "patch", "item": {
        "id": "n1", "x": 40.0, "version": 2, "updated_at": change["item"]["updated_at"]}}
    # A move and a new text in one batch: the whole row, as the log keeps it too.
    store.apply_ops(b, [{"op": "update", "kind": "note", "id": "n1", "fields": {"x": 50}},
                        {"op": "update", "kind": "note", "id": "n1", "fields": {"text": "t"}}])
    (change,) = published[-1][1]["changes"]
    assert change["op"] == "upsert" and change["item"]["text"] == "t"
    logged = store.events_after(b, 0)
    assert [c["op"] for e in logged for c in e["changes"]] == ["upsert", "patch", "upsert"]
    # Moved into a frame: where it is and the group it joined.
    store.apply_ops(b, [{"op": "create", "kind": "group", "id": "g",
                         "fields": {"title": "G", "x": 1000, "y": 0, "w": 1000, "h": 1000}}])
    store.apply_ops(b, [{"op": "update", "kind": "note", "id": "n1", "fields": {"x": 1300}}])
    (change,) = published[-1][1]["changes"]
    assert change["op"] == "patch" and (change["item"]["x"], change["item"]["group_id"]) == (
        1300.0, "g")
