"""Organize: embed -> choose k -> cluster -> name -> lay out. Pure apart from the two clients."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from ..cpu import run_cpu
from ..llamafile.protocols import Chat, ChatRequest, Embedder
from . import cluster, kchoice, layout, naming, prepare
from . import fit as fit_mod
from . import label as label_mod
from . import sample as sample_mod

Progress = Callable[[str, int, int], None]  # (stage, done, total)
STAGES = ("embedding", "grouping", "naming", "placing")
SAMPLE = 300  # notes the k choice looks at on big boards
# Notes per embedding call, so a big board's progress moves and Cancel is heard while it embeds.
# 4 batches of 32: each call still fills the bundled server's 4 slots.
EMBED_CHUNK = 128
# Rename with AI: one group, so several sampled answers cost little, and a fresh name is the point.
RENAME_VARIANTS = ("examples", "examples", "examples", "category")
UNSORTED = "Unsorted"  # the label of the group of notes that fit no group


class Cancelled(Exception):
    """Organize was cancelled; nothing was changed."""


@dataclass
class Group:
    """One named group: its notes, its frame and where each note goes inside it."""

    label: str
    note_ids: list[Any]
    frame: dict[str, float]
    positions: dict[Any, tuple[float, float]]
    source: str = "model"  # where the label came from: model, keyword, fallback or unsorted
    # Notes whose place here is close between two groups: note id -> runner-up group's index.
    doubts: dict[Any, int] = field(default_factory=dict)


@dataclass
class Result:
    """Every input note in exactly one group, and seconds per stage."""

    groups: list[Group]
    timings: dict[str, float] = field(default_factory=dict)
    k_scores: dict[int, float] = field(default_factory=dict)


class _ModelClock:
    """Wall time during which at least one model call is in flight, shared by both clients."""

    def __init__(self) -> None:
        self.seconds, self._active, self._since = 0.0, 0, 0.0
        self._lock = threading.Lock()

    def enter(self) -> None:
        with self._lock:
            if self._active == 0:
                self._since = time.perf_counter()
            self._active += 1

    def leave(self) -> None:
        with self._lock:
            self._active -= 1
            if self._active == 0:
                self.seconds += time.perf_counter() - self._since


class _Timed:
    """Counts the wall-clock seconds in which some model call is running (calls may overlap:
    a big board names groups while it embeds); the rest is our own overhead."""

    def __init__(self, inner: Any, clock: _ModelClock | None = None) -> None:
        self.inner = inner
        self.clock = clock or _ModelClock()
        self.model = getattr(inner, "model", "unknown")

    @property
    def seconds(self) -> float:
        return self.clock.seconds

    @property
    def plain(self) -> bool:
        """The chat client's `plain` (a base model), so naming picks its prompts for it."""
        return bool(getattr(self.inner, "plain", False))

    def _time(self, fn: Callable, *args: Any) -> Any:
        self.clock.enter()
        try:
            return fn(*args)
        finally:
            self.clock.leave()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self._time(self.inner.embed, texts)

    def complete(self, request: ChatRequest) -> str:
        return self._time(self.inner.complete, request)

    def complete_many(
        self, requests: Sequence[ChatRequest], progress: Callable[[int], None] | None = None
    ) -> list[str | Exception]:
        return self._time(self.inner.complete_many, requests, progress)


def embed_notes(
    texts: Sequence[str], embedder: Embedder, progress: Callable[[int], None] | None = None
) -> np.ndarray:
    """Unit vectors for notes; identical texts are embedded once.

    `progress(n)` after each chunk, n = notes embedded so far; raising from it stops there."""
    keys = [prepare.embed_text(t) for t in texts]
    unique = list(dict.fromkeys(keys))
    parts = []
    for start in range(0, len(unique), EMBED_CHUNK):
        part = np.asarray(embedder.embed(unique[start : start + EMBED_CHUNK]), dtype=np.float64)
        parts.append(part.reshape(len(part), -1))
        if progress:
            progress(round(len(texts) * min(1.0, (start + EMBED_CHUNK) / len(unique))))
    vecs = np.vstack(parts) if parts else np.zeros((0, 0))
    if vecs.shape[0] != len(unique):
        raise ValueError(f"embedder returned {vecs.shape[0]} vectors for {len(unique)} texts")
    row = {t: i for i, t in enumerate(unique)}
    vecs = vecs[[row[t] for t in keys]]
    return vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)


def group_notes(vecs: np.ndarray, k: int | None = None, seed: int = 0) -> tuple[np.ndarray, dict]:
    """Cluster labels per note: the asked-for k, else the best-scoring one."""
    # Small matrices: one BLAS thread is as fast, and many times faster when the model servers
    # (or other jobs) keep the cores busy; threads spinning against each other cost seconds.
    with threadpool_limits(limits=1):
        return _group_notes(vecs, k, seed)


def _group_notes(vecs: np.ndarray, k: int | None, seed: int) -> tuple[np.ndarray, dict]:
    n = len(vecs)
    if n == 0:
        return np.zeros(0, dtype=np.int64), {}
    vecs = cluster.recentre(vecs)
    reduced = cluster.reduce_dims(vecs)
    if k is not None:
        k = max(1, min(int(k), n))
        restarts, polish = kchoice.effort(n)
        labels, _ = cluster.kmeans(reduced, k, restarts=restarts, seed=seed, polish=max(polish, 1))
        return labels, {}
    if n > SAMPLE:
        # Big boards: choose k on a seeded sample (the best k barely moves), then cluster all.
        pick = np.sort(np.random.default_rng(seed).choice(n, SAMPLE, replace=False))
        choice = kchoice.choose_k(reduced[pick], seed, cluster.cosine_distances(vecs[pick]), n)
        restarts, polish = kchoice.effort(n)
        labels, _ = cluster.kmeans(reduced, choice.k, restarts=restarts, seed=seed, polish=polish)
    else:
        choice = kchoice.choose_k(reduced, seed=seed, dist=cluster.cosine_distances(vecs))
        labels = choice.labels
    # The size prior makes singletons rare; an outlier note still joins its nearest group.
    labels = cluster.merge_small(reduced, labels, 2) if n >= 8 else labels
    return labels, choice.scores


def _small_board(
    texts: list[str], order: list[int], emb: _Timed, llm: _Timed, k: int | None, seed: int,
    say: Progress, check: Callable[[], None], stop: Callable[[], bool],
    timings: dict[str, float], threshold: float | None,
) -> tuple[np.ndarray, list[list[int]], list[int], dict[int, fit_mod.Fit], naming.Naming, dict]:
    """Embed every note, group them all, then name the groups: one stage after another."""
    t = time.perf_counter()
    n = len(texts)
    say("embedding", 0, n)

    def embedded(done: int) -> None:
        check()
        say("embedding", done, n)

    vecs = embed_notes(texts, emb, embedded)
    timings["embed"] = time.perf_counter() - t
    say("embedding", n, n)
    check()

    t = time.perf_counter()
    say("grouping", 0, n)
    labels, scores = run_cpu(group_notes, vecs, k, seed)  # ~0.1 s at 1,000 notes
    members = [sorted(m, key=lambda i: order[i]) for m in _ordered(labels)]
    members, loose, fits = _fits(vecs, members, threshold)
    timings["cluster"] = time.perf_counter() - t
    say("grouping", n, n)
    check()

    t = time.perf_counter()
    say("naming", 0, len(members))

    def named_one(done: int) -> None:
        check()
        say("naming", min(done, len(members)), len(members))

    group_texts = [[texts[i] for i in m] for m in members]
    named = naming.name_groups(
        group_texts, [vecs[m] for m in members], emb, llm, seed=seed, cancelled=stop,
        progress=named_one,
    )
    check()
    timings["label"] = time.perf_counter() - t
    say("naming", len(members), len(members))
    return vecs, members, loose, fits, named, scores


def _big_board(
    texts: list[str], emb: _Timed, llm: _Timed, k: int | None, seed: int, say: Progress,
    check: Callable[[], None], stop: Callable[[], bool], timings: dict[str, float],
) -> tuple[np.ndarray, np.ndarray, dict[int, tuple[str, str]], dict]:
    """Boards past SAMPLE notes: embed a seeded sample, find and name its groups while the
    other notes embed (the two model servers work at once, one core each), then put every note
    in the sample's groups (Lloyd from their centres). Returns the vectors, each note's group,
    group -> (label, source), and the k scores."""
    n = len(texts)
    t = time.perf_counter()
    pick = np.sort(np.random.default_rng(seed).choice(n, SAMPLE, replace=False))
    rest = np.setdiff1d(np.arange(n), pick)
    say("embedding", 0, n)

    def embedded(done: int) -> None:
        check()
        say("embedding", done, n)

    sample = embed_notes([texts[i] for i in pick], emb, embedded)
    timings["embed"] = time.perf_counter() - t
    check()
    halt = threading.Event()  # naming failed: the other notes need not be embedded

    def quietly(done: int) -> None:
        if halt.is_set():
            raise Cancelled("Organize stopped.")
        check()

    with ThreadPoolExecutor(1, thread_name_prefix="herd-embed-rest") as pool:
        later = pool.submit(embed_notes, [texts[i] for i in rest], emb, quietly)
        try:
            t = time.perf_counter()
            say("grouping", 0, n)
            sample_labels, scores, space = run_cpu(sample_mod.group_sample, sample, k, seed, n)
            timings["cluster"] = time.perf_counter() - t
            check()
            t = time.perf_counter()
            ids = [int(sample_labels[m[0]]) for m in _ordered(sample_labels)]
            groups = [np.flatnonzero(sample_labels == j) for j in ids]
            say("naming", 0, len(groups))

            def named_one(done: int) -> None:
                check()
                say("naming", min(done, len(groups)), len(groups))

            named = naming.name_groups([[texts[pick[i]] for i in g] for g in groups],
                                       [sample[g] for g in groups], emb, llm, seed=seed,
                                       cancelled=stop, progress=named_one)
            check()
            timings["label"] = time.perf_counter() - t
            say("naming", len(groups), len(groups))
            t = time.perf_counter()
            others = later.result()
            timings["embed"] += time.perf_counter() - t  # what naming did not hide
        except BaseException:
            halt.set()
            raise
    t = time.perf_counter()
    vecs = np.empty((n, sample.shape[1]))
    vecs[pick], vecs[rest] = sample, others
    labels, origin = run_cpu(sample_mod.place_all, vecs, pick, sample_labels, space,
                             kchoice.effort(n)[0], seed)
    names = {g: (named.labels[ids.index(o)], named.sources[ids.index(o)])
             for g, o in origin.items()}
    timings["cluster"] += time.perf_counter() - t
    return vecs, labels, names, scores

def _fits(
    vecs: np.ndarray, members: list[list[int]], min_fit: float | None
) -> tuple[list[list[int]], list[int], dict[int, fit_mod.Fit]]:
    """Groups without the notes that fit none (below `min_fit`, unless None), those notes, and
    each placed note's fit (its group, the runner-up, the margin) among the groups left."""
    loose: list[int] = []
    if min_fit is not None and members:
        first = _member_fits(vecs, members)
        loose = sorted(i for i, f in first.items() if not f.fits(min_fit))
        members = [kept for m in members if (kept := [i for i in m if i not in set(loose)])]
    return members, loose, _member_fits(vecs, members) if members else {}


def _member_fits(vecs: np.ndarray, members: list[list[int]]) -> dict[int, fit_mod.Fit]:
    """Each member note's fit, by its index in `vecs`."""
    idx = np.array([i for m in members for i in m], dtype=np.int64)
    labels = np.array([g for g, m in enumerate(members) for _ in m], dtype=np.int64)
    found = grouping_fits(vecs[idx], labels)
    return {int(i): f for i, f in zip(idx, found, strict=True)}


def grouping_fits(vecs: np.ndarray, labels: np.ndarray) -> list[fit_mod.Fit]:
    """Member fits of a grouping: each note left out of its group, against every group."""
    mean = fit_mod.board_mean(vecs)
    k = int(labels.max()) + 1 if len(labels) else 0
    sums, _ = fit_mod.centres([vecs[labels == j] for j in range(k)], None, mean)
    return fit_mod.member_fits(fit_mod.loo_scores(vecs, labels, sums, mean), labels)


def _rect(r: dict[str, float]) -> layout.Rect:
    """A board rectangle from a {"x", "y", "w", "h"} dict (other keys ignored)."""
    return layout.Rect(float(r["x"]), float(r["y"]), float(r["w"]), float(r["h"]))


def _ordered(labels: np.ndarray) -> list[list[int]]:
    """Member indices per group: biggest groups first, notes in input order."""
    groups = [list(np.flatnonzero(labels == j)) for j in range(int(labels.max()) + 1)]
    groups = [g for g in groups if g]
    return sorted(groups, key=lambda g: (-len(g), g[0]))


def organize(
    notes: Sequence[dict[str, Any]],
    embedder: Embedder,
    chat: Chat,
    k: int | None = None,
    view: dict[str, float] | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    seed: int = 0,
    avoid: Sequence[dict[str, float]] = (),
    unsorted: bool = False,
    min_fit: float | None = None,
    overlap: bool = True,
) -> Result:
    """Group and name notes ({"id", "text"}, optional "w", "h"); raises Cancelled if asked.

    With `unsorted`, notes that fit no group well go to a last group labelled "Unsorted"
    instead of joining their nearest one. `overlap` False makes a big board run its stages one
    after another, as before (bench/organize.py compares the two)."""
    say = progress or (lambda stage, done, total: None)
    stop = cancelled or (lambda: False)
    clock = _ModelClock()
    emb, llm = _Timed(embedder, clock), _Timed(chat, clock)
    timings: dict[str, float] = {}
    t_all = t = time.perf_counter()

    def check() -> None:
        if stop():
            raise Cancelled("Organize was cancelled.")

    if not notes:
        return Result([], {"total": 0.0})
    # The same notes give the same groups in any order: k-means' seeded restarts meet
    # near-ties on real embeddings, so they see the notes sorted by text (a board lists them
    # by random id), and each group gives its notes back in the caller's order.
    order = sorted(range(len(notes)), key=lambda i: str(notes[i].get("text") or ""))
    notes = [notes[i] for i in order]
    texts = [str(n.get("text") or "") for n in notes]
    if len(notes) > SAMPLE and overlap:
        vecs, labels, names, scores = _big_board(texts, emb, llm, k, seed, say, check, stop,
                                                 timings)
        t = time.perf_counter()
        members = [sorted(m, key=lambda i: order[i]) for m in _ordered(labels)]
        threshold = fit_mod.MIN_FIT if min_fit is None else min_fit
        members, loose, fits = _fits(vecs, members, threshold if unsorted else None)
        picked = [names[int(labels[m[0]])] for m in members]
        named = naming.Naming([p[0] for p in picked], [p[1] for p in picked])
        timings["cluster"] += time.perf_counter() - t
    else:
        vecs, members, loose, fits, named, scores = _small_board(
            texts, order, emb, llm, k, seed, say, check, stop, timings,
            (fit_mod.MIN_FIT if min_fit is None else min_fit) if unsorted else None)

    t = time.perf_counter()
    say("placing", 0, len(members))
    # One cell size per layout (the largest note), so every grid stays regular.
    note_size = (
        max(float(n.get("w") or layout.NOTE_W) for n in notes),
        max(float(n.get("h") or layout.NOTE_H) for n in notes),
    )
    if loose:
        members = members + [sorted(loose, key=lambda i: order[i])]
        named.labels.append(UNSORTED)
        named.sources.append("unsorted")
    places = layout.layout_groups(
        [len(m) for m in members],
        _rect(view) if view else None,
        note_size,
        [_rect(r) for r in avoid],
    )
    groups = [
        Group(
            label=named.labels[g],
            note_ids=[notes[i]["id"] for i in m],
            frame=place.frame.as_dict(),
            positions={notes[i]["id"]: xy for i, xy in zip(m, place.notes, strict=True)},
            source=named.sources[g],
            doubts={notes[i]["id"]: fits[i].runner_up for i in m
                    if i in fits and fits[i].doubtful()},
        )
        for g, (m, place) in enumerate(zip(members, places, strict=True))
    ]
    timings["layout"] = time.perf_counter() - t
    say("placing", len(members), len(members))
    timings["total"] = time.perf_counter() - t_all
    timings["model"] = clock.seconds
    timings["overhead"] = timings["total"] - timings["model"]
    return Result(groups, {s: round(v, 4) for s, v in timings.items()}, scores)


def suggest_label(
    texts: Sequence[str],
    other_group_texts: Sequence[Sequence[str]],
    embedder: Embedder,
    chat: Chat,
    avoid: Sequence[str] = (),
    seed: int = 1,
) -> str:
    """A fresh name for one group ("rename with AI"), distinct from `avoid` and its neighbours."""
    groups = [list(texts)] + [list(g) for g in other_group_texts if g]
    vecs = embed_notes([t for g in groups for t in g], embedder)
    split, i = [], 0
    for g in groups:
        split.append(vecs[i : i + len(g)])
        i += len(g)
    # Only this group is asked about; the others only pull its label away from theirs.
    answers = naming.ask(groups[:1], split[:1], chat, temperature=0.8, seed=seed,
                         variants=RENAME_VARIANTS)
    pools = naming.candidate_pool(groups, answers + [[] for _ in groups[1:]])
    centres = naming.unit(np.stack([v.mean(axis=0) for v in split]))
    pick = naming.judge(pools[:1] + [{} for _ in groups[1:]], centres, embedder, taken=avoid)[0]
    label = pick[0] if pick else naming.fallback(groups, 0, list(avoid))
    return label_mod.tidy(label)
