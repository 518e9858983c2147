"""Membership by containment (issue 13): the pure rule, the store keeping it on every write,
and migration 4 normalising boards written before it."""

from __future__ import annotations

import pytest

from server.errors import HerdError
from server.store import Store, db, schema
from server.store import membership as m


def frame(fid, x, y, w, h, t="2026-01-01T00:00:00.000Z"):
    return {"id": fid, "x": x, "y": y, "w": w, "h": h, "created_at": t}


def note_at(cx, cy, w=160, h=120):
    """A note whose centre is (cx, cy)."""
    return {"x": cx - w / 2, "y": cy - h / 2, "w": w, "h": h}


# -- the pure rule ---------------------------------------------------------------------------

def test_a_note_belongs_to_the_frame_holding_its_centre_not_one_it_merely_overlaps():
    f = frame("f", 0, 0, 400, 300)
    assert m.container_id(note_at(200, 150), [f]) == "f"
    # Mostly outside, centre inside: in. Mostly inside, centre outside: out.
    assert m.container_id(note_at(390, 150, w=300), [f]) == "f"
    assert m.container_id(note_at(410, 150, w=300), [f]) is None


def test_a_centre_on_the_border_is_inside():
    f = frame("f", 0, 0, 400, 300)
    assert m.container_id(note_at(400, 150), [f]) == "f"
    assert m.container_id(note_at(0, 0), [f]) == "f"
    assert m.container_id(note_at(400.001, 150), [f]) is None


def test_nested_frames_the_innermost_wins_whatever_the_drawing_order():
    outer, inner = frame("outer", 0, 0, 1000, 800), frame("inner", 100, 100, 300, 200)
    for frames in ([outer, inner], [inner, outer]):
        assert m.container_id(note_at(200, 200), frames) == "inner"
        assert m.container_id(note_at(700, 600), frames) == "outer"


def test_overlapping_frames_the_topmost_wins():
    a = frame("a", 0, 0, 400, 300, "2026-01-01T00:00:00.000Z")
    b = frame("b", 200, 100, 400, 300, "2026-01-02T00:00:00.000Z")
    frames = m.z_order([b, a])
    assert [f["id"] for f in frames] == ["a", "b"]
    assert m.container_id(note_at(300, 200), frames) == "b"
    assert m.container_id(note_at(100, 50), frames) == "a"
    # Two frames on the same rectangle: neither is "inside" the other; the top one wins.
    c = frame("c", 0, 0, 400, 300, "2026-01-03T00:00:00.000Z")
    assert m.container_id(note_at(50, 50), m.z_order([a, c])) == "c"


def test_a_frame_grows_only_where_a_note_sticks_out():
    f = frame("f", 0, 0, 400, 300)
    assert m.grown_to_hold(f, [note_at(200, 150)]) == {"x": 0, "y": 0, "w": 400, "h": 300}
    grown = m.grown_to_hold(f, [{"x": 350, "y": -50, "w": 160, "h": 120}], pad=10)
    assert grown == {"x": 0, "y": -60, "w": 520, "h": 360}


# -- the store keeps membership and geometry in step ----------------------------------------

@pytest.fixture
def store(any_db):
    s = Store(any_db)
    yield s
    s.close()


def create(kind, id, **fields):
    if kind == "note":
        fields.setdefault("text", id)
    return {"op": "create", "kind": kind, "id": id, "fields": fields}


def update(kind, id, **fields):
    return {"op": "update", "kind": kind, "id": id, "fields": fields}


def groups_of(store, b):
    return {n["id"]: n["group_id"] for n in store.snapshot(b)["notes"]}


def test_a_note_moved_out_of_a_frame_leaves_it_and_one_moved_in_joins(store):
    b = store.create_board("b")["id"]
    store.apply_ops(b, [create("group", "g", x=0, y=0, w=400, h=300),
                        create("note", "a", x=20, y=20), create("note", "c", x=600, y=20)])
    assert groups_of(store, b) == {"a": "g", "c": None}
    # The client still claims a is in g: geometry wins, and the answer says so.
    out = store.apply_ops(b, [update("note", "a", x=500, group_id=None),
                              update("note", "c", x=100)])
    assert groups_of(store, b) == {"a": None, "c": "g"}
    assert [r["group_id"] for r in out["results"]] == [None, "g"]


def test_a_frame_moved_or_resized_takes_what_it_then_holds(store):
    b = store.create_board("b")["id"]
    store.apply_ops(b, [create("group", "g", x=0, y=0, w=400, h=300),
                        create("note", "in", x=20, y=20), create("note", "far", x=1000, y=20)])
    store.apply_ops(b, [update("group", "g", w=1300)])  # resized over "far"
    assert groups_of(store, b) == {"in": "g", "far": "g"}
    store.apply_ops(b, [update("group", "g", w=200, h=200)])  # shrunk off "far"
    assert groups_of(store, b) == {"in": "g", "far": None}
    store.apply_ops(b, [update("group", "g", x=900)])  # moved without its note
    assert groups_of(store, b) == {"in": None, "far": "g"}


def test_a_group_made_for_notes_grows_to_hold_them_and_takes_all_it_holds(store):
    b = store.create_board("b")["id"]
    store.apply_ops(b, [create("note", "a", x=0, y=0), create("note", "b", x=400, y=0),
                        create("note", "between", x=200, y=0),
                        create("note", "away", x=2000, y=0)])
    out = store.apply_ops(b, [create("group", "g", x=0, y=0, w=10, h=10, note_ids=["a", "b"])])
    g = out["results"][0]
    assert (g["x"], g["y"], g["w"], g["h"]) == (-24, -24, 608, 168)
    assert g["version"] == 1  # grown in the batch that made it: one write, its final state
    assert groups_of(store, b) == {"a": "g", "b": "g", "between": "g", "away": None}


def test_nested_frames_and_deleting_the_inner_one(store):
    b = store.create_board("b")["id"]
    store.apply_ops(b, [create("group", "outer", x=0, y=0, w=1000, h=800),
                        create("group", "inner", x=100, y=100, w=400, h=300),
                        create("note", "n", x=150, y=150), create("note", "o", x=700, y=500)])
    assert groups_of(store, b) == {"n": "inner", "o": "outer"}
    store.apply_ops(b, [{"op": "delete", "kind": "group", "id": "inner"}])
    assert groups_of(store, b) == {"n": "outer", "o": "outer"}


def test_a_frame_too_large_to_hold_its_notes_is_refused_and_nothing_is_kept(store):
    b = store.create_board("b")["id"]
    store.apply_ops(b, [create("note", "a", x=-5_000_000, y=0),
                        create("note", "b", x=5_000_000, y=0)])
    with pytest.raises(HerdError) as e:
        store.apply_ops(b, [create("group", "g", note_ids=["a", "b"])])
    assert e.value.code == "bad_request"
    assert store.snapshot(b)["groups"] == []


def test_text_edits_do_not_touch_membership(store):
    b = store.create_board("b")["id"]
    store.apply_ops(b, [create("group", "g"), create("note", "a")])
    out = store.apply_ops(b, [update("note", "a", text="new")])
    assert out["results"][0]["version"] == 2 and out["results"][0]["group_id"] == "g"


# -- migration 4 (membership) ---------------------------------------------------------------

def _version_2_database(path: str) -> None:
    conn = db.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    for script in schema.MIGRATIONS[:2]:
        for stmt in schema._statements(script):
            conn.execute(stmt)
    conn.execute("PRAGMA user_version = 2")
    t = "2026-01-01T00:00:00.000Z"
    conn.executemany("INSERT INTO boards VALUES (?, ?, ?, ?, ?)",
                     [("b", "mixed", 7, t, t), ("clean", "clean", 3, t, t)])
    groups = [("b", "outer", "Outer", 0, 0, 1000, 800, 1, "2026-01-01T00:00:01.000Z", t, "user"),
              ("b", "inner", "Inner", 100, 100, 400, 300, 1, "2026-01-01T00:00:02.000Z", t,
               "user"),
              ("b", "over", "Over", 900, 0, 400, 300, 1, "2026-01-01T00:00:03.000Z", t, "user"),
              ("clean", "g", "G", 0, 0, 400, 300, 1, t, t, "user")]
    conn.executemany("INSERT INTO groups VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", groups)
    notes = [  # (id, x, y, group_id as the old code left it)
        ("b", "nudged_out", 1500, 1500, "inner"),   # outside every frame: leaves
        ("b", "not_joined", 150, 150, None),        # inside inner: joins it
        ("b", "outer_only", 700, 600, "inner"),     # inside outer only
        ("b", "overlap", 920, 40, "outer"),         # centre in outer and over: over is on top
        ("b", "border", 420, 340, "inner"),         # centre (500, 400) on inner's corner: stays
        ("clean", "ok", 20, 20, "g"),
    ]
    conn.executemany(
        "INSERT INTO notes VALUES (?, ?, 'text', ?, ?, 160, 120, 'yellow', ?, 1, ?, ?)",
        [(b, i, x, y, g, t, t) for b, i, x, y, g in notes])
    conn.executemany("INSERT INTO events VALUES (?, ?, '{}')",
                     [("b", s) for s in range(1, 8)] + [("clean", s) for s in range(1, 4)])
    conn.close()


def test_migration_4_normalises_membership_without_moving_anything(any_empty_db):
    path = any_empty_db
    _version_2_database(path)
    before = {(r[0], r[1]): r[2:] for r in db.connect(path).execute(
        "SELECT board_id, id, x, y, w, h, version FROM notes")}
    store = Store(path)
    snap = store.snapshot("b")
    got = {n["id"]: n["group_id"] for n in snap["notes"]}
    assert got == {"nudged_out": None, "not_joined": "inner", "outer_only": "outer",
                   "overlap": "over", "border": "inner"}
    # The SQL agrees with the Python rule the store uses from now on.
    frames = m.z_order(snap["groups"])
    assert got == {n["id"]: m.container_id(n, frames) for n in snap["notes"]}
    for n in snap["notes"]:
        x, y, w, h, version = before[("b", n["id"])]
        assert (n["x"], n["y"], n["w"], n["h"]) == (x, y, w, h)
        changed = n["id"] != "border"
        assert n["version"] == version + changed
    # A browser that was on the changed board reloads it instead of replaying old events...
    assert snap["seq"] == 8 and store.events_after("b", 7) is None
    # ...and an untouched board keeps its seq, its log and its versions.
    clean = store.snapshot("clean")
    assert clean["seq"] == 3 and len(store.events_after("clean", 0)) == 3
    assert clean["notes"][0]["version"] == 1 and clean["notes"][0]["group_id"] == "g"
    store.close()
    version = db.connect(path).execute("PRAGMA user_version").fetchone()[0]
    assert version == schema.SCHEMA_VERSION


def test_an_old_export_is_imported_with_membership_by_containment(store):
    g = {"id": "g", "title": "G", "x": 0, "y": 0, "w": 400, "h": 300}
    rows = [{"id": "in", "text": "", "x": 10, "y": 10, "w": 160, "h": 120, "color": "yellow",
             "group_id": None},
            {"id": "out", "text": "", "x": 900, "y": 10, "w": 160, "h": 120, "color": "yellow",
             "group_id": "g"}]
    b = store.import_board("old", [g], rows)["id"]
    snap = store.snapshot(b)
    assert {n["id"]: (n["x"], n["group_id"]) for n in snap["notes"]} == {
        "in": (10, "g"), "out": (900, None)}
