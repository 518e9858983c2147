"""Note text as the models see it: tidied, shortened for prompts, split into content words."""

from __future__ import annotations

import re

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

PROMPT_WORDS = 12  # a long note's first words are enough for naming its group
EMBED_CHARS = 1000  # far below the server's batch limit of 512 tokens


def tidy(text: str) -> str:
    """One line, single spaces, no surrounding whitespace."""
    return re.sub(r"\s+", " ", text).strip()


def embed_text(text: str) -> str:
    """What is embedded for a note: its tidy text, capped so no input is too large."""
    return tidy(text)[:EMBED_CHARS] or "(empty)"


def shorten(text: str, words: int = PROMPT_WORDS) -> str:
    """The note's first words, for prompts."""
    parts = tidy(text).split()
    return " ".join(parts[:words]) + (" ..." if len(parts) > words else "")


def stem(word: str) -> str:
    """A crude plural/verb-ending stem, so 'meetings' and 'meeting' count as one word."""
    for suffix in ("ies", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def content_words(text: str) -> list[str]:
    """Lower-case words of a note that carry meaning (no stop words, no bare numbers)."""
    words = re.findall(r"[a-z][a-z0-9'\-]*[a-z0-9]|[a-z]{2,}", text.lower())
    return [w for w in words if w not in ENGLISH_STOP_WORDS and len(w) > 1]
