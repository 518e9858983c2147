"""The pipeline as the board uses it: AI service in, placements with fresh group ids out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..store.validate import new_id
from . import pipeline
from .apply import Placement


def run_pipeline(notes: list[dict[str, Any]], ai: Any, params: dict[str, Any],
                 progress: Callable[[str, int, int], None], cancelled: Callable[[], bool],
                 avoid: Sequence[dict[str, float]]) -> list[Placement]:
    """Group, name and place the notes; the frames keep clear of `avoid`."""
    result = pipeline.organize(notes, ai.embedder, ai.chat, k=params.get("groups"),
                               view=params.get("view"), progress=progress,
                               cancelled=cancelled, avoid=avoid)
    return [Placement(new_id(), g.label, g.frame, dict(g.positions)) for g in result.groups]


def suggest_title(texts: list[str], others: list[list[str]], titles: list[str], ai: Any) -> str:
    """A fresh title for one group, unlike the board's other titles."""
    return pipeline.suggest_label(texts, others, ai.embedder, ai.chat, avoid=titles)
