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


_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
UNGROUPED = "Ungrouped"  # the heading Herd's own Markdown export gives ungrouped notes


def parse_sections(text: str) -> list[tuple[str | None, list[str]]]:
    """Markdown as (heading, notes) sections; notes before any heading have heading None.

    A line indented under a list item continues that note on a new line, as Herd's Markdown
    export writes multi-line notes, so an exported board comes back note for note.
    """
    sections: list[tuple[str | None, list[str]]] = [(None, [])]
    after_item = False
    for line in text.splitlines():
        heading = _HEADING.match(line.strip())
        if heading:
            title = re.sub(r"\s+", " ", heading.group(1)).strip()
            sections.append((None if title == UNGROUPED else title, []))
            after_item = False
            continue
        notes = sections[-1][1]
        if after_item and line[:1] in (" ", "\t") and line.strip():
            notes[-1] += "\n" + clean_line(line)
            continue
        note = clean_line(line)
        if note:
            notes.append(note)
        after_item = bool(note) and bool(_MARKER.match(line.strip()))
    return [(title, notes) for title, notes in sections if notes or title is not None]
