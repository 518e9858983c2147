"""The Embedder over HTTP: batched, concurrent up to the server's slots, cached, normalised."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import pooling
from .cache import EmbeddingCache
from .client import LLAMA_SERVER, OLD, OPENAI, V2, Server
from .errors import LlamafileError
from .role import RoleClient


def raw_rows(data: Any) -> list[np.ndarray]:
    """Each input's answer as the server shaped it: one vector, or one row per token."""
    try:
        return [np.asarray(r, dtype=np.float32) for r in _rows(data)[0]]
    except (ValueError, KeyError, TypeError) as e:
        raise LlamafileError("bad_response", f"unknown embedding answer ({e})") from e


def parse_embeddings(
    data: Any, pool_tokens: Callable[[np.ndarray], np.ndarray] | None = None
) -> tuple[list[np.ndarray], str | None]:
    """Vectors from any dialect's answer, in input order, and the dialect the shape proves.

    `pool_tokens` turns one row per token (pooling none) into one vector; without it they are
    averaged as they come."""
    rows, dialect = _rows(data)
    out = []
    for row in rows:
        arr = np.asarray(row, dtype=np.float32)
        if arr.ndim == 2 and len(arr) > 1 and pool_tokens is not None:
            arr = pool_tokens(arr)
        elif arr.ndim == 2:
            # llama-server wraps a pooled vector as [[..]]: the mean of one row is that row.
            arr = arr.mean(axis=0)
        out.append(arr)
    return out, dialect


def is_per_token(data: Any) -> bool:
    """True when some input came back as one vector per token (a server with pooling none)."""
    try:
        return any(np.ndim(r) == 2 and len(r) > 1 for r in _rows(data)[0])
    except (ValueError, KeyError, TypeError):
        return False


def _rows(data: Any) -> tuple[list[Any], str | None]:
    if isinstance(data, dict) and "results" in data:  # old llamafile, list input
        rows, dialect = [r["embedding"] for r in data["results"]], OLD
    elif isinstance(data, dict) and "data" in data:  # OpenAI /v1/embeddings
        items = sorted(data["data"], key=lambda r: r.get("index", 0))
        rows, dialect = [r["embedding"] for r in items], None
    elif isinstance(data, dict) and "embedding" in data:  # one string in, one vector out
        rows, dialect = [data["embedding"]], None
    elif isinstance(data, list) and all(isinstance(r, dict) for r in data):
        items = sorted(data, key=lambda r: r.get("index", 0))  # llama-server: nested one level
        rows, dialect = [r["embedding"] for r in items], LLAMA_SERVER
    else:
        raise ValueError(f"unknown embedding answer: {str(data)[:120]}")
    return rows, dialect


class LlamafileEmbedder(RoleClient):
    """Embedder (see protocols.py) for one server URL."""

    role = "embed"

    def __init__(
        self,
        server: Server | str,
        *,
        batch_size: int = 32,
        cache: EmbeddingCache | None = None,
        max_concurrency: int | None = None,
    ) -> None:
        super().__init__(server, max_concurrency=max_concurrency)
        self.batch_size = batch_size
        self.cache = cache if cache is not None else EmbeddingCache()
        self._edges: tuple[int, int] | None = None  # special tokens around a text, once asked

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 rows for texts, in order; cached texts cost nothing."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        info = self.server.info()
        cached = self.cache.get_many(info.model_id, texts)
        todo = sorted({t for t, v in zip(texts, cached, strict=True) if v is None})
        if todo:
            fresh = self._embed_uncached(todo, texts)
            self.cache.put_many(info.model_id, todo, fresh)
            by_text = dict(zip(todo, fresh, strict=True))
            cached = [v if v is not None else by_text[t] for t, v in
                      zip(texts, cached, strict=True)]
        return np.vstack(cached).astype(np.float32, copy=False)

    def embed_uncached(self, texts: Sequence[str]) -> np.ndarray:
        """Like embed, always asking the server (for benchmarks and checks)."""
        texts = list(texts)
        return self._embed_uncached(texts, texts) if texts else np.zeros((0, 0), np.float32)

    def embed_one_by_one(self, texts: Sequence[str]) -> np.ndarray:
        """One request per text, sequentially: the naive baseline the benchmark compares to."""
        return np.vstack([self._batch(list(texts)[i : i + 1]) for i in range(len(texts))])

    def _embed_uncached(self, todo: list[str], all_texts: list[str]) -> np.ndarray:
        info = self.server.info()
        batches = [todo[i : i + self.batch_size] for i in range(0, len(todo), self.batch_size)]
        workers = max(1, min(self.max_concurrency or info.slots, info.slots, len(batches)))
        if workers == 1:
            results = [self._checked_batch(b, all_texts) for b in batches]
        else:
            pool = self._executor(workers)
            results = list(pool.map(lambda b: self._checked_batch(b, all_texts), batches))
        vecs = np.vstack(results)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        if np.any(norms < 1e-9):
            raise LlamafileError(
                "zero_vectors",
                f"{self.server.url} returned all-zero embeddings: it was started without "
                "embeddings. Restart it with --embedding (llama-server: --embeddings).",
                self.server.url,
            )
        return (vecs / norms).astype(np.float32)

    def _checked_batch(self, batch: list[str], all_texts: list[str]) -> np.ndarray:
        try:
            return self._batch(batch)
        except LlamafileError as e:
            if e.kind != "input_too_large":
                raise
            raise self._too_large(batch, all_texts, e) from e

    def _too_large(self, batch: list[str], all_texts: list[str], err: LlamafileError):
        # The server does not say which input was too long: ask one at a time to find it.
        culprit, found = batch[0], err
        if len(batch) > 1:
            for text in batch:
                try:
                    self._batch([text])
                except LlamafileError as e:
                    if e.kind == "input_too_large":
                        culprit, found = text, e
                        break
                    raise
        index = all_texts.index(culprit)
        short = culprit[:40].replace("\n", " ") + ("…" if len(culprit) > 40 else "")
        tokens, limit = found.details.get("tokens"), found.details.get("limit")
        size = f"{tokens} tokens" if tokens else f"{len(culprit)} characters"
        most = f"at most {limit} tokens" if limit else "fewer tokens"
        return LlamafileError(
            "input_too_large",
            f'Note {index + 1} ("{short}") is too long to embed: {size}, and '
            f"{self.server.url} takes {most} per note (its physical batch, -ub). Shorten or "
            "split the note, or restart the server with larger --batch-size and --ubatch-size.",
            self.server.url,
            index=index,
            tokens=tokens,
            limit=limit,
        )

    def _batch(self, batch: list[str]) -> np.ndarray:
        srv = self.server
        dialect = srv.info().dialect
        if dialect in (OLD, LLAMA_SERVER):
            data = srv.post_json("/embedding", {"content": batch})
        elif dialect == V2:
            data = srv.post_json("/v1/embeddings", {"input": batch}, ok404=True)
            if data is None:  # an early llamafiler: one string per /embedding call
                return np.vstack([self._single(t) for t in batch])
        else:
            data = srv.post_json("/v1/embeddings", {"input": batch, "model": srv.info().model_id})
        try:
            vecs, proven = parse_embeddings(data, self._pooler(data))
        except (ValueError, KeyError, TypeError) as e:
            raise LlamafileError(
                "bad_response",
                f"{srv.url} answered embeddings in a shape Herd does not know ({e}). "
                "Is it a Llamafile or llama-server started with --embedding?",
                srv.url,
            ) from e
        if len(vecs) != len(batch):
            if len(batch) > 1 and len(vecs) == 1 and dialect != OPENAI:
                # Some servers embed only the first of a list: fall back to one per call.
                return np.vstack([self._single(t) for t in batch])
            raise LlamafileError(
                "bad_response",
                f"{srv.url} returned {len(vecs)} embeddings for {len(batch)} texts.",
                srv.url,
            )
        if proven and proven != dialect and dialect != V2:
            srv.set_dialect(proven)
        return np.vstack(vecs)

    def _single(self, text: str) -> np.ndarray:
        data = self.server.post_json("/embedding", {"content": text})
        vecs, _ = parse_embeddings(data, self._pooler(data))
        return vecs[0]

    def _pooler(self, data: Any) -> Callable[[np.ndarray], np.ndarray] | None:
        """How to pool this answer's per-token rows, asking the server only when it has some."""
        if not is_per_token(data):
            return None  # one vector per note already: nothing to ask
        if self._edges is None:
            self._edges = pooling.special_edges(self.server)
        edges = self._edges
        props = self.server.info().props
        said = props.get("pooling") or props.get("pooling_type")
        return lambda rows: pooling.pool(rows, edges, said if isinstance(said, str) else None)
