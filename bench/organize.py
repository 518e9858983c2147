#!/usr/bin/env python3
"""Organize quality and speed beside the seed notebook's pipeline, on the same servers, in one run.

Prints, per dataset: score.py figures for our pipeline and for shared/eval/seed_baseline.py,
our stage timings (with the share of time spent outside the model calls), and the time to
organize 1,000 notes made from the dataset notes with deterministic variations.

With --chat-model (repeatable: smollm2, the bundled one, and gemma, Gemma-3-270M base, from
`herd models prepare --with gemma`), each naming model organizes the sets in the same run,
with its naming seconds, prompts, and prefill / decode tokens and tokens per second (from
llama-server's own timings). --compare-ref COMMIT also runs the 1,000-note board with that
commit's pipeline (a temporary git worktree) on the same servers, alternating with ours.

    .venv/bin/python bench/organize.py                       # starts the bundled models
    .venv/bin/python bench/organize.py --chat-model smollm2 --chat-model gemma
    .venv/bin/python bench/organize.py --big-only --runs 3 --compare-ref main
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from server import config as config_mod  # noqa: E402
from server.llamafile import models, runtime  # noqa: E402
from server.llamafile.chat import LlamafileChat  # noqa: E402
from server.llamafile.embed import LlamafileEmbedder  # noqa: E402
from server.llamafile.procs import Child, free_port  # noqa: E402
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


CHAT_MODELS = ("smollm2", "gemma")
# The 1,000-note board run with another commit's pipeline: reads texts from argv[1], prints
# {"timings", "groups"} as ours() returns them. Runs inside that commit's checkout.
REF_RUNNER = """
import json, sys
sys.path.insert(0, '.')
from server.llamafile.chat import LlamafileChat
from server.llamafile.embed import LlamafileEmbedder
from server.organize.pipeline import organize
texts = json.load(open(sys.argv[1]))
emb, chat = LlamafileEmbedder(sys.argv[2]), LlamafileChat(sys.argv[3])
class U:
    model = emb.model
    def embed(self, t):
        return emb.embed_uncached(t)
organize([{"id": i, "text": t} for i, t in enumerate(["coffee", "tea", "juice"] * 3)], U(), chat)
r = organize([{"id": i, "text": t} for i, t in enumerate(texts)], U(), chat)
print(json.dumps({"timings": r.timings,
                  "groups": [{"label": g.label, "notes": [texts[i] for i in g.note_ids]}
                             for g in r.groups]}))
"""


class Metered:
    """The chat client, counting llama-server's own timings of every /completion it makes."""

    def __init__(self, inner: LlamafileChat) -> None:
        self.inner, self.calls = inner, []
        post = inner.server.post_json

        def counted(path, body, **kw):
            data = post(path, body, **kw)
            if path == "/completion" and isinstance(data, dict):
                self.calls.append(data.get("timings") or {})
            return data

        inner.server.post_json = counted

    def reset(self) -> None:
        self.calls = []

    def summary(self) -> str:
        """Prompts, prefill and decode tokens with their summed ms and tokens/s."""
        n = len(self.calls)
        if not n:
            return "0 prompts"
        pn = sum(c.get("prompt_n", 0) for c in self.calls)
        pms = sum(c.get("prompt_ms", 0.0) for c in self.calls)
        dn = sum(c.get("predicted_n", 0) for c in self.calls)
        dms = sum(c.get("predicted_ms", 0.0) for c in self.calls)
        return (f"{n} prompts; prefill {pn} tokens ({pn / n:.0f}/prompt, "
                f"{pn / max(pms, 1e-9) * 1000:.0f} tok/s); decode {dn} tokens "
                f"({dn / n:.1f}/prompt, {dn / max(dms, 1e-9) * 1000:.0f} tok/s)")


@contextlib.contextmanager
def chat_server(model: Path, cache_dir: str):
    """One more chat llama-server, flagged as the bundled one, for another naming model."""
    b = models.bundle(cache_dir)
    port = free_port()
    child = Child(model.stem, runtime.chat_command(b.server, model, port),
                  f"http://127.0.0.1:{port}", Path(cache_dir) / "logs" / f"{model.stem}.log")
    try:
        child.wait_ready(120)
        yield child.url
    finally:
        child.stop()


def topic_words(shared: Path) -> dict[str, list[str]]:
    """"set/topic" -> the words an acceptable label holds, so the big board's names score too."""
    out = {}
    for name in DATASETS:
        data = json.loads((shared / "datasets" / f"{name}.json").read_text())
        out.update({f"{name}/{t}": w for t, w in data["topics"].items()})
    return out


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
    p.add_argument("--chat-model", action="append", choices=CHAT_MODELS,
                   help="naming model(s) for the sets (default: smollm2; the big board and the "
                        "seed pipeline use the first)")
    p.add_argument("--compare-ref", metavar="COMMIT",
                   help="also the big board with this commit's pipeline, same servers")
    p.add_argument("--no-seed-big", action="store_true",
                   help="skip the seed notebook on the big board (80 s a run here)")
    args = p.parse_args()
    shared = Path(args.shared)
    score = load_score(shared)
    chat_models = args.chat_model or ["smollm2"]
    cfg = config_mod.load({"EMBED_URL": args.embed_url, "CHAT_URL": args.chat_url})
    with contextlib.ExitStack() as stack:
        urls = stack.enter_context(runtime.servers_for(cfg))
        e_url, c_url = urls["EMBED_URL"], urls["CHAT_URL"]
        emb_client = LlamafileEmbedder(e_url)
        stack.callback(emb_client.close)
        chats: dict[str, tuple[str, Metered]] = {}
        for name in chat_models:
            url = c_url
            if name == "gemma":
                path = models.extra_model(cfg["CACHE_DIR"], "gemma")
                if path is None:
                    sys.exit("Gemma is not prepared: herd models prepare --with gemma")
                url = stack.enter_context(chat_server(path, cfg["CACHE_DIR"]))
            client = LlamafileChat(url)
            stack.callback(client.close)
            chats[name] = (url, Metered(client))
        first_url, first = chats[chat_models[0]]
        chat = first.inner
        embedder = Uncached(emb_client)
        for _, m in chats.values():
            ours(WARMUP, embedder, m.inner)
        print(f"servers: embed {e_url} ({emb_client.model})")
        for name, (url, m) in chats.items():
            print(f"  naming {name}: {url} ({m.inner.model}; {m.inner.route()})")
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
            ways = [(f"herd/{cm}", m) for cm, (_, m) in chats.items()] + [("baseline", None)]
            for label, meter in ways:
                for run in range(args.runs):
                    if meter is None:
                        result, timings = baseline(shared, path, e_url, first_url)
                    else:
                        meter.reset()
                        result, timings = ours(texts, embedder, meter.inner)
                    print(row(f"{label}#{run + 1}", score(result, data), timings))
                    if meter is not None:
                        share = timings["overhead"] / max(timings["total"], 1e-9)
                        print(f"  {'':9} outside model calls: {share:.1%}; naming "
                              f"{timings.get('label', 0):.2f} s: {meter.summary()}")
            print()
        big, topics = big_board(all_notes, args.big)
        words = topic_words(shared)
        big_set = {"name": "big", "topics": {t: words.get(t, []) for t in set(topics)},
                   "notes": [{"text": t, "topic": top} for t, top in zip(big, topics, strict=True)]}
        with tempfile.TemporaryDirectory() as tmp:
            big_path = Path(tmp) / "big.json"
            big_path.write_text(json.dumps(big_set))
            texts_path = Path(tmp) / "texts.json"
            texts_path.write_text(json.dumps(big))
            totals: dict[str, list[float]] = {}
            runs = [("herd", lambda: ours(big, embedder, chat))]
            if args.compare_ref:
                checkout = Path(tmp) / "ref"
                subprocess.run(["git", "worktree", "add", "--detach", str(checkout),
                                args.compare_ref], cwd=ROOT, check=True, capture_output=True)
                stack.callback(subprocess.run, ["git", "worktree", "remove", "--force",
                                                str(checkout)], cwd=ROOT, capture_output=True)
                runs.append((f"herd at {args.compare_ref} (before)",
                             lambda: ref_run(checkout, texts_path, e_url, first_url)))
            runs.append(("herd, stages in turn", lambda: ours(big, embedder, chat, overlap=False)))
            if not args.no_seed_big:
                runs.append(("baseline", lambda: baseline(shared, big_path, e_url, first_url)))
            for run in range(args.runs):
                for label, fn in runs:
                    first.reset()
                    try:
                        result, timings = fn()
                    except subprocess.CalledProcessError as e:
                        why = (e.stderr or "").strip().splitlines()[-1:] or ["no output"]
                        print(f"{len(big)} notes, {label} #{run + 1}: failed ({why[0][:200]})")
                        continue
                    totals.setdefault(label, []).append(timings["total"])
                    f = score(result, big_set)
                    line = f"{len(big)} notes, {label} #{run + 1}: ARI {f['ari']:.3f}, " \
                           f"label_good {f['label_good']:.3f}, {len(result['groups'])} groups, " \
                           f"{json.dumps(timings)}"
                    if "overhead" in timings:
                        share = timings["overhead"] / max(timings["total"], 1e-9)
                        line += f" (outside model calls {share:.1%})"
                    if label.startswith("herd") and "(before)" not in label:
                        line += f"\n    naming: {first.summary()}"
                    print(line, flush=True)
        for label, values in totals.items():
            print(f"{len(big)} notes, {label}: median {statistics.median(values):.2f} s")
    return 0


def ref_run(checkout: Path, texts_path: Path, embed_url: str, chat_url: str):
    """The big board organized by another commit's pipeline, in its own checkout."""
    out = subprocess.run([sys.executable, "-c", REF_RUNNER, str(texts_path), embed_url,
                          chat_url], cwd=checkout, capture_output=True, text=True, timeout=600,
                         check=True).stdout
    data = json.loads(out.strip().splitlines()[-1])
    return {"groups": data["groups"]}, data["timings"]


if __name__ == "__main__":
    sys.exit(main())
