#!/usr/bin/env python3
"""Grouping alone: scikit-learn's k-means, PCA and silhouette against the numpy code they
replaced, with and without the Hartigan polish; ARI over seeds and seconds per grouping.

Embeds each set once with the bundled MiniLM (or --embed-url), then runs Herd's group_notes
(automatic k) with each implementation patched in, on the same vectors, in one run.

    .venv/bin/python bench/cluster.py [--seeds 5] [--embed-url URL]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.organize import DATASETS, OWN, big_board  # noqa: E402
from server import config as config_mod  # noqa: E402
from server.llamafile import runtime  # noqa: E402
from server.llamafile.embed import LlamafileEmbedder  # noqa: E402
from server.organize import cluster, kchoice, pipeline  # noqa: E402

# -- the numpy implementation Herd used before scikit-learn (kept here to measure against) ----


def np_reduce_dims(x: np.ndarray, dims: int = 48, seed: int = 0) -> np.ndarray:
    n, d = x.shape
    if d <= dims or n < 2:
        return x
    centred = x - x.mean(axis=0)
    _, vecs = np.linalg.eigh(centred.T @ centred)
    return centred @ vecs[:, ::-1][:, : min(dims, n)]


# k-means++ and Lloyd are still the product's own (cluster.kmeans): the same function here.
np_kmeans = cluster.kmeans


def np_silhouette(dist, labels):
    k = int(labels.max()) + 1
    if k < 2 or k >= len(labels):
        return 0.0
    onehot = np.eye(k)[labels]
    counts = onehot.sum(axis=0)
    mean_to = dist @ onehot
    own = counts[labels]
    a = mean_to[np.arange(len(labels)), labels] / np.maximum(own - 1, 1)
    other = mean_to / counts
    other[np.arange(len(labels)), labels] = np.inf
    b = other.min(axis=1)
    s = np.where(own > 1, (b - a) / np.maximum(np.maximum(a, b), 1e-12), 0.0)
    return float(s.mean())


def sk_kmeans(x, k, restarts=32, seed=0, iters=50, polish=3):
    """scikit-learn's KMeans in place of ours: best Lloyd runs polished as ours are."""
    from sklearn.cluster import KMeans

    k = max(1, min(k, len(x)))
    if polish <= 0:
        km = KMeans(n_clusters=k, n_init=max(1, restarts), max_iter=iters, random_state=seed,
                    algorithm="lloyd", tol=0.0).fit(x)
        return cluster.renumber(km.labels_.astype(np.int64)), float(km.inertia_)
    runs = []
    for r in range(max(1, restarts)):
        km = KMeans(n_clusters=k, n_init=1, max_iter=iters, random_state=seed * 1000 + r,
                    algorithm="lloyd", tol=0.0).fit(x)
        runs.append((float(km.inertia_), r, km.labels_.astype(np.int64)))
    runs.sort(key=lambda run: (run[0], run[1]))
    results = [cluster.hartigan(x, labels) for _, _, labels in runs[:polish]]
    best = min(range(len(results)), key=lambda i: results[i][1])
    return cluster.renumber(results[best][0]), results[best][1]


# -- variants -------------------------------------------------------------------------------


def no_polish(kmeans):
    return lambda x, k, restarts=32, seed=0, iters=50, polish=3: kmeans(x, k, restarts, seed,
                                                                         iters, 0)


PRODUCT = (cluster.kmeans, cluster.silhouette, cluster.reduce_dims)
VARIANTS_IMPL = {
    "ours k-means + Hartigan, sklearn PCA + silhouette (product)": PRODUCT,
    "sklearn KMeans + Hartigan, PCA, silhouette": (sk_kmeans, cluster.silhouette,
                                                   cluster.reduce_dims),
    "sklearn KMeans, PCA, silhouette, no polish": (no_polish(sk_kmeans), cluster.silhouette,
                                                   cluster.reduce_dims),
    "all numpy (before) + Hartigan": (np_kmeans, np_silhouette, np_reduce_dims),
    "all numpy (before), no polish": (no_polish(np_kmeans), np_silhouette, np_reduce_dims),
}


def use(impl) -> None:
    kmeans, silhouette, reduce_dims = impl
    cluster.kmeans = kchoice.kmeans = kmeans
    cluster.silhouette = kchoice.silhouette = silhouette
    cluster.reduce_dims = reduce_dims


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--embed-url")
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--shared", default=str(ROOT.parent / "shared"))
    args = p.parse_args()
    shared = Path(args.shared)
    cfg = config_mod.load({"EMBED_URL": args.embed_url, "CHAT_URL": args.embed_url})
    paths = [shared / "datasets" / f"{n}.json" for n in DATASETS] + sorted(OWN.glob("*.json"))
    with contextlib.ExitStack() as stack:
        urls = stack.enter_context(runtime.servers_for(cfg))
        embedder = LlamafileEmbedder(urls["EMBED_URL"])
        stack.callback(embedder.close)
        sets = []
        for path in paths:
            data = json.loads(path.read_text())
            texts = [n["text"] for n in data["notes"]]
            topics = [n["topic"] for n in data["notes"]]
            sets.append((path.stem, texts, topics))
        big = big_board([(t, f"{name}/{top}") for name, texts, tops in sets if name in DATASETS
                         for t, top in zip(texts, tops, strict=True)])
        sets.append(("1,000 notes (shared sets)", *big))
        vectors = {name: pipeline.embed_notes(texts, embedder) for name, texts, _ in sets}
        for name, texts, topics in sets:
            print(f"{name} ({len(texts)} notes): ARI mean / min over {args.seeds} seeds, "
                  "k chosen, seconds per grouping (median)")
            for label, impl in VARIANTS_IMPL.items():
                use(impl)
                aris, ks, secs = [], [], []
                for seed in range(args.seeds):
                    t = time.perf_counter()
                    labels, _ = pipeline.group_notes(vectors[name], None, seed)
                    secs.append(time.perf_counter() - t)
                    aris.append(adjusted_rand_score(topics, labels))
                    ks.append(int(labels.max()) + 1)
                print(f"  {label:58} ARI {statistics.mean(aris):.3f} / {min(aris):.3f}  "
                      f"k {sorted(set(ks))}  {statistics.median(secs):.3f} s")
            use(PRODUCT)
            print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
