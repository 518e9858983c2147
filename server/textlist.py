"""One note per line, as when pasting a list: list markers stripped, blank lines skipped."""

from __future__ import annotations

import re

# One leading list marker: "- ", "* ", "1. ", "1) ", or a bullet glyph (with or without a space).
_MARKER = re.compile(r"^(?:[-*](?:\s+|$)|\d{1,4}[.)](?:\s+|$)|[\u2022\u2023\u25e6\u2043\u2219]\s*)")


def clean_line(line: str) -> str:
    """The note text of one pasted line: its list marker and extra whitespace removed."""
    text = _MARKER.sub("", line.strip(), count=1)
    return re.sub(r"\s+", " ", text).strip()


def parse_lines(text: str) -> list[str]:
    """The notes in a pasted block of text, one per non-blank line, in order."""
    return [note for note in (clean_line(line) for line in text.splitlines()) if note]
