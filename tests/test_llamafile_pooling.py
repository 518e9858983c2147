"""Per-token vectors pooled over the note's own tokens; single-vector dialects unchanged."""

from __future__ import annotations

import numpy as np
import pytest
from llamafile_fake import FakeServer, llama_server, llamafiler, ok, old_llamafile, vec

from server.llamafile.embed import LlamafileEmbedder

BOS, EOS = [100.0, 0.0, 0.0], [0.0, 0.0, 100.0]  # far off, so including them shows


def _tokens(text: str) -> list[list[float]]:
    """One row per word, standing in for the model's per-token vectors."""
    return [[float(len(w)), 1.0, 0.0] for w in text.split()]


def _per_token(body):
    c = body["content"]
    items = c if isinstance(c, list) else [c]
    return 200, [{"index": i, "embedding": [BOS, *_tokens(t), EOS]} for i, t in enumerate(items)]


def _tokenize(body):
    ids = [7] * len(body["content"].split())
    return 200, {"tokens": [1, *ids, 2] if body.get("add_special") else ids}


@pytest.fixture
def per_token():
    fake = FakeServer(llama_server({("POST", "/embedding"): _per_token,
                                    ("POST", "/tokenize"): _tokenize}))
    yield fake
    fake.close()


def _unit(v) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_per_token_vectors_are_averaged_without_the_special_tokens(per_token):
    emb = LlamafileEmbedder(per_token.url)
    got = emb.embed(["big red apples", "a cat"])
    for row, text in zip(got, ["big red apples", "a cat"], strict=True):
        assert np.allclose(row, _unit(np.mean(_tokens(text), axis=0)), atol=1e-6)
    # The server was asked once which tokens are special, not once per batch.
    emb.embed(["one more note"])
    assert len(per_token.calls("/tokenize")) == 2  # with and without special tokens
    emb.close()


def test_last_token_pooling_when_the_server_says_so():
    fake = FakeServer(llama_server({
        ("GET", "/props"): ok({"total_slots": 2, "build_info": "b1", "pooling": "last",
                               "model_path": "/m/qwen-embed.gguf"}),
        ("POST", "/embedding"): _per_token, ("POST", "/tokenize"): _tokenize}))
    try:
        got = LlamafileEmbedder(fake.url).embed(["big red apples"])
        assert np.allclose(got[0], _unit(_tokens("apples")[0]), atol=1e-6)
    finally:
        fake.close()


def test_without_tokenize_every_row_counts():
    fake = FakeServer(llama_server({("POST", "/embedding"): _per_token}))  # no /tokenize
    try:
        got = LlamafileEmbedder(fake.url).embed(["big red apples"])
        assert np.allclose(got[0], _unit(np.mean([BOS, *_tokens("big red apples"), EOS], 0)),
                           atol=1e-6)
    finally:
        fake.close()


@pytest.mark.parametrize("routes", [old_llamafile, llamafiler, llama_server])
def test_single_vector_shapes_are_unchanged_and_ask_nothing_more(routes):
    fake = FakeServer(routes())
    try:
        got = LlamafileEmbedder(fake.url).embed(["pears", "apple pie"])
        assert np.allclose(got, [_unit(vec("pears")), _unit(vec("apple pie"))], atol=1e-6)
        assert not fake.calls("/tokenize")
    finally:
        fake.close()
