"""The two roles Organize needs from a Llamafile, as small interfaces.

Organize takes objects of these shapes as arguments, so its tests can pass deterministic fakes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors, one row per text, in input order."""

    model: str

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return float32 array of shape (len(texts), dim); rows have unit length."""
        ...


@dataclass
class ChatRequest:
    """One short completion: chat messages, optionally with the assistant's answer begun."""

    messages: list[dict[str, str]]
    prefill: str = ""  # the assistant's reply starts with this; the result continues it
    max_tokens: int = 16
    temperature: float = 0.0
    stop: list[str] = field(default_factory=list)
    seed: int = 0


class Chat(Protocol):
    """Short completions from a chat model."""

    model: str

    def complete(self, request: ChatRequest) -> str:
        """The continuation text (without the prefill)."""
        ...

    def complete_many(
        self, requests: Sequence[ChatRequest], progress: Callable[[int], None] | None = None
    ) -> list[str | Exception]:
        """Run requests concurrently (up to the server's slots); results in input order.

        `progress(n)` runs on the calling thread each time a request finishes (n finished so
        far); if it raises, the requests not yet sent are dropped and the exception propagates.
        """
        ...
