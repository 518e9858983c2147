"""`herd db copy`: a SQLite board file into PostgreSQL, exactly, all or nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from server.errors import Conflict
from server.store import Store
from server.store.access import OWNER
from server.store.copy import copy_database, tables


@pytest.fixture
def pg_url(pg_server):
    url = pg_server.new_database(empty=True)
    yield url
    pg_server.drop(url)


def _filled(path: str) -> tuple[Store, str]:
    store = Store(path)
    b = store.create_board("Retro")["id"]
    store.apply_ops(b, [
        {"op": "create", "kind": "group", "id": "g", "fields": {"title": "G", "w": 600,
                                                                "h": 400}},
        {"op": "create", "kind": "note", "id": "n1", "fields": {"text": "in", "x": 20.5,
                                                                "y": 30}},
        {"op": "create", "kind": "note", "id": "n2", "fields": {"text": "out", "x": 900}}])
    store.apply_ops(b, [{"op": "update", "kind": "note", "id": "n2", "fields": {"x": 950}}])
    vote = store.start_vote(b, {"per_person": 3, "one_per_note": False, "note_ids": None,
                                "group_id": None, "seconds": None})
    store.vote(b, "voter1", "n1")
    store.end_vote(b, vote["id"])
    return store, b


def test_a_sqlite_file_is_copied_into_postgresql_exactly(tmp_path, pg_url, make_app):
    src, b = _filled(str(tmp_path / "herd.db"))
    assert tables(src).index("boards") < tables(src).index("notes")
    assert tables(src).index("votes") < tables(src).index("dots")
    dst = Store(pg_url)
    counts = copy_database(src, dst)
    assert counts["boards"] == 1 and counts["notes"] == 2 and counts["dots"] == 1
    assert dst.snapshot(b) == src.snapshot(b)
    assert dst.events_after(b, 0) == src.events_after(b, 0)
    assert dst.secret(OWNER) == src.secret(OWNER)
    assert dst.board_keys(b) == src.board_keys(b)
    assert dst.vote_export(b) == src.vote_export(b)
    # The copy goes on where the file left off.
    seq = src.current_seq(b)
    assert dst.apply_ops(b, [{"op": "create", "kind": "note", "fields": {"text": "new"}}]
                         )["seq"] == seq + 1
    # A second copy into it is refused whole: boards are never mixed.
    with pytest.raises(Conflict):
        copy_database(src, dst)
    assert len(dst.snapshot(b)["notes"]) == 3
    src.close()
    dst.close()


def test_the_command_copies_and_says_what(tmp_path, pg_url):
    path = str(tmp_path / "herd.db")
    src, b = _filled(path)
    src.close()
    herd = Path(sys.executable).with_name("herd")
    done = subprocess.run([str(herd), "db", "copy", "--from", path, "--to", pg_url],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Copied 1 boards (2 notes, 1 groups" in done.stdout
    again = subprocess.run([str(herd), "db", "copy", "--from", path, "--to", pg_url],
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 2 and "already holds boards" in again.stderr
    missing = subprocess.run([str(herd), "db", "copy", "--from", str(tmp_path / "none.db"),
                              "--to", pg_url], capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2 and "existing SQLite file" in missing.stderr
