"""Pure: how well each note fits each group, which group is the runner-up, and which notes
fit none (Unsorted) or sit close between two (doubt marks).

A group is represented by its centre: the unit mean of its notes' vectors, with its title's
vector counted beside them as `TITLE_WEIGHT` notes' worth of evidence. Scores are cosine
similarities after taking out the board's mean direction (as clustering does), so they spread
over topics rather than over what every note on one board shares.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# A title is one short phrase; it counts as this many notes beside the group's own notes.
# Measured with bench/sort.py (hold-out sort, 3 sets x 4 splits): weight 0 / 1 / 2 put 78 / 78 /
# 81% (seed list), 50 / 53 / 50% (retro) and 50 / 53 / 56% (ours) of held-out notes in their
# topic's group; 1 is the steadiest. Figures in bench/README.md.
TITLE_WEIGHT = 1.0
# Organize with "Unsorted": a member whose own group (without it) scores below this fits none.
# Over the three sets 7.6% of notes fall below 0.05, and half of those are misplaced (15% of
# all notes are): they are the ones worth a person's look.
MIN_FIT = 0.05
# Sorting new notes in: a new note fits no group when its best score is below this floor or
# below SORT_RELATIVE x the median score of that group's own notes (each left out): a board of
# tight groups (the seed list's) asks more of a newcomer than a board of loose ones (a retro).
# Measured with bench/sort.py, hold-out and foreign notes (the other sets' notes sorted in):
# relative 0 / 0.25 / 0.5 left out 0 / 6 / 13% of the seed list's own notes and 92 / 100 /
# 100% of foreign ones; retro 14 / 36 / 47% own, 15 / 65 / 75% foreign (bench/README.md).
SORT_MIN_FIT = 0.0
SORT_RELATIVE = 0.25
# A placement whose best group beats the runner-up by less than this is marked as doubtful.
# Measured: after Organize 16% of notes are marked and 53% of those are misplaced, against
# 15% of all notes; after a hold-out sort 34-39% are marked, 57-75% of them misplaced
# (47% of all sorted notes are).
DOUBT_MARGIN = 0.05


@dataclass(frozen=True)
class Fit:
    """One note's placement: its best group, the runner-up, and how sure that is."""

    best: int  # index of the best-fitting group
    runner_up: int | None  # the next best group (None with a single group)
    score: float  # similarity to the best group's centre
    margin: float  # best score minus the runner-up's (inf with a single group)

    def fits(self, min_fit: float = MIN_FIT) -> bool:
        """True when the note fits its best group well enough to join it."""
        return self.score >= min_fit

    def doubtful(self, margin: float = DOUBT_MARGIN) -> bool:
        """True when the placement is close between two groups."""
        return self.runner_up is not None and self.margin < margin


def unit(v: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)


def board_mean(vecs: np.ndarray) -> np.ndarray:
    """The direction every note on the board shares (zero for fewer than 3 notes)."""
    if len(vecs) < 3:
        return np.zeros(vecs.shape[1] if vecs.ndim == 2 else 0)
    return vecs.mean(axis=0)


def centres(
    members: Sequence[np.ndarray],
    titles: np.ndarray | None = None,
    mean: np.ndarray | None = None,
    title_weight: float = TITLE_WEIGHT,
) -> tuple[np.ndarray, np.ndarray]:
    """Per group the summed evidence (notes and weighted title, board mean taken out) and how
    many notes' worth it holds: (G, d) sums and (G,) weights."""
    d = next((m.shape[1] for m in members if len(m)), titles.shape[1] if titles is not None else 0)
    mean = np.zeros(d) if mean is None else mean
    sums, weights = [], []
    for g, m in enumerate(members):
        total = unit(m - mean).sum(axis=0) if len(m) else np.zeros(d)
        weight = float(len(m))
        if titles is not None and title_weight > 0:
            total = total + title_weight * unit(titles[g] - mean)
            weight += title_weight
        sums.append(total)
        weights.append(weight)
    return np.array(sums).reshape(len(members), d), np.array(weights)


def scores(vecs: np.ndarray, sums: np.ndarray, mean: np.ndarray | None = None) -> np.ndarray:
    """Cosine of every note to every group centre: (n, G)."""
    mean = np.zeros(vecs.shape[1]) if mean is None else mean
    return unit(vecs - mean) @ unit(sums).T


def loo_scores(
    vecs: np.ndarray, labels: np.ndarray, sums: np.ndarray, mean: np.ndarray | None = None
) -> np.ndarray:
    """Like `scores`, for notes that are members: each note's own group without it."""
    mean = np.zeros(vecs.shape[1]) if mean is None else mean
    x = unit(vecs - mean)
    out = x @ unit(sums).T
    own = unit(sums[labels] - x)
    out[np.arange(len(x)), labels] = (x * own).sum(axis=1)
    return out


def fits(table: np.ndarray) -> list[Fit]:
    """Best group, runner-up and margin per row of a (n, G) score table."""
    out = []
    for row in table:
        order = np.argsort(-row, kind="stable")
        best = int(order[0])
        if len(order) < 2:
            out.append(Fit(best, None, float(row[best]), float("inf")))
            continue
        second = int(order[1])
        out.append(Fit(best, second, float(row[best]), float(row[best] - row[second])))
    return out


def member_fits(table: np.ndarray, labels: np.ndarray) -> list[Fit]:
    """Per member note: its own group as 'best' (where it is), the strongest other group as
    runner-up; the margin is negative when another group fits it better."""
    out = []
    for row, own in zip(table, labels, strict=True):
        own = int(own)
        others = [(float(row[g]), g) for g in range(len(row)) if g != own]
        if not others:
            out.append(Fit(own, None, float(row[own]), float("inf")))
            continue
        score, second = max(others, key=lambda o: (o[0], -o[1]))
        out.append(Fit(own, second, float(row[own]), float(row[own]) - score))
    return out
