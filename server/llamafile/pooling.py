"""Per-token vectors (a server with pooling none) pooled the way the model was trained."""

from __future__ import annotations

from typing import Any

import numpy as np

from .client import Server
from .errors import LlamafileError


def special_edges(server: Server) -> tuple[int, int]:
    """How many special tokens the server adds before and after a text (BOS, CLS, SEP, EOS).

    Asked of /tokenize with and without them; (0, 0) when the server cannot say."""
    try:
        with_sp = server.post_json("/tokenize", {"content": "a", "add_special": True},
                                   timeout=10.0, ok404=True)
        plain = server.post_json("/tokenize", {"content": "a", "add_special": False},
                                 timeout=10.0, ok404=True)
        ts, tn = _ids(with_sp), _ids(plain)
    except (LlamafileError, LookupError, TypeError, ValueError):
        return 0, 0
    for lead in range(len(ts) - len(tn) + 1):
        if tn and ts[lead:lead + len(tn)] == tn:
            return lead, len(ts) - lead - len(tn)
    return 0, 0


def _ids(data: Any) -> list[int]:
    """Token ids from a /tokenize answer (plain ids or {"id", "piece"} items)."""
    return [t["id"] if isinstance(t, dict) else int(t) for t in data["tokens"]]


def pool(rows: np.ndarray, edges: tuple[int, int], pooling: str | None = None) -> np.ndarray:
    """One vector from one row per token: the note's own tokens only, special ones dropped.

    `pooling` is what the server says the model was trained with ("cls", "last"); anything
    else means a mean over the tokens, which is what sentence embedders are trained on."""
    lead, trail = edges
    inner = rows[lead:len(rows) - trail] if len(rows) > lead + trail else rows
    if pooling == "cls":
        return rows[0]
    if pooling == "last":
        return inner[-1]
    return inner.mean(axis=0)
