"""How many groups: silhouette over a range of k, with a prior against tiny groups."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .cluster import cosine_distances, kmeans, silhouette

# Silhouette alone keeps rising with k on short notes (every split looks a little tighter), and
# ends in a pile of singletons. A group of one or two notes is rarely what a facilitator wants,
# so the share of notes left in such groups costs score. Measured on the shared sets with
# lambda 0..1: 0.3 and above pick the natural k on the seed list; 0.1 still over-splits.
SMALL_PENALTY = 0.3
# Between near-equal scores, prefer about sqrt(n) groups of about sqrt(n) notes: a board reads
# best when neither the groups nor their notes are too many. Small enough to only break near-ties
# (on the retro set it steadies k over seeds; it never moved the seed list off its 7 topics).
SIZE_PRIOR = 0.02
MAX_K = 20  # each group costs a label prompt; past ~20 groups a board is no longer sorted


@dataclass
class Choice:
    """The chosen k, its clustering, and each tried k's score (for timings and debugging)."""

    k: int
    labels: np.ndarray
    scores: dict[int, float] = field(default_factory=dict)


def min_group_size(n: int) -> int:
    """Groups smaller than this count against a k (3 on boards of 15 notes or more)."""
    return 3 if n >= 15 else 2


def k_candidates(n: int) -> list[int]:
    """The k tried for n notes: 2 up to about 2*sqrt(n), every k while that is cheap."""
    if n < 4:
        return [1]
    top = min(n // 2, MAX_K, max(4, round(2.2 * math.sqrt(n))))
    ks = list(range(2, top + 1))
    if n > 300:  # big boards: every other k is enough, and halves the grouping time
        ks = [k for k in ks if k < 8 or k % 2 == 0]
    return ks


def effort(n: int) -> tuple[int, int]:
    """k-means restarts and polished restarts for n notes (fewer as each gets costlier)."""
    if n <= 100:
        # Measured over 10 seeds: 24 restarts with the best 2 polished find the seed list's
        # 7 topics every time (16 restarts miss once); 3 polished cost 20% more, gain nothing.
        return 24, 2
    if n <= 300:
        return 12, 1
    return 6, 0


def score(dist: np.ndarray, labels: np.ndarray, min_size: int) -> float:
    """Silhouette minus penalties for notes in groups below `min_size` and for k far from
    sqrt(n)."""
    sizes = np.bincount(labels)
    n, k = len(labels), len(sizes)
    small = sizes[sizes < min_size].sum() / n
    prior = abs(math.log(k / math.sqrt(n)))
    return silhouette(dist, labels) - SMALL_PENALTY * small - SIZE_PRIOR * prior


def choose_k(
    x: np.ndarray,
    seed: int = 0,
    dist: np.ndarray | None = None,
    board_size: int | None = None,
) -> Choice:
    """Cluster for every candidate k and keep the best-scoring one (ties: the smaller k).

    `x` may be a sample of a board of `board_size` notes: k range and effort follow the board."""
    n = len(x)
    ks = [k for k in k_candidates(board_size or n) if k < n]
    if not ks or ks == [1]:
        return Choice(1, np.zeros(n, dtype=np.int64), {1: 0.0})
    dist = cosine_distances(x) if dist is None else dist
    restarts, polish = effort(board_size or n)
    min_size = min_group_size(n)
    best: Choice | None = None
    scores: dict[int, float] = {}
    for k in ks:
        labels, _ = kmeans(x, k, restarts=restarts, seed=seed, polish=polish)
        scores[k] = round(score(dist, labels, min_size), 4)
        if best is None or scores[k] > scores[best.k] + 1e-9:
            best = Choice(k, labels)
    assert best is not None
    best.scores = scores
    return best
