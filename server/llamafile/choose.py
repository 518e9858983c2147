"""Is the user's one server an embedding model or a chat model? Metadata first, then a probe.

A chat model's embeddings group notes badly (issue 14: ARI 0.09 against MiniLM's 1.0 on the
seed list), so a single Llamafile given for both roles is only trusted with the role its
model was trained for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .client import LLAMA_SERVER, OLD, Server
from .errors import LlamafileError

EMBEDDING, CHAT = "embedding", "chat"

# Architectures (GGUF general.architecture) that are encoders: trained to embed, not to chat.
ENCODERS = frozenset({"bert", "nomic-bert", "nomic-bert-moe", "jina-bert-v2", "jina-bert-v3",
                      "modern-bert", "neo-bert", "t5encoder", "xlm-roberta", "roberta"})
WPM_VOCAB = 3  # llama.cpp's vocab_type for BERT's WordPiece, only ever an encoder's

# Two sentences that share no topic: vectors that can separate topics keep them apart.
# Then sentence-transformers' own example: one sentence, one of the same topic in other
# words, one in the same words on another topic. An embedding model puts the first pair
# closer; a chat model's vectors follow the words.
PROBE = ("The cat slept on the warm windowsill all afternoon.",
         "Quarterly tax returns must be filed before the end of March.",
         "A man is eating food.", "A man is eating a piece of bread.",
         "A man is riding a horse.")
NEAR_IDENTICAL = 0.9
# Measured here (cosines: unrelated pair; bread minus horse): MiniLM 0.04; 0.755 - 0.248 =
# 0.51. SmolLM2 mean-pooled 0.66; 0.897 - 0.905 = -0.01, last-token 0.75; 0.966 - 0.956 = 0.01.
MIN_TOPIC_MARGIN = 0.1


@dataclass(frozen=True)
class Verdict:
    """What the server's model is good at, and the measured reason, as a clause."""

    kind: str  # EMBEDDING or CHAT
    reason: str


def classify(server: Server, *, refusal_counts: bool = True) -> Verdict:
    """EMBEDDING or CHAT for the model behind `server`; raises LlamafileError if unreachable.

    `refusal_counts` is False when Herd itself started the server with --embedding, since
    then a refused completion says nothing about the model."""
    info = server.info()
    verdict = _from_metadata(info.props, _model_meta(server))
    if verdict:
        return verdict
    if refusal_counts and _refuses_completions(server):
        return Verdict(EMBEDDING, "it refuses completions, as an embedding model does")
    return probe(server)


def _model_meta(server: Server) -> dict[str, Any]:
    """llama-server's /v1/models "meta" (vocab_type, n_embd, ...), or {}."""
    try:
        data = server.get_json("/v1/models", timeout=5.0, ok404=True) or {}
        meta = data["data"][0].get("meta") or {}
        return meta if isinstance(meta, dict) else {}
    except (LlamafileError, LookupError, TypeError, AttributeError):
        return {}


def _from_metadata(props: dict[str, Any], meta: dict[str, Any]) -> Verdict | None:
    """A verdict when the server's metadata names an embedding model, else None."""
    pooling = props.get("pooling") or props.get("pooling_type")
    if isinstance(pooling, str) and pooling.lower() not in ("", "none", "unspecified"):
        return Verdict(EMBEDDING, f"the server pools its vectors ({pooling}), as for an "
                                  "embedding model")
    arch = str(props.get("general.architecture") or meta.get("architecture") or "").lower()
    if arch in ENCODERS:
        return Verdict(EMBEDDING, f"its architecture is {arch}, an encoder")
    if meta.get("vocab_type") == WPM_VOCAB or props.get("bos_token") == "[CLS]":
        return Verdict(EMBEDDING, "its vocabulary is BERT's WordPiece, an encoder's")
    return None


def _refuses_completions(server: Server) -> bool:
    """True when a one-token completion is refused as by an embeddings-only server."""
    from .chat import LlamafileChat
    from .protocols import ChatRequest

    try:
        LlamafileChat(server).complete(
            ChatRequest(messages=[{"role": "user", "content": "hi"}], max_tokens=1))
    except LlamafileError as e:
        if e.kind in ("unreachable", "timeout", "loading"):
            raise
        return e.kind == "chat_refused"
    return False


def probe(server: Server) -> Verdict:
    """Embed the PROBE sentences: per-token, nearly identical or word-led vectors mean CHAT."""
    try:
        rows = _probe_rows(server)
    except LlamafileError as e:
        if e.kind in ("unreachable", "timeout", "loading"):
            raise
        return Verdict(CHAT, "it serves no usable embeddings")
    if any(r.ndim == 2 and r.shape[0] > 1 for r in rows):
        return Verdict(CHAT, "it answers one vector per token (no pooling), so it was not "
                             "trained to embed")
    unit = [r.reshape(-1) / (np.linalg.norm(r) or 1.0) for r in rows]
    cos = float(unit[0] @ unit[1])
    if cos >= NEAR_IDENTICAL:
        return Verdict(CHAT, f"two unrelated sentences came back {cos:.2f} alike in cosine, "
                             "so its vectors cannot separate topics")
    same_topic, same_words = float(unit[2] @ unit[3]), float(unit[2] @ unit[4])
    if same_topic - same_words < MIN_TOPIC_MARGIN:
        return Verdict(CHAT, f"its vectors follow words, not topics (eating food is "
                             f"{same_topic:.2f} alike to eating bread, {same_words:.2f} to "
                             "riding a horse)")
    return Verdict(EMBEDDING, f"its vectors follow topics (two unrelated sentences "
                              f"{cos:.2f} alike, eating food nearer eating bread, "
                              f"{same_topic:.2f}, than riding a horse, {same_words:.2f})")


def _probe_rows(server: Server) -> list[np.ndarray]:
    """The server's raw vectors for PROBE, unpooled, as the server shaped them."""
    from .embed import LlamafileEmbedder, raw_rows

    if server.info().dialect in (OLD, LLAMA_SERVER):
        rows = raw_rows(server.post_json("/embedding", {"content": list(PROBE)}, timeout=20.0))
        if len(rows) == len(PROBE):
            return rows
    emb = LlamafileEmbedder(server)
    try:
        return list(emb.embed_uncached(list(PROBE)))
    finally:
        emb.close()
