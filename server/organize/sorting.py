"""Sort new notes into the groups a board already has; what fits nothing goes to Unsorted.

Nothing already on the board moves: a new note joins the best group's frame below its notes,
and that frame grows to hold it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..llamafile.protocols import Embedder
from . import fit, layout
from .pipeline import embed_notes


@dataclass
class Target:
    """An existing group: its id, title, frame and notes (each {"id", "text", x, y, w, h})."""

    id: Any
    title: str
    frame: dict[str, float]
    notes: list[dict[str, Any]]


@dataclass
class Sorted:
    """Where each new note goes, the grown frames, and how sure each placement is."""

    groups: dict[Any, list[Any]]  # group id -> new note ids joining it
    unsorted: list[Any]  # note ids that fit no group
    frames: dict[Any, dict[str, float]]  # group id -> its frame after growing
    positions: dict[Any, tuple[float, float]]  # new note id -> top-left corner
    fits: dict[Any, tuple[Any, Any, float, float]]  # note id -> (best, runner-up, score, margin)
    # Notes already on the board that moved down with their frame to make room (rarely any).
    shifted: dict[Any, tuple[float, float]] = field(default_factory=dict)
    unsorted_frame: dict[str, float] | None = None  # a new Unsorted frame, when one is needed
    timings: dict[str, float] = field(default_factory=dict)

    def doubts(self, margin: float = fit.DOUBT_MARGIN) -> dict[Any, Any]:
        """Placed notes close between two groups: note id -> the runner-up group's id."""
        placed = {n for ids in self.groups.values() for n in ids}
        return {n: f[1] for n, f in self.fits.items()
                if n in placed and f[1] is not None and f[3] < margin}


def assign(
    new_texts: Sequence[str],
    groups: Sequence[tuple[str, Sequence[str]]],
    embedder: Embedder,
    title_weight: float = fit.TITLE_WEIGHT,
) -> list[fit.Fit]:
    """The best group (and runner-up) for each new text among (title, member texts) groups."""
    if not new_texts or not groups:
        return []
    members = [list(texts) for _, texts in groups]
    titles = [title or "(untitled)" for title, _ in groups]
    flat = list(new_texts) + [t for m in members for t in m] + titles
    vecs = embed_notes(flat, embedder)
    new = vecs[: len(new_texts)]
    at = len(new_texts)
    parts = []
    for m in members:
        parts.append(vecs[at : at + len(m)])
        at += len(m)
    title_vecs = vecs[at:]
    mean = fit.board_mean(vecs[: at])  # the board's notes, old and new, without the titles
    sums, weights = fit.centres(parts, title_vecs, mean, title_weight)
    table = fit.scores(new, sums, mean)
    table[:, weights == 0] = -np.inf  # a group with neither notes nor a counted title
    return fit.fits(table)


def typical_fits(
    groups: Sequence[tuple[str, Sequence[str]]], embedder: Embedder,
    title_weight: float = fit.TITLE_WEIGHT,
) -> np.ndarray:
    """Per group, the median fit of its own notes (each left out, title counted): how well a
    note that belongs there scores. 0 for a group with fewer than 2 notes."""
    members = [list(texts) for _, texts in groups]
    titles = [title or "(untitled)" for title, _ in groups]
    flat = [t for m in members for t in m]
    if not flat:
        return np.zeros(len(groups))
    vecs = embed_notes(flat + titles, embedder)
    notes, title_vecs = vecs[: len(flat)], vecs[len(flat):]
    labels = np.array([g for g, m in enumerate(members) for _ in m], dtype=np.int64)
    mean = fit.board_mean(notes)
    sums, _ = fit.centres([notes[labels == g] for g in range(len(groups))], title_vecs, mean,
                          title_weight)
    own = fit.loo_scores(notes, labels, sums, mean)[np.arange(len(notes)), labels]
    return np.array([float(np.median(own[labels == g])) if (labels == g).sum() >= 2 else 0.0
                     for g in range(len(groups))])


def decide(
    new_texts: Sequence[str],
    groups: Sequence[tuple[str, Sequence[str]]],
    embedder: Embedder,
    min_fit: float | None = None,
    relative: float | None = None,
) -> list[tuple[fit.Fit, bool]]:
    """Per new text: its fit among the groups, and whether it fits well enough to join.

    It joins when its best score reaches both `min_fit` and `relative` x that group's typical
    own-note score (defaults: fit.SORT_MIN_FIT, fit.SORT_RELATIVE). [] without groups."""
    if not groups:
        return []
    min_fit = fit.SORT_MIN_FIT if min_fit is None else min_fit
    relative = fit.SORT_RELATIVE if relative is None else relative
    found = assign(new_texts, groups, embedder)
    if not relative:
        return [(f, f.fits(min_fit)) for f in found]
    typical = typical_fits(groups, embedder)
    return [(f, f.fits(max(min_fit, relative * float(typical[f.best])))) for f in found]


def sort_notes(
    new: Sequence[dict[str, Any]],
    targets: Sequence[Target],
    embedder: Embedder,
    unsorted: Target | None = None,
    view: dict[str, float] | None = None,
    avoid: Sequence[dict[str, float]] = (),
    min_fit: float | None = None,
    relative: float | None = None,
) -> Sorted:
    """Place `new` notes ({"id", "text", "w"?, "h"?}) into `targets`; misfits into `unsorted`
    (an existing Unsorted frame) or a new Unsorted frame near the view, clear of `avoid`."""
    t = time.perf_counter()
    texts = [str(n.get("text") or "") for n in new]
    groups = [(g.title, [str(m.get("text") or "") for m in g.notes]) for g in targets]
    result = Sorted({g.id: [] for g in targets}, [], {}, {}, {})
    for note, (f, ok) in zip(new, decide(texts, groups, embedder, min_fit, relative),
                             strict=bool(targets)):
        runner = targets[f.runner_up].id if f.runner_up is not None else None
        result.fits[note["id"]] = (targets[f.best].id, runner, round(f.score, 4),
                                   round(f.margin, 4))
        if ok:
            result.groups[targets[f.best].id].append(note["id"])
        else:
            result.unsorted.append(note["id"])
    if not targets:
        result.unsorted = [n["id"] for n in new]  # nothing to sort into
    note_size = (
        max([float(n.get("w") or layout.NOTE_W) for n in new] or [layout.NOTE_W]),
        max([float(n.get("h") or layout.NOTE_H) for n in new] or [layout.NOTE_H]),
    )
    _grow(result, [*targets, *([unsorted] if unsorted else [])], unsorted, note_size)
    if result.unsorted and unsorted is None:
        # Keep clear of everything, including the frames as they are after growing.
        grown = [_rect(f) for f in result.frames.values()]
        moved = [layout.Rect(x, y, float(n.get("w") or layout.NOTE_W),
                             float(n.get("h") or layout.NOTE_H))
                 for g in targets for n in g.notes if n["id"] in result.shifted
                 for x, y in [result.shifted[n["id"]]]]
        (place,) = layout.layout_groups([len(result.unsorted)], _rect(view) if view else None,
                                        note_size, [_rect(r) for r in avoid] + grown + moved)
        result.unsorted_frame = place.frame.as_dict()
        result.positions.update(zip(result.unsorted, place.notes, strict=True))
    result.timings["total"] = round(time.perf_counter() - t, 4)
    return result


def _grow(result: Sorted, frames: Sequence[Target], unsorted: Target | None,
          note_size: tuple[float, float]) -> None:
    """Grow each frame that takes new notes, top to bottom, clear of every other frame and
    note (layout.grow_clear); when one has to make room, everything below it moves down."""
    rects = {g.id: _rect(g.frame) for g in frames}
    notes = {g.id: {n["id"]: _rect(n) for n in g.notes} for g in frames}
    new_at: dict[Any, dict[Any, tuple[float, float]]] = {}
    taking = [g for g in frames if (result.unsorted if g is unsorted else result.groups[g.id])]
    for g in sorted(taking, key=lambda g: (rects[g.id].y, rects[g.id].x)):
        ids = result.unsorted if g is unsorted else result.groups[g.id]
        others = [r for gid, r in rects.items() if gid != g.id] + [
            r for gid, ns in notes.items() if gid != g.id for r in ns.values()]
        grew = layout.grow_clear(rects[g.id], list(notes[g.id].values()), len(ids), others,
                                 note_size)
        rects[g.id] = grew.place.frame
        result.frames[g.id] = grew.place.frame.as_dict()
        new_at[g.id] = dict(zip(ids, grew.place.notes, strict=True))
        if grew.shift:
            for gid, r in rects.items():
                if gid == g.id or r.y < grew.line:
                    continue
                rects[gid] = layout.Rect(r.x, r.y + grew.shift, r.w, r.h)
                result.frames[gid] = rects[gid].as_dict()
                for nid, n in notes[gid].items():
                    notes[gid][nid] = layout.Rect(n.x, n.y + grew.shift, n.w, n.h)
                    result.shifted[nid] = (n.x, n.y + grew.shift)
                for nid, (x, y) in new_at.get(gid, {}).items():
                    new_at[gid][nid] = (x, y + grew.shift)
    for placed in new_at.values():
        result.positions.update(placed)


def _rect(r: dict[str, Any]) -> layout.Rect:
    return layout.Rect(float(r["x"]), float(r["y"]), float(r.get("w") or layout.NOTE_W),
                       float(r.get("h") or layout.NOTE_H))
