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
from pathlib import Path

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
    rng = random.Random(seed)
    out = [VARIANTS[(i // len(notes)) % len(VARIANTS)].format(notes[i % len(notes)])
           for i in range(n)]
    out = [t if i < len(notes) * len(VARIANTS) else f"{t} #{i}" for i, t in enumerate(out)]
    rng.shuffle(out)
    return out


def ours(texts, embedder, chat):
    notes = [{"id": i, "text": t} for i, t in enumerate(texts)]
    r = organize(notes, embedder, chat)
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
        all_notes = []
        # The shared sets, then our own (bench/data/: written for checking, never tuned on).
        paths = [shared / "datasets" / f"{name}.json" for name in DATASETS]
        for path in paths + sorted(OWN.glob("*.json")):
            name = path.stem
            data = json.loads(path.read_text())
            texts = [n["text"] for n in data["notes"]]
            if path.parent != OWN:
                all_notes += texts  # the big board stays made of the shared notes
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
        big = thousand(all_notes, args.big)
        totals = []
        for run in range(args.runs):
            _, timings = ours(big, embedder, chat)
            totals.append(timings["total"])
            share = timings["overhead"] / max(timings["total"], 1e-9)
            print(f"{len(big)} notes run {run + 1}: {json.dumps(timings)} "
                  f"(outside model calls {share:.1%})")
        print(f"{len(big)} notes: median {statistics.median(totals):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
