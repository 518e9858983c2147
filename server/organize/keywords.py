"""Words a group's notes share and other groups lack: candidates and the naming fallback."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from .prepare import content_words, stem


def _doc_stems(text: str) -> dict[str, str]:
    """Stem -> first surface form, for one note."""
    out: dict[str, str] = {}
    for w in content_words(text):
        out.setdefault(stem(w), w)
    return out


def distinctive_words(groups: Sequence[Sequence[str]], shared_only: bool = True) -> list[list[str]]:
    """Per group, its words ranked by how much more often they occur there than elsewhere."""
    docs = [[_doc_stems(t) for t in texts] for texts in groups]
    in_group = [Counter(s for d in ds for s in d) for ds in docs]
    total = Counter()
    for c in in_group:
        total.update(c)
    n_notes = sum(len(ds) for ds in docs) or 1
    result = []
    for ds, counts in zip(docs, in_group, strict=True):
        surface: Counter[str] = Counter()
        for d in ds:
            surface.update(d.values())
        scored = []
        for s, c in counts.items():
            if shared_only and c < 2:
                continue
            share = c / max(1, len(ds))
            idf = math.log((1 + n_notes) / (1 + total[s])) + 1
            elsewhere = (total[s] - c) / max(1, n_notes - len(ds))
            scored.append((share * idf - elsewhere, s))
        scored.sort(key=lambda x: (-x[0], x[1]))
        # Show the most common surface form of each stem ("reviews" rather than "review").
        forms = []
        for _, s in scored:
            options = [w for w in surface if stem(w) == s]
            forms.append(max(sorted(options), key=lambda w: surface[w]))
        result.append(forms)
    return result
