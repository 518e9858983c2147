"""Markdown export: `# Group` headings with `- note` lines, ungrouped notes last."""

from __future__ import annotations

from typing import Any

from .order import group_title, sections


def note_item(text: str) -> str:
    """One note as a list item; later lines of a multi-line note are indented under it."""
    lines = [line.rstrip() for line in str(text).splitlines()]
    # Blank lines inside a note would end the list item; drop them.
    lines = [line for line in lines if line.strip()] or [""]
    return "\n".join([f"- {lines[0]}".rstrip()] + [f"  {line}" for line in lines[1:]])


def to_markdown(snapshot: dict[str, Any]) -> str:
    """The board as Markdown, the format the original notebook printed."""
    blocks = []
    for group, notes in sections(snapshot):
        body = "\n".join(note_item(n["text"]) for n in notes)
        blocks.append(f"# {group_title(group)}\n" + (f"\n{body}\n" if body else ""))
    return "\n".join(blocks)
