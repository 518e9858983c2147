#!/usr/bin/env python3
"""Organize quality and speed beside the seed notebook's pipeline, on the same servers, in one run.

Prints, per dataset: score.py figures for our pipeline and for shared/eval/seed_baseline.py,
our stage timings (with the share of time spent outside the model calls), and the time to
organize 1,000 notes made from the dataset notes with deterministic variations.

    .venv/bin/python bench/organize.py                       # starts the bundled models
    .venv/bin/python bench/organize.py --embed-url URL --chat-url URL [--runs 3]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from sklearn.metrics import adjusted_rand_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from server import config as config_mod  # noqa: E402
from server.llamafile import runtime  # noqa: E402
from server.llamafile.chat import LlamafileChat  # noqa: E402
from server.llamafile.embed import LlamafileEmbedder  # noqa: E402
from server.organize.pipeline import organize  # noqa: E402

DATASETS = ("seed-ideas", "team-retro")
OWN = ROOT / "bench" / "data"
FIGURES = ("ari", "groups", "topics", "label_good", "label_ok", "short", "copied", "distinct",
           "missing", "duplicated")
# Ways one idea comes back on a big board: the same note reworded, repeated, qualified.
VARIANTS = ("{}", "{} again", "more {}", "{} (from the second session)", "not enough {}",
            "{}!", "we keep talking about {}", "{} - someone said this twice", "re: {}",
            "{}, as discussed")
WARMUP = ["warm up the servers", "with a list unlike the datasets", "so prompt caches hold",
          "only the shared prefix", "nothing from the notes", "coffee", "tea", "juice"]


class Uncached:
    """The embedder without its text cache, so every run pays for its embeddings."""

    def __init__(self, inner: LlamafileEmbedder) -> None:
        self.inner, self.model = inner, inner.model

    def embed(self, texts):
        return self.inner.embed_uncached(texts)


def load_score(shared: Path):
    spec = importlib.util.spec_from_file_location("score", shared / "eval" / "score.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.score


def thousand(notes: list[str], n: int = 1000, seed: int = 0) -> list[str]:
    """n distinct notes: each dataset note in reworded variations, in a shuffled order."""
    return big_board([(t, "") for t in notes], n, seed)[0]


def big_board(notes: list[tuple[str, str]], n: int = 1000, seed: int = 0):
    """`thousand` for (text, topic) pairs: the texts and each one's topic, in the same order."""
    out = [(VARIANTS[(i // len(notes)) % len(VARIANTS)].format(notes[i % len(notes)][0]),
            notes[i % len(notes)][1]) for i in range(n)]
    out = [(t if i < len(notes) * len(VARIANTS) else f"{t} #{i}", top)
           for i, (t, top) in enumerate(out)]
    random.Random(seed).shuffle(out)
    return [t for t, _ in out], [top for _, top in out]


def ours(texts, embedder, chat, overlap=True):
    notes = [{"id": i, "text": t} for i, t in enumerate(texts)]
    r = organize(notes, embedder, chat, overlap=overlap)
    groups = [{"label": g.label, "notes": [texts[i] for i in g.note_ids]} for g in r.groups]
    return {"groups": groups}, r.timings


def baseline(shared: Path, dataset: Path, embed_url: str, chat_url: str):
    out = subprocess.run(
        [sys.executable, str(shared / "eval" / "seed_baseline.py"), str(dataset), embed_url,
         chat_url], capture_output=True, text=True, timeout=600, check=True,
    ).stdout
    result = json.loads(out)
    return result, {"total": result["seconds"]}


def row(name, figures, timings):
    cells = " ".join(f"{k}={figures[k]}" for k in FIGURES if k in figures)
    return f"  {name:9} {cells}\n  {'':9} seconds: {json.dumps(timings)}"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--embed-url")
    p.add_argument("--chat-url")
    p.add_argument("--runs", type=int, default=2, help="runs of each pipeline per dataset")
    p.add_argument("--shared", default=str(ROOT.parent / "shared"), help="the shared/ folder")
    p.add_argument("--big", type=int, default=1000, help="notes in the big-board timing")
    p.add_argument("--big-only", action="store_true",
                   help="only the big board (the sets are organized once, unprinted, to warm "
                        "the servers' prompt caches)")
    args = p.parse_args()
    shared = Path(args.shared)
    score = load_score(shared)
    cfg = config_mod.load({"EMBED_URL": args.embed_url, "CHAT_URL": args.chat_url})
    with contextlib.ExitStack() as stack:
        urls = stack.enter_context(runtime.servers_for(cfg))
        e_url, c_url = urls["EMBED_URL"], urls["CHAT_URL"]
        emb_client, chat = LlamafileEmbedder(e_url), LlamafileChat(c_url)
        stack.callback(emb_client.close)
        stack.callback(chat.close)
        embedder = Uncached(emb_client)
        ours(WARMUP, embedder, chat)
        print(f"servers: embed {e_url} ({emb_client.model}), chat {c_url} ({chat.model})")
        print(f"runs per pipeline and dataset: {args.runs}\n")
        all_notes: list[tuple[str, str]] = []
        # The shared sets, then our own (bench/data/: written for checking, never tuned on).
        paths = [shared / "datasets" / f"{name}.json" for name in DATASETS]
        for path in paths + sorted(OWN.glob("*.json")):
            name = path.stem
            data = json.loads(path.read_text())
            texts = [n["text"] for n in data["notes"]]
            if path.parent != OWN:  # the big board stays made of the shared notes
                all_notes += [(n["text"], f"{name}/{n['topic']}") for n in data["notes"]]
            if args.big_only:
                ours(texts, embedder, chat)
                continue
            print(f"{name} ({len(texts)} notes, {len(data['topics'])} topics)")
            for label, fn in (("herd", lambda t=texts: ours(t, embedder, chat)),
                              ("baseline", lambda d=path: baseline(shared, d, e_url, c_url))):
                for run in range(args.runs):
                    result, timings = fn()
                    print(row(f"{label}#{run + 1}", score(result, data), timings))
                    if label == "herd":
                        share = timings["overhead"] / max(timings["total"], 1e-9)
                        print(f"  {'':9} outside model calls: {share:.1%}")
            print()
        big, topics = big_board(all_notes, args.big)
        big_set = {"name": "big", "topics": {t: [] for t in set(topics)},
                   "notes": [{"text": t, "topic": top} for t, top in zip(big, topics, strict=True)]}
        with tempfile.TemporaryDirectory() as tmp:
            big_path = Path(tmp) / "big.json"
            big_path.write_text(json.dumps(big_set))
            totals: dict[str, list[float]] = {}
            runs = (("herd", lambda: ours(big, embedder, chat)),
                    ("herd, stages in turn (before)",
                     lambda: ours(big, embedder, chat, overlap=False)),
                    ("baseline", lambda: baseline(shared, big_path, e_url, c_url)))
            for run in range(args.runs):
                for label, fn in runs:
                    try:
                        result, timings = fn()
                    except subprocess.CalledProcessError as e:
                        why = (e.stderr or "").strip().splitlines()[-1:] or ["no output"]
                        print(f"{len(big)} notes, {label} #{run + 1}: failed ({why[0][:200]})")
                        continue
                    totals.setdefault(label, []).append(timings["total"])
                    home = {t: g for g, grp in enumerate(result["groups"]) for t in grp["notes"]}
                    ari = adjusted_rand_score(topics, [home.get(t, -1) for t in big])
                    line = f"{len(big)} notes, {label} #{run + 1}: ARI {ari:.3f}, " \
                           f"{len(result['groups'])} groups, {json.dumps(timings)}"
                    if "overhead" in timings:
                        share = timings["overhead"] / max(timings["total"], 1e-9)
                        line += f" (outside model calls {share:.1%})"
                    print(line)
        for label, values in totals.items():
            print(f"{len(big)} notes, {label}: median {statistics.median(values):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
