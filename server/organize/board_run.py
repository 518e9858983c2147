"""The pipeline as the board uses it: AI service in, placements with fresh group ids out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..store.validate import new_id
from . import pipeline, sorting
from .apply import ORGANIZE_ORIGIN, UNSORTED_ORIGIN, Placement, SortPlan, SortScope


def run_pipeline(notes: list[dict[str, Any]], ai: Any, params: dict[str, Any],
                 progress: Callable[[str, int, int], None], cancelled: Callable[[], bool],
                 avoid: Sequence[dict[str, float]]) -> list[Placement]:
    """Group, name and place the notes; the frames keep clear of `avoid`."""
    result = pipeline.organize(notes, ai.embedder, ai.chat, k=params.get("groups"),
                               view=params.get("view"), progress=progress,
                               cancelled=cancelled, avoid=avoid,
                               unsorted=bool(params.get("unsorted")))
    ids = [new_id() for _ in result.groups]
    return [Placement(gid, g.label, g.frame, dict(g.positions),
                      UNSORTED_ORIGIN if g.source == "unsorted" else ORGANIZE_ORIGIN,
                      {n: ids[r] for n, r in g.doubts.items()})
            for gid, g in zip(ids, result.groups, strict=True)]


def run_sort(scope: SortScope, ai: Any, params: dict[str, Any],
             progress: Callable[[str, int, int], None],
             avoid: Sequence[dict[str, float]]) -> SortPlan:
    """Sort the scope's new notes into its groups; misfits into (a new) Unsorted frame."""
    def target(group: dict[str, Any], members: list[dict[str, Any]]) -> sorting.Target:
        return sorting.Target(group["id"], group["title"],
                              {k: group[k] for k in ("x", "y", "w", "h")}, members)

    progress("embedding", 0, len(scope.notes))
    result = sorting.sort_notes(
        [{k: n[k] for k in ("id", "text", "w", "h")} for n in scope.notes],
        [target(g, m) for g, m in scope.targets], ai.embedder,
        unsorted=target(*scope.unsorted) if scope.unsorted else None,
        view=params.get("view"), avoid=avoid)
    progress("placing", len(scope.notes), len(scope.notes))
    home = {n: gid for gid, ids in result.groups.items() for n in ids}
    new_group = None
    if result.unsorted_frame is not None:
        new_group = Placement(new_id(), pipeline.UNSORTED, result.unsorted_frame, {},
                              UNSORTED_ORIGIN)
    unsorted_id = new_group.group_id if new_group else (
        scope.unsorted[0]["id"] if scope.unsorted else None)
    notes = {}
    for n, (x, y) in result.positions.items():
        notes[n] = (home.get(n, unsorted_id), x, y)
    return SortPlan(result.frames, notes, new_group, result.doubts(), dict(result.shifted))


def suggest_title(texts: list[str], others: list[list[str]], titles: list[str], ai: Any) -> str:
    """A fresh title for one group, unlike the board's other titles."""
    return pipeline.suggest_label(texts, others, ai.embedder, ai.chat, avoid=titles)
