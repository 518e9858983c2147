"""Grouping: seeded k-means, silhouette, the k choice, small-group clean-up."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score, silhouette_score

from server.organize import cluster, kchoice


def blobs(sizes, dim=16, spread=0.15, seed=0):
    """Unit vectors in well-separated clusters of the given sizes, and their true labels."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((len(sizes), dim)) * 3
    noise = [spread * 3 * rng.standard_normal((s, dim)) for s in sizes]
    x = np.vstack([c + e for c, e in zip(centres, noise, strict=True)])
    y = np.repeat(np.arange(len(sizes)), sizes)
    return x / np.linalg.norm(x, axis=1, keepdims=True), y


def test_kmeans_finds_separated_clusters_and_is_deterministic():
    x, y = blobs([6, 5, 7, 4])
    a, inertia_a = cluster.kmeans(x, 4, seed=3)
    b, inertia_b = cluster.kmeans(x, 4, seed=3)
    assert adjusted_rand_score(y, a) == 1.0
    assert np.array_equal(a, b) and inertia_a == inertia_b


def test_kmeans_labels_are_numbered_by_first_appearance():
    x, _ = blobs([3, 3, 3])
    labels, _ = cluster.kmeans(x, 3)
    assert labels[0] == 0
    assert list(dict.fromkeys(labels.tolist())) == [0, 1, 2]


def test_kmeans_k_larger_than_n_is_clamped():
    x, _ = blobs([2])
    labels, _ = cluster.kmeans(x, 5)
    assert sorted(set(labels.tolist())) == [0, 1]


def test_silhouette_matches_sklearn():
    x, _ = blobs([5, 6, 4, 1], spread=0.5, seed=1)
    labels, _ = cluster.kmeans(x, 4)
    ours = cluster.silhouette(cluster.cosine_distances(x), labels)
    assert ours == pytest.approx(silhouette_score(x, labels, metric="cosine"), abs=1e-6)


def test_hartigan_never_raises_inertia():
    x, _ = blobs([8, 8, 8], spread=0.8, seed=2)
    start = np.arange(len(x)) % 3
    before = sum(((x[start == j] - x[start == j].mean(0)) ** 2).sum() for j in range(3))
    _, after = cluster.hartigan(x, start)
    assert after <= before + 1e-9


@pytest.mark.parametrize("sizes", [[5, 5, 5], [6, 4, 5, 7], [4, 4, 4, 4, 4, 4]])
def test_choose_k_finds_the_number_of_clear_groups(sizes):
    x, y = blobs(sizes, seed=len(sizes))
    choice = kchoice.choose_k(x)
    assert choice.k == len(sizes)
    assert adjusted_rand_score(y, choice.labels) == 1.0


def test_choose_k_prefers_no_tiny_groups():
    # Two loose halves: splitting further would only peel off singletons.
    x, _ = blobs([10, 10], spread=0.6, seed=5)
    choice = kchoice.choose_k(x)
    assert np.bincount(choice.labels).min() >= kchoice.min_group_size(len(x))


def test_choose_k_on_tiny_inputs():
    x, _ = blobs([3])
    assert kchoice.choose_k(x).k == 1
    assert kchoice.k_candidates(2) == [1]


def test_k_candidates_stay_small_on_big_boards():
    ks = kchoice.k_candidates(1000)
    assert max(ks) <= kchoice.MAX_K and min(ks) == 2


def test_merge_small_moves_singletons_to_the_nearest_group():
    x, _ = blobs([4, 4], seed=4)
    labels = np.array([0, 0, 0, 2, 1, 1, 1, 1])
    merged = cluster.merge_small(x, labels, min_size=2)
    assert np.bincount(merged).min() >= 2
    assert merged[3] == merged[0]


def test_reduce_dims_keeps_distances_of_few_points():
    x, _ = blobs([5, 5], dim=100)
    r = cluster.reduce_dims(x, 48)
    assert r.shape == (10, 10)
    d = lambda a: ((a[:, None] - a[None]) ** 2).sum(-1)  # noqa: E731
    assert np.allclose(d(x), d(r))
    assert cluster.reduce_dims(x, 200) is x
    big = np.random.default_rng(0).standard_normal((300, 128))
    assert cluster.reduce_dims(big, 48).shape == (300, 48)
