"""Deterministic stand-ins for the two model clients, shared by the Organize tests."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np

from server.llamafile.protocols import ChatRequest

DIM = 64


def word_vector(word: str) -> np.ndarray:
    """A fixed pseudo-random direction per word."""
    seed = int.from_bytes(hashlib.sha256(word.encode()).digest()[:4], "little")
    return np.random.default_rng(seed).standard_normal(DIM)


class FakeEmbedder:
    """Embedding = normalised sum of per-word directions: notes sharing words are close."""

    model = "fake-embed"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        rows = []
        for t in texts:
            words = re.findall(r"[a-z]+", t.lower()) or ["empty"]
            words = [w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words]  # plurals
            v = sum(word_vector(w) for w in words)
            rows.append(v / np.linalg.norm(v))
        return np.array(rows, dtype=np.float32).reshape(len(texts), DIM)

    def close(self) -> None:
        pass


class FakeChat:
    """Answers with the word the listed notes share most, or a fixed reply when given one."""

    model = "fake-chat"

    def __init__(self, reply: str | None = None, fail: bool = False) -> None:
        self.reply, self.fail = reply, fail
        self.requests: list[ChatRequest] = []

    def complete(self, request: ChatRequest) -> str:
        self.requests.append(request)
        if self.fail:
            raise RuntimeError("chat is down")
        if self.reply is not None:
            return self.reply
        listing = request.messages[-1]["content"]
        items = re.findall(r"^- (.*)$", listing, flags=re.M)
        counts = Counter(w for it in items for w in set(re.findall(r"[a-z]+", it.lower())))
        word = counts.most_common(1)[0][0] if counts else "things"
        return f" {word} things." if request.prefill.endswith("about") else f" {word}s."

    def close(self) -> None:
        pass

    def complete_many(
        self, requests: Sequence[ChatRequest], progress: Callable[[int], None] | None = None
    ) -> list[str | Exception]:
        out: list[str | Exception] = []
        for r in requests:
            try:
                out.append(self.complete(r))
            except Exception as e:  # the real client returns errors in place, too
                out.append(e)
            if progress:
                progress(len(out))  # like the real client: raising stops the rest
        return out


TOPICS = {
    "fruit": ["apple", "pear", "banana", "cherry", "plum"],
    "tool": ["hammer", "saw", "drill", "wrench", "pliers"],
    "planet": ["mars", "venus", "jupiter", "saturn", "neptune"],
    "color": ["red", "blue", "green", "yellow", "purple"],
}


def topic_notes() -> tuple[list[dict], dict[str, str]]:
    """20 notes in four topics; each note names its topic word, so the fakes can group them."""
    notes, truth = [], {}
    for topic, items in TOPICS.items():
        for item in items:
            i = str(len(notes))
            notes.append({"id": i, "text": f"{item} {topic}"})
            truth[i] = topic
    order = [3, 17, 8, 0, 12, 5, 19, 1, 14, 9, 6, 2, 16, 11, 4, 18, 7, 13, 10, 15]
    return [notes[i] for i in order], truth
