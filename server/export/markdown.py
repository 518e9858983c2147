"""Markdown export: `# Group` headings with `- note` lines, ungrouped notes last.

Text is escaped so that no note becomes HTML in a Markdown viewer (`<script>`, `<img
onerror>`): a `<` that would open a tag and an `&` that would start an entity are written as
entities, and nothing else changes, so the file stays readable as plain text.
textimport.unescape reverses exactly this, so an export imports back as typed.
"""

from __future__ import annotations

import re
from typing import Any

from .order import group_title, sections, vote_totals

# What Markdown passes through as HTML: a tag, comment or declaration, and an entity.
_HTML = re.compile(r"<(?=[A-Za-z/!?])|&(?=#?[A-Za-z0-9]+;)")
_ENTITY = {"<": "&lt;", "&": "&amp;"}


def escape(text: str) -> str:
    """Text that any Markdown viewer shows as typed rather than as HTML."""
    return _HTML.sub(lambda m: _ENTITY[m.group()], text)


def note_item(text: str) -> str:
    """One note as a list item; later lines of a multi-line note are indented under it."""
    lines = [escape(line.rstrip()) for line in str(text).splitlines()]
    # Blank lines inside a note would end the list item; drop them.
    lines = [line for line in lines if line.strip()] or [""]
    return "\n".join([f"- {lines[0]}".rstrip()] + [f"  {line}" for line in lines[1:]])


def to_markdown(snapshot: dict[str, Any]) -> str:
    """The board as Markdown, the format the original notebook printed."""
    blocks = []
    for group, notes in sections(snapshot):
        body = "\n".join(note_item(n["text"]) for n in notes)
        blocks.append(f"# {escape(group_title(group))}\n" + (f"\n{body}\n" if body else ""))
    totals = vote_totals(snapshot)
    if totals:
        text = {n["id"]: n["text"] for n in snapshot.get("notes") or []}
        ranked = sorted((n for n in totals if n in text), key=lambda n: (-totals[n], n))
        lines = [f"{i}. {escape(' '.join(str(text[n]).split()))} ({totals[n]} "
                 f"vote{'s' * (totals[n] != 1)})" for i, n in enumerate(ranked, 1)]
        blocks.append("# Votes\n\n" + "\n".join(lines) + "\n")
    return "\n".join(blocks)
