"""Name every group at once: ask the chat model, then let the embedding model judge the answers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..llamafile.protocols import Chat, ChatRequest, Embedder
from . import label as lb
from .keywords import distinctive_words

MIN_SIM = 0.15  # a label this far from its own notes is made up (measured: good ones 0.19-0.8)
VOTE_BONUS = 0.03  # an answer several prompts agree on is likelier to be the shared topic
KEYWORDS = 3  # shared words offered to the judge beside the model's answers
RETRY_VARIANTS = ("category", "about")
# A group whose best shared keyword already scores this (fit + margin, as the judge counts) is
# not put to the chat model at all. Measured on the shared sets, ours and the 1,000-note board
# (43 groups, SmolLM2): past 0.6 the model's answer never beat the keyword (it matched it, or
# named something else: "editing tools" for reviews), and on the big board 15 of 20 groups
# are that sure, so naming asks 5 prompts instead of 20.
SURE = 0.6


@dataclass
class Naming:
    """The chosen labels, and for each group where its label came from."""

    labels: list[str]
    sources: list[str]  # "model", "keyword" or "fallback"


def unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)


def _central_first(texts: Sequence[str], vecs: np.ndarray) -> list[str]:
    """The group's notes, those nearest its centre first (what the prompt shows)."""
    order = np.argsort(-(vecs @ unit(vecs.mean(axis=0))), kind="stable")
    return [texts[i] for i in order]


def ask(
    groups: Sequence[Sequence[str]],
    vecs: Sequence[np.ndarray],
    chat: Chat,
    temperature: float = 0.0,
    seed: int = 0,
    variants: Sequence[str] = lb.VARIANTS,
    progress: Callable[[int], None] | None = None,
) -> list[list[str | Exception]]:
    """Every prompt for every group in one concurrent batch; answers grouped per group.

    `progress(n)`: about n groups answered so far (counted from finished prompts)."""
    requests: list[ChatRequest] = []
    per_group = []
    for texts, v in zip(groups, vecs, strict=True):
        reqs = lb.prompts(_central_first(texts, v), variants)
        for j, r in enumerate(reqs):
            # A variant asked twice at a temperature above 0 gives two different samples.
            r.temperature, r.seed = temperature, seed + j
        per_group.append(len(reqs))
        requests.extend(reqs)
    ends = np.cumsum(per_group)  # a group is answered once its last prompt is
    tick = None if progress is None else lambda n: progress(int(np.searchsorted(ends, n, "right")))
    answers = chat.complete_many(requests, tick) if requests else []
    if answers and all(isinstance(a, Exception) for a in answers):
        # Not one answer: the chat server is down or refuses; say so instead of naming blindly.
        raise answers[0]
    out, i = [], 0
    for n in per_group:
        out.append(list(answers[i : i + n]))
        i += n
    return out


def candidate_pool(
    groups: Sequence[Sequence[str]], answers: Sequence[Sequence[str | Exception]]
) -> list[dict[str, tuple[int, str]]]:
    """Per group: valid candidate -> (votes, source), from answers and shared keywords."""
    keywords = distinctive_words(groups)
    pools = []
    for texts, group_answers, words in zip(groups, answers, keywords, strict=True):
        votes: Counter[str] = Counter()
        for a in group_answers:
            if isinstance(a, str):
                for c in lb.candidates(a):
                    votes[c] += 1
        pool = {c: (n, "model") for c, n in votes.items() if lb.is_valid(c, texts)}
        for w in words[:KEYWORDS]:
            if lb.is_valid(w, texts) and not any(lb.key(w) == lb.key(c) for c in pool):
                pool[w] = (1, "keyword")
        pools.append(pool)
    return pools


def _margin(sims: np.ndarray, g: int) -> float:
    """How much nearer group g's centre a label sits than the nearest other group's."""
    others = np.delete(sims, g)
    return float(sims[g] - (others.max() if len(others) else 0.0))


def keyword_sure(
    groups: Sequence[Sequence[str]], centres: np.ndarray, embedder: Embedder
) -> list[bool]:
    """Per group: does a shared keyword already name it past SURE (so the model is not asked)?"""
    pools = candidate_pool(groups, [[] for _ in groups])
    words = sorted({c for p in pools for c in p})
    if not words:
        return [False] * len(groups)
    emb = dict(zip(words, embedder.embed(words), strict=True))
    sure = []
    for g, pool in enumerate(pools):
        best = max((float(centres[g] @ emb[c]) + _margin(centres @ emb[c], g) for c in pool),
                   default=-1.0)
        sure.append(best >= SURE)
    return sure


def judge(
    pools: Sequence[dict[str, tuple[int, str]]],
    centres: np.ndarray,
    embedder: Embedder,
    taken: Sequence[str] = (),
) -> list[tuple[str, str] | None]:
    """Pick one distinct label per group: near its own centre, far from the other groups'.

    Score: similarity to its own centre plus its margin over the nearest other centre."""
    texts = sorted({c for p in pools for c in p})
    if not texts:
        return [None] * len(pools)
    emb = dict(zip(texts, embedder.embed(texts), strict=True))
    options = []  # (score, group, label, source)
    for g, pool in enumerate(pools):
        for c, (votes, source) in pool.items():
            sims = centres @ emb[c]
            if sims[g] < MIN_SIM:
                continue
            margin = _margin(sims, g)
            # Fit plus margin: a label must describe its notes, not only sit apart from the
            # other groups. By margin alone a vague answer equally far from every group
            # ("elements of chemistry" for alpha, beta, gamma: 0.26 to its notes, margin 0.01)
            # beat one that names them ("letters": 0.44, margin -0.05, near another group too).
            options.append((float(sims[g] + margin + VOTE_BONUS * (votes - 1)), g, c, source))
    # Best-scoring choices first, so a label two groups want goes to the one it fits better.
    options.sort(key=lambda o: (-o[0], o[1], o[2]))
    chosen: list[tuple[str, str] | None] = [None] * len(pools)
    used = list(taken)
    for _, g, c, source in options:
        if chosen[g] is None and all(lb.key(c) != lb.key(u) for u in used):
            chosen[g] = (c, source)
            used.append(c)
    return chosen


def fallback(groups: Sequence[Sequence[str]], g: int, taken: Sequence[str]) -> str:
    """The group's most distinctive word not yet used, else a numbered name."""
    for w in distinctive_words(groups, shared_only=False)[g]:
        if lb.is_valid(w, groups[g], taken):
            return w
    return f"Group {g + 1}"


def for_model(chat: Chat) -> Sequence[str]:
    """The prompt wordings for this chat model: chat turns, or plain text for a base model."""
    return lb.BASE_VARIANTS if getattr(chat, "plain", False) else lb.VARIANTS


def name_groups(
    groups: Sequence[Sequence[str]],
    vecs: Sequence[np.ndarray],
    embedder: Embedder,
    chat: Chat,
    taken: Sequence[str] = (),
    temperature: float = 0.0,
    seed: int = 0,
    cancelled: Callable[[], bool] = lambda: False,
    variants: Sequence[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Naming:
    """One short, distinct label per group (`vecs`: each group's unit note embeddings).

    `progress(n)` as the first answers come in: about n groups answered so far.
    `variants`: the prompt wordings; by default those that suit the model (see for_model)."""
    variants = for_model(chat) if variants is None else variants
    centres = unit(np.stack([v.mean(axis=0) for v in vecs]))
    sure = keyword_sure(groups, centres, embedder) if len(groups) else []
    asked = [g for g in range(len(groups)) if not sure[g]]
    done = len(groups) - len(asked)
    for n in range(1, done + 1 if progress is not None else 0):
        progress(n)  # the sure groups are named already: the bar still moves one at a time
    tick = None if progress is None else lambda n: progress(done + n)
    got = ask([groups[g] for g in asked], [vecs[g] for g in asked], chat, temperature, seed,
              variants, tick)
    answers: list[list[str | Exception]] = [[] for _ in groups]
    for g, a in zip(asked, got, strict=True):
        answers[g] = a
    if cancelled():
        return Naming([], [])
    pools = candidate_pool(groups, answers)
    picks = judge(pools, centres, embedder, taken)
    missing = [g for g, p in enumerate(picks) if p is None]
    if missing and not cancelled():
        # Retry only the groups left without a usable, distinct name, with other wordings.
        more = ask([groups[g] for g in missing], [vecs[g] for g in missing], chat,
                   temperature, seed, RETRY_VARIANTS)
        extra = candidate_pool(groups, [more[missing.index(g)] if g in missing else []
                                        for g in range(len(groups))])
        for g in missing:
            for c, v in extra[g].items():
                pools[g].setdefault(c, v)
        named = [p[0] for p in picks if p is not None]
        retried = judge([pools[g] if g in missing else {} for g in range(len(groups))],
                        centres, embedder, list(taken) + named)
        picks = [retried[g] if g in missing else p for g, p in enumerate(picks)]
    labels, sources = [], []
    used = list(taken)
    for g, pick in enumerate(picks):
        if pick is None:
            label, source = fallback(groups, g, used + [p[0] for p in picks if p]), "fallback"
        else:
            label, source = pick
        used.append(label)
        labels.append(lb.tidy(label))
        sources.append(source)
    return Naming(labels, sources)
