"""Big boards, grouped from a sample: find the groups in a seeded sample of the notes, then put
every note in one of them (Lloyd started from the sample's group centres), so a group keeps its
identity, and the name it was given while the other notes were still being embedded."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import PCA
from threadpoolctl import threadpool_limits

from . import cluster, kchoice

DIMS = 48  # as cluster.reduce_dims


@dataclass
class Space:
    """Where the sample was grouped: its mean direction and its principal axes."""

    mean: np.ndarray
    pca: PCA | None

    def project(self, vecs: np.ndarray) -> np.ndarray:
        """Vectors as the sample's grouping saw them: centred on its mean, on its axes."""
        x = vecs - cluster.RECENTRE * self.mean
        x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
        return x if self.pca is None else self.pca.transform(x)


def group_sample(
    vecs: np.ndarray, k: int | None, seed: int, board_size: int
) -> tuple[np.ndarray, dict[int, float], Space]:
    """Groups of the sample's notes (k chosen as for the whole board unless given), the
    scores of each k tried, and the space they were found in."""
    with threadpool_limits(limits=1):
        space = Space(vecs.mean(axis=0), None)
        x = space.project(vecs)
        if x.shape[1] > DIMS and len(x) > DIMS and np.ptp(x, axis=0).any():
            space.pca = PCA(n_components=DIMS, svd_solver="covariance_eigh",
                            random_state=seed).fit(x)
        reduced = space.project(vecs)
        restarts, polish = kchoice.effort(board_size)
        if k is None:
            choice = kchoice.choose_k(reduced, seed, cluster.cosine_distances(x), board_size)
            labels, scores = choice.labels, choice.scores
        else:
            labels, _ = cluster.kmeans(reduced, max(1, min(int(k), len(x))), restarts=restarts,
                                       seed=seed, polish=max(polish, 1))
            scores = {}
        labels = cluster.merge_small(reduced, labels, 2) if len(x) >= 8 else labels
    return labels, scores, space


def lloyd(x: np.ndarray, centres: np.ndarray, iters: int = 50) -> np.ndarray:
    """Lloyd's k-means from the given centres: each point's centre index (kept in order)."""
    labels = np.full(len(x), -1)
    for _ in range(iters):
        d2 = (x * x).sum(axis=1)[:, None] - 2 * x @ centres.T + (centres * centres).sum(axis=1)
        new = d2.argmin(axis=1)
        if np.array_equal(new, labels):
            break
        labels = new
        for j in range(len(centres)):
            members = labels == j
            if members.any():  # an emptied group keeps its old centre
                centres[j] = x[members].mean(axis=0)
    return labels


def place_all(
    vecs: np.ndarray, pick: np.ndarray, sample_labels: np.ndarray, space: Space,
    restarts: int = 6, seed: int = 0,
) -> tuple[np.ndarray, dict[int, int]]:
    """Every note's group, and per final group the sample group it came from (whose name it
    takes). Lloyd from the sample's centres competes with `restarts` seeded k-means runs on
    all notes, as a board below the sample size is grouped; the lower inertia wins, and a
    k-means result is matched to the sample's groups by centre similarity."""
    with threadpool_limits(limits=1):
        x = space.project(vecs)
        k = int(sample_labels.max()) + 1
        centres = np.stack([x[pick][sample_labels == j].mean(axis=0) for j in range(k)])
        start = lloyd(x, centres.copy())
        fresh, inertia = cluster.kmeans(x, k, restarts=restarts, seed=seed, polish=0)
        if inertia < _inertia(x, start) - 1e-9:
            start = _match(x, fresh, centres)
        labels = cluster.merge_small(x, start, 2) if len(x) >= 8 else cluster.renumber(start)
    origin = {int(g): Counter(start[labels == g].tolist()).most_common(1)[0][0]
              for g in np.unique(labels)}
    return labels, origin


def _inertia(x: np.ndarray, labels: np.ndarray) -> float:
    return float(sum(((x[labels == j] - x[labels == j].mean(axis=0)) ** 2).sum()
                     for j in np.unique(labels)))


def _match(x: np.ndarray, labels: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Relabel a clustering so each of its groups carries the id of the sample group whose
    centre is most like its own (one to one: the assignment with the highest total)."""
    from scipy.optimize import linear_sum_assignment

    ids = np.unique(labels)
    own = np.stack([x[labels == j].mean(axis=0) for j in ids])
    rows, cols = linear_sum_assignment(-(cluster_unit(own) @ cluster_unit(centres).T))
    mapping = {int(ids[r]): int(c) for r, c in zip(rows, cols, strict=True)}
    return np.array([mapping[int(v)] for v in labels], dtype=np.int64)


def cluster_unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
