"""A group remembers who made it: the user, or Organize (migration 2)."""

from __future__ import annotations

import pytest

from server.errors import HerdError
from server.http_errors import status_of
from server.store import Store, db, schema


def test_origin_defaults_to_user_and_takes_organize(any_db):
    store = Store(any_db)
    b = store.create_board("b")["id"]
    res = store.apply_ops(b, [
        {"op": "create", "kind": "group", "id": "u", "fields": {"title": "Mine"}},
        {"op": "create", "kind": "group", "id": "o", "fields": {"title": "AI",
                                                                  "origin": "organize"}}])
    assert [g["origin"] for g in res["results"]] == ["user", "organize"]
    with pytest.raises(HerdError) as e:
        store.apply_ops(b, [{"op": "update", "kind": "group", "id": "u",
                             "fields": {"origin": "robot"}}])
    assert status_of(e.value) == 400
    store.close()


def test_a_version_1_database_is_migrated_and_its_groups_are_the_users(any_empty_db):
    path = any_empty_db
    conn = db.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    for stmt in schema._statements(schema.MIGRATIONS[0]):
        conn.execute(stmt)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO boards VALUES ('b', 'old', 0, 't', 't')")
    conn.execute("INSERT INTO groups VALUES ('b', 'g', 'Old', 0, 0, 10, 10, 1, 't', 't')")
    conn.close()
    store = Store(path)
    assert store.snapshot("b")["groups"][0]["origin"] == "user"
    store.close()
    assert db.connect(path).execute("PRAGMA user_version").fetchone()[0] >= 2


def test_new_ids_never_look_like_command_line_options():
    from server.store.validate import new_id

    assert all(new_id()[0].isalnum() for _ in range(2000))
