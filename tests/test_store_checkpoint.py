"""SQLite's WAL is checkpointed by a thread of the store's own, not inside a write's COMMIT
(store/checkpoint.py): a COMMIT that checkpointed held the whole gevent worker while the disk
synced."""

from __future__ import annotations

import sqlite3
import time

from server.store import Store, checkpoint


def wal_frames(path) -> tuple[int, int]:
    """(frames in the WAL, frames of them already in the database file), as SQLite says."""
    conn = sqlite3.connect(str(path))
    try:
        _, log, done = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return log, done
    finally:
        conn.close()


def many_writes(store: Store, board: str, n: int) -> None:
    """n writes of one note each: each appends its pages (note, board, event log) to the WAL."""
    for i in range(n):
        store.apply_ops(board, [{"op": "create", "kind": "note", "id": f"n{i}",
                                 "fields": {"text": f"note {i} " + "x" * 400}}])


def test_writes_leave_checkpoints_to_the_thread(tmp_path, monkeypatch):
    monkeypatch.setattr(checkpoint, "INTERVAL", 3600)  # the thread waits: only writes run
    path = tmp_path / "herd.db"
    store = Store(str(path))
    try:
        board = store.create_board("wal")["id"]
        many_writes(store, board, 700)
        log, _ = wal_frames(path)  # (this PASSIVE checkpoint copies them back after)
        # SQLite's own automatic checkpoint would have run inside a COMMIT at 1,000 pages
        # and begun the WAL again; here the writes only append.
        assert log > 1000
        assert store._writer.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == \
            checkpoint.BACKSTOP_PAGES
    finally:
        store.close()


def test_the_thread_copies_the_wal_back_after_writes(tmp_path, monkeypatch):
    monkeypatch.setattr(checkpoint, "INTERVAL", 0.05)
    path = tmp_path / "herd.db"
    store = Store(str(path))
    try:
        board = store.create_board("wal")["id"]
        many_writes(store, board, 700)
        after_writes = store._checkpointer.checkpoints
        deadline = time.monotonic() + 30
        cp = store._checkpointer
        while (cp.checkpoints == after_writes or cp.dirty) and time.monotonic() < deadline:
            time.sleep(0.05)
        with cp._busy:  # no checkpoint under way: the count stands
            done = cp.checkpoints
        _, log, copied = cp.last
        assert log > 0 and copied == log  # the thread copied the whole WAL back
        time.sleep(0.3)  # six intervals with no write: nothing to do, nothing done
        assert cp.checkpoints == done
        assert len(store.snapshot(board)["notes"]) == 700
    finally:
        store.close()


def test_a_closed_store_leaves_no_connection_open_for_a_fork(tmp_path, monkeypatch):
    """gunicorn's master opens the store to check it, closes it, then forks the workers: a
    SQLite file still open at the fork broke the children's locking (a second server did
    not see the first one's writes). The checkpointer holds no connection between runs."""
    import os

    monkeypatch.setattr(checkpoint, "INTERVAL", 60)
    path = tmp_path / "herd.db"
    store = Store(str(path))
    store.create_board("fork")
    store._checkpointer.checkpoint()
    store.close()
    open_files = {os.path.realpath(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")
                  if os.path.exists(f"/proc/self/fd/{fd}")}
    assert not {f for f in open_files if f.startswith(str(path))}, open_files


def test_a_move_puts_few_bytes_into_the_wal(tmp_path, monkeypatch):
    """A new database has 1 KiB pages: a note move rewrites ~4 of them (the note's, the event
    log's, the board's seq), ~5.4 KB of WAL; with SQLite's default 4 KiB pages it was ~16 KB,
    written again into the file by every checkpoint."""
    monkeypatch.setattr(checkpoint, "INTERVAL", 3600)
    path = tmp_path / "herd.db"
    store = Store(str(path))
    try:
        board = store.create_board("wal")["id"]
        store.apply_ops(board, [{"op": "create", "kind": "note", "id": f"n{i}",
                                 "fields": {"text": f"note {i} " * 5, "x": i * 200}}
                                for i in range(1500)])
        conn = sqlite3.connect(str(path))
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
        moves = 300
        for k in range(moves):
            store.apply_ops(board, [{"op": "update", "kind": "note", "id": f"n{k * 7 % 1500}",
                                     "fields": {"x": k, "y": 5}}])
        per_move = (path.parent / "herd.db-wal").stat().st_size / moves
        assert store._writer.execute("PRAGMA page_size").fetchone()[0] == 1024
        assert per_move < 8000, per_move  # 4 KiB pages: ~16,000
    finally:
        store.close()


def test_a_database_made_with_other_pages_keeps_them(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(str(path))
    conn.execute("PRAGMA page_size = 4096")
    conn.execute("CREATE TABLE t (x)")  # the size is fixed once the first table exists
    conn.close()
    store = Store(str(path))
    try:
        board = store.create_board("old")["id"]
        store.apply_ops(board, [{"op": "create", "kind": "note", "id": "n",
                                 "fields": {"text": "t"}}])
        assert store._writer.execute("PRAGMA page_size").fetchone()[0] == 4096
        assert [n["id"] for n in store.snapshot(board)["notes"]] == ["n"]
    finally:
        store.close()
