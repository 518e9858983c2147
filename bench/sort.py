#!/usr/bin/env python3
"""Sorting new notes, Unsorted and doubt marks, measured on labelled note sets.

Per dataset: the full Organize (score.py figures, share of notes in their true topic's group,
and how its doubt marks and fit scores line up with misplaced notes), then hold-out splits:
a quarter of the notes held out, the rest organized, the held-out ones sorted in; the share
placed in their true topic's group, by title weight and fit threshold.

    .venv/bin/python bench/sort.py                     # starts the bundled models
    .venv/bin/python bench/sort.py --embed-url URL --chat-url URL [--splits 4]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.organize import DATASETS, OWN, load_score  # noqa: E402
from server import config as config_mod  # noqa: E402
from server.llamafile import runtime  # noqa: E402
from server.llamafile.chat import LlamafileChat  # noqa: E402
from server.llamafile.embed import LlamafileEmbedder  # noqa: E402
from server.organize import fit, sorting  # noqa: E402
from server.organize.pipeline import embed_notes, grouping_fits, organize  # noqa: E402

MARGINS = (0.0, 0.02, 0.03, 0.05, 0.08, 0.1)
MIN_FITS = (-1.0, 0.0, 0.05, 0.1, 0.15, 0.2)
RELATIVE = (0.0, 0.25, 0.5, 0.75, 1.0)  # threshold as a share of the group's typical member fit
TITLE_WEIGHTS = (0.0, 1.0, 2.0)


def majority(groups: list[list[int]], topics: list[str]) -> list[str]:
    """Each group's most common true topic."""
    return [Counter(topics[i] for i in g).most_common(1)[0][0] if g else "" for g in groups]


def run_organize(texts, embedder, chat):
    notes = [{"id": i, "text": t} for i, t in enumerate(texts)]
    r = organize(notes, embedder, chat)
    return [(g.label, list(g.note_ids)) for g in r.groups]


def doubt_table(vecs, groups, topics, rows):
    """Member fits of a grouping: share marked and precision per margin, fit-score bands."""
    labels = np.zeros(len(topics), dtype=np.int64)
    for g, members in enumerate(groups):
        labels[members] = g
    fits = grouping_fits(vecs, labels)
    major = majority(groups, topics)
    wrong = np.array([topics[i] != major[labels[i]] for i in range(len(topics))])
    margins = np.array([f.margin for f in fits])
    score = np.array([f.score for f in fits])
    for m in MARGINS:
        rows.setdefault(("margin", m), []).append((margins < m, wrong))
    for t in MIN_FITS[1:]:
        rows.setdefault(("fit", t), []).append((score < t, wrong))
    return wrong.mean()


def summarise(name, rows, base):
    print(f"  {name}: misplaced overall {base:.1%}")
    for (kind, t), parts in sorted(rows.items()):
        marked = np.concatenate([p[0] for p in parts])
        wrong = np.concatenate([p[1] for p in parts])
        share = marked.mean()
        prec = wrong[marked].mean() if marked.any() else float("nan")
        recall = marked[wrong].mean() if wrong.any() else float("nan")
        label = "margin <" if kind == "margin" else "fit <"
        print(f"    {label} {t:<5} marked {share:6.1%}  misplaced among marked {prec:6.1%}  "
              f"misplaced caught {recall:6.1%}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--embed-url")
    p.add_argument("--chat-url")
    p.add_argument("--splits", type=int, default=4, help="hold-out splits per dataset")
    p.add_argument("--shared", default=str(ROOT.parent / "shared"), help="the shared/ folder")
    p.add_argument("--own", action="store_true", help="also our own sets in bench/data/")
    args = p.parse_args()
    shared = Path(args.shared)
    score = load_score(shared)
    cfg = config_mod.load({"EMBED_URL": args.embed_url, "CHAT_URL": args.chat_url})
    paths = [shared / "datasets" / f"{n}.json" for n in DATASETS]
    if args.own:
        paths += sorted(OWN.glob("*.json"))
    with contextlib.ExitStack() as stack:
        urls = stack.enter_context(runtime.servers_for(cfg))
        embedder = LlamafileEmbedder(urls["EMBED_URL"])
        chat = LlamafileChat(urls["CHAT_URL"])
        stack.callback(embedder.close)
        stack.callback(chat.close)
        all_rows: dict = {}
        all_base = []
        for path in paths:
            data = json.loads(path.read_text())
            texts = [n["text"] for n in data["notes"]]
            topics = [n["topic"] for n in data["notes"]]
            vecs = embed_notes(texts, embedder)
            groups = run_organize(texts, embedder, chat)
            figures = score({"groups": [{"label": lab, "notes": [texts[i] for i in m]}
                                        for lab, m in groups]}, data)
            major = majority([m for _, m in groups], topics)
            right = sum(topics[i] == major[g] for g, (_, m) in enumerate(groups) for i in m)
            print(f"{path.stem} ({len(texts)} notes): full Organize ARI {figures['ari']} "
                  f"label_good {figures['label_good']}, in their topic's group "
                  f"{right / len(texts):.1%}")
            rows: dict = {}
            base = doubt_table(vecs, [m for _, m in groups], topics, rows)
            all_base.append((base, len(texts)))
            for key, v in rows.items():
                all_rows.setdefault(key, []).extend(v)
            summarise("full Organize, doubt marks (member margin) and fit", rows, base)
            # Hold-out: organize three quarters, sort the last quarter into those groups.
            placed: dict = {}
            relative: dict = {}
            sort_rows: dict = {}
            others = [json.loads(q.read_text()) for q in paths if q != path]
            foreign = [n["text"] for o in others for n in o["notes"]]
            foreign = random.Random(7).sample(foreign, min(12, len(foreign)))
            for split in range(args.splits):
                rng = random.Random(split)
                held = sorted(rng.sample(range(len(texts)), len(texts) // 4))
                rest = [i for i in range(len(texts)) if i not in set(held)]
                part = run_organize([texts[i] for i in rest], embedder, chat)
                part = [(lab, [rest[j] for j in m]) for lab, m in part]
                major = majority([m for _, m in part], topics)
                for w in TITLE_WEIGHTS:
                    found = sorting.assign([texts[i] for i in held],
                                           [(lab, [texts[i] for i in m]) for lab, m in part],
                                           embedder, title_weight=w)
                    for t in MIN_FITS:
                        got = [f.fits(t) and major[f.best] == topics[i]
                               for i, f in zip(held, found, strict=True)]
                        out = [not f.fits(t) for f in found]
                        placed.setdefault((w, t), []).append((sum(got), sum(out), len(held)))
                    if w == fit.TITLE_WEIGHT:
                        typical = sorting.typical_fits(
                            [(lab, [texts[i] for i in m]) for lab, m in part], embedder)
                        away = sorting.assign(foreign, [(lab, [texts[i] for i in m])
                                                        for lab, m in part], embedder)
                        for r in RELATIVE:
                            got = [f.score >= r * typical[f.best] and major[f.best] == topics[i]
                                   for i, f in zip(held, found, strict=True)]
                            out = [f.score < r * typical[f.best] for f in found]
                            gone = [f.score < r * typical[f.best] for f in away]
                            relative.setdefault(r, []).append(
                                (sum(got), sum(out), len(held), sum(gone), len(away)))
                        wrong = np.array([major[f.best] != topics[i]
                                          for i, f in zip(held, found, strict=True)])
                        for m in MARGINS:
                            marked = np.array([f.margin < m for f in found])
                            sort_rows.setdefault(("margin", m), []).append((marked, wrong))
            print(f"  hold-out ({args.splits} splits of {len(texts) // 4} notes): share sorted "
                  "into their topic's group (unsorted share)")
            for (w, t), parts in sorted(placed.items()):
                good = sum(a for a, _, _ in parts)
                out = sum(b for _, b, _ in parts)
                n = sum(c for _, _, c in parts)
                print(f"    title weight {w:<4} min fit {t:<5} right {good / n:6.1%}  "
                      f"unsorted {out / n:6.1%}")
            print("  relative threshold: unsorted when the score is below r x the median "
                  "left-out fit of the best group's own notes; foreign = notes of the other sets")
            for r, parts in sorted(relative.items()):
                good, out, n, gone, m = (sum(p[j] for p in parts) for j in range(5))
                print(f"    r {r:<5} right {good / n:6.1%}  unsorted {out / n:6.1%}  "
                      f"foreign notes unsorted {gone / m:6.1%}")
            summarise("hold-out sort, doubt marks", sort_rows,
                      float(np.concatenate([p[1] for p in sort_rows[("margin", 0.0)]]).mean()))
            print()
        base = sum(b * n for b, n in all_base) / sum(n for _, n in all_base)
        summarise("all sets together, full Organize", all_rows, base)
    return 0


if __name__ == "__main__":
    sys.exit(main())
