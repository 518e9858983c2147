"""Embedding caches keyed by (model, text): an in-memory LRU, optionally backed by SQLite."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np


def _key(model: str, text: str) -> str:
    return hashlib.sha256(f"{model}\x00{text}".encode()).hexdigest()


class EmbeddingCache:
    """Thread-safe LRU of unit vectors; with `path`, also kept on disk across restarts."""

    def __init__(self, max_items: int = 20_000, path: str | Path | None = None) -> None:
        self.max_items = max_items
        self._mem: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            # One connection guarded by the lock: writes are tiny and rare next to HTTP calls.
            self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=5)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS emb (key TEXT PRIMARY KEY, vec BLOB)")
        self.hits = 0
        self.misses = 0

    def get_many(self, model: str, texts: list[str]) -> list[np.ndarray | None]:
        """Cached vectors for texts (None where missing), refreshing their LRU position."""
        keys = [_key(model, t) for t in texts]
        out: list[np.ndarray | None] = []
        with self._lock:
            for k in keys:
                v = self._mem.get(k)
                if v is not None:
                    self._mem.move_to_end(k)
                out.append(v)
            missing = [i for i, v in enumerate(out) if v is None]
            if missing and self._db is not None:
                rows = self._select([keys[i] for i in missing])
                for i in missing:
                    blob = rows.get(keys[i])
                    if blob is not None:
                        out[i] = np.frombuffer(blob, dtype=np.float32)
                        self._remember(keys[i], out[i])
            found = sum(v is not None for v in out)
            self.hits += found
            self.misses += len(out) - found
        return out

    def put_many(self, model: str, texts: list[str], vectors: np.ndarray) -> None:
        """Remember vectors (rows of a float32 array) for texts."""
        keys = [_key(model, t) for t in texts]
        with self._lock:
            for k, v in zip(keys, vectors, strict=True):
                self._remember(k, np.array(v, dtype=np.float32))
            if self._db is not None:
                with self._db:
                    self._db.executemany(
                        "INSERT OR REPLACE INTO emb VALUES (?, ?)",
                        [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in
                         zip(keys, vectors, strict=True)],
                    )

    def _remember(self, key: str, vec: np.ndarray) -> None:
        vec.setflags(write=False)  # shared between callers: nobody may change it in place
        self._mem[key] = vec
        self._mem.move_to_end(key)
        while len(self._mem) > self.max_items:
            self._mem.popitem(last=False)

    def _select(self, keys: list[str]) -> dict[str, bytes]:
        assert self._db is not None
        found: dict[str, bytes] = {}
        for i in range(0, len(keys), 500):  # SQLite's variable limit
            chunk = keys[i : i + 500]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT key, vec FROM emb WHERE key IN ({marks})"
            found.update(self._db.execute(sql, chunk))
        return found

    def clear(self) -> None:
        """Forget everything in memory (the disk copy stays)."""
        with self._lock:
            self._mem.clear()
