"""Embedding throughput (notes/s): one request per note vs batched vs batched+concurrent, and
the cache-hit path, for 32, 500 and 2,000 notes; with --sweep, the 1,000-note board of
bench/organize.py against embedding servers started with different llama-server flags and
clients with different chunk sizes and requests in flight, all in one run, today's first.

    .venv/bin/python bench/embed.py                 # starts the bundled models
    .venv/bin/python bench/embed.py --url URL       # any running embedding server
    .venv/bin/python bench/embed.py --sweep [--reps 5]
    .venv/bin/python bench/embed.py --organize --reps 3 --servers "4 slots,today"
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import statistics
import sys
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server import config as config_mod  # noqa: E402
from server.llamafile import models, runtime  # noqa: E402
from server.llamafile.cache import EmbeddingCache  # noqa: E402
from server.llamafile.embed import LlamafileEmbedder  # noqa: E402
from server.llamafile.errors import LlamafileError  # noqa: E402

WORDS = (
    "customer onboarding is slow pricing page confuses people we need better docs flaky tests "
    "block releases standups run long retro action items get lost hire another designer mobile "
    "app crashes on login dark mode please more coffee in the kitchen quarterly planning too "
    "late roadmap unclear support tickets pile up on mondays celebrate small wins"
).split()


def notes(n: int, seed: int = 0) -> list[str]:
    """n distinct sticky-note-like texts of 3-12 words."""
    rng = random.Random(seed)
    return [f"{' '.join(rng.choices(WORDS, k=rng.randint(3, 12)))} #{i}" for i in range(n)]


def rate(n: int, fn) -> tuple[float, float]:
    t0 = time.perf_counter()
    fn()
    took = time.perf_counter() - t0
    return n / took, took


def run(url: str, sizes: list[int], single_max: int) -> None:
    print(f"embedding server {url}")
    probe = LlamafileEmbedder(url)
    info = probe.server.info()
    print(f"model {info.model}, dialect {info.dialect}, slots {info.slots}\n")
    print(f"{'notes':>6}  {'path':<34} {'notes/s':>9} {'seconds':>8}")
    for n in sizes:
        texts = notes(n, seed=n)
        paths = []
        if n <= single_max:
            paths.append(("one request per note", LlamafileEmbedder(url).embed_one_by_one))
        for bs in (32, 128):
            seq = LlamafileEmbedder(url, batch_size=bs, max_concurrency=1)
            paths.append((f"batched ({bs}/request), sequential", seq.embed_uncached))
        conc = LlamafileEmbedder(url, batch_size=32)
        paths.append((f"batched (32), {info.slots} concurrent", conc.embed_uncached))
        cached = LlamafileEmbedder(url, cache=EmbeddingCache())
        cached.embed(texts)
        paths.append(("cache hit (in memory)", cached.embed))
        rows = [(name, rate(n, partial(fn, texts))) for name, fn in paths]
        for name, (r, took) in rows:
            print(f"{n:>6}  {name:<34} {r:>9.0f} {took:>8.3f}")
        print()


# Embedding-server flag sets measured beside the shipped one (runtime.embed_command: 16 slots
# since this sweep; "4 slots" is what it was before). Each slot keeps 512 positions (the
# model's), so the longest note any of them takes is the same.
SERVERS: dict[str, list[str]] = {
    "today": [],
    "4 slots": ["-np", "4", "-c", "2048"],
    "-np 16": ["-np", "16", "-c", "8192"],
    "-np 32": ["-np", "32", "-c", "16384"],
    "-np 64": ["-np", "64", "-c", "32768"],
    "-np 64 -b/-ub 2048": ["-np", "64", "-c", "32768", "-b", "2048", "-ub", "2048"],
    "-np 1": ["-np", "1", "-c", "512"],
    "-t 2": ["-t", "2"],
}
CLIENTS = ((32, 4), (128, 4), (256, 4), (64, 2), (1000, 1))  # (notes per request, in flight)


def flags(base: list[str], extra: list[str]) -> list[str]:
    """today's command with each flag in `extra` replaced (or added)."""
    out = list(base)
    for flag, value in zip(extra[::2], extra[1::2], strict=True):
        if flag in out:
            out[out.index(flag) + 1] = value
        else:
            out += [flag, value]
    return out


def board_notes(n: int) -> list[str]:
    """The 1,000-note board of bench/organize.py (the shared sets' notes, reworded)."""
    from bench.organize import DATASETS, thousand

    shared = Path(__file__).resolve().parents[2] / "shared" / "datasets"
    texts = [n["text"] for d in DATASETS
             for n in json.loads((shared / f"{d}.json").read_text())["notes"]]
    return thousand(texts, n)


def sweep(reps: int, n: int, servers: list[str],
          client_set: tuple[tuple[int, int], ...] = CLIENTS) -> None:
    """Every server x client pairing on the same notes, interleaved round by round so a change
    in the machine's load falls on all of them alike; medians of `reps` rounds."""
    texts = board_notes(n)
    b = models.bundle(config_mod.default_cache_dir())
    logs = Path(config_mod.default_cache_dir()) / "logs"
    with contextlib.ExitStack() as stack:
        started, pids = {}, {}
        for name in servers:
            def make(port: int, extra: list[str] = SERVERS[name]) -> list[str]:
                return flags(runtime.embed_command(b.server, b.embed_model, port), extra)

            log = logs / f"bench-embed-{len(started)}.log"
            child = runtime._ready(f"embed {name}", make, log, 120.0)
            stack.callback(child.stop)
            started[name] = child.url
            pids[name] = child.proc.pid
        print(f"{n} notes, {reps} rounds, load average {os_load()}")
        print("servers: " + "; ".join(f"{k}: {' '.join(flags([], SERVERS[k])) or 'as today'}"
                                      for k in servers))
        clients = {}
        for name, url in started.items():
            for bs, conc in client_set:
                e = LlamafileEmbedder(url, batch_size=bs, max_concurrency=conc)
                stack.callback(e.close)
                e.embed_uncached(texts[:64])  # warm: dialect, pool, first decode
                clients[(name, bs, conc)] = e
        took: dict[tuple, list[float]] = {k: [] for k in clients}
        # The server's own CPU seconds per run: the work a flag set needs, which the load
        # that other jobs put on shared cores hardly changes (wall time it changes a lot).
        cpu: dict[tuple, list[float]] = {k: [] for k in clients}
        for r in range(reps):
            for key, e in clients.items():
                c0, t0 = cpu_seconds(pids[key[0]]), time.perf_counter()
                try:
                    e.embed_uncached(texts)
                    took[key].append(time.perf_counter() - t0)
                except LlamafileError as err:  # a stuck run counts as lost, the rest go on
                    print(f"  {key}: {err.message}", flush=True)
                    took[key].append(float("inf"))
                cpu[key].append(cpu_seconds(pids[key[0]]) - c0)
            print(f"round {r + 1}: " + ", ".join(f"{k[0]} {k[1]}x{k[2]} {v[-1]:.2f}"
                                                 for k, v in took.items()), flush=True)
        key0 = (servers[0], *client_set[0])
        base, base_cpu = statistics.median(took[key0]), statistics.median(cpu[key0])
        print(f"load average after: {os_load()}\n")
        print(f"{'server':<20} {'notes/request':>13} {'in flight':>9} {'median s':>9} "
              f"{'min s':>7} {'notes/s':>8} {'vs today':>8} {'server CPU s':>12} {'vs today':>8}")
        for (name, bs, conc), ts in sorted(took.items(), key=lambda kv: statistics.median(kv[1])):
            med, c = statistics.median(ts), statistics.median(cpu[(name, bs, conc)])
            print(f"{name:<20} {bs:>13} {conc:>9} {med:>9.3f} {min(ts):>7.3f} {n / med:>8.0f} "
                  f"{base / med:>7.2f}x {c:>12.3f} {base_cpu / c if c else 0:>7.2f}x")


def organize_side_by_side(rounds: int, servers: list[str]) -> None:
    """The whole 1,000-note Organize on embedding servers of different flags side by side
    (one chat server for all), overlapped and stages in turn, rounds alternating."""
    from bench.organize import DATASETS, WARMUP, Uncached, big_board, ours
    from server.llamafile.chat import LlamafileChat

    shared = Path(__file__).resolve().parents[2] / "shared" / "datasets"
    pairs = [(n["text"], d) for d in DATASETS
             for n in json.loads((shared / f"{d}.json").read_text())["notes"]]
    big, _ = big_board(pairs, 1000)
    b = models.bundle(config_mod.default_cache_dir())
    logs = Path(config_mod.default_cache_dir()) / "logs"
    with contextlib.ExitStack() as stack:
        emb = {}
        for name in servers:
            def make(port: int, extra: list[str] = SERVERS[name]) -> list[str]:
                return flags(runtime.embed_command(b.server, b.embed_model, port), extra)

            child = runtime._ready(name, make, logs / f"bench-embed-{len(emb)}.log", 120.0)
            stack.callback(child.stop)
            emb[name] = Uncached(LlamafileEmbedder(child.url))
        chat_child = runtime._ready(
            "chat", lambda port: runtime.chat_command(b.server, b.chat_model, port),
            logs / "bench-embed-chat.log", 120.0)
        stack.callback(chat_child.stop)
        chat = LlamafileChat(chat_child.url)
        for e in emb.values():  # warm both and the chat server's prompt cache
            ours(WARMUP, e, chat)
            ours([t for t, _ in pairs], e, chat)
        res: dict[tuple[str, bool], list[dict]] = {}
        for r in range(rounds):
            for name, e in emb.items():
                for overlap in (True, False):
                    _, t = ours(big, e, chat, overlap=overlap)
                    res.setdefault((name, overlap), []).append(t)
                    print(f"round {r + 1} {name}, {'overlapped' if overlap else 'in turn'}: "
                          f"total {t['total']:.2f} s, embed {t['embed']:.2f} s, "
                          f"label {t['label']:.2f} s", flush=True)
        for (name, overlap), ts in res.items():
            print(f"{name}, {'overlapped' if overlap else 'stages in turn'}: total median "
                  f"{statistics.median(t['total'] for t in ts):.2f} s, embed median "
                  f"{statistics.median(t['embed'] for t in ts):.2f} s")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used (Linux /proc)."""
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def os_load() -> str:
    import os

    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", help="a running embedding server (default: start the bundled one)")
    p.add_argument("--sizes", default="32,500,2000")
    p.add_argument("--single-max", type=int, default=2000,
                   help="skip one-request-per-note above this many notes")
    p.add_argument("--sweep", action="store_true",
                   help="server flags x chunk size x requests in flight on the 1,000-note board")
    p.add_argument("--reps", type=int, default=5, help="rounds of the sweep")
    p.add_argument("--notes", type=int, default=1000, help="notes in the sweep")
    p.add_argument("--servers", default=",".join(SERVERS),
                   help="which flag sets of the sweep to start (comma-separated)")
    p.add_argument("--clients", default=",".join(f"{b}x{c}" for b, c in CLIENTS),
                   help="notes per request x requests in flight, today's first")
    p.add_argument("--organize", action="store_true",
                   help="the whole 1,000-note Organize on --servers side by side")
    a = p.parse_args()
    if a.organize:
        organize_side_by_side(a.reps, a.servers.split(","))
        return 0
    if a.sweep:
        clients = tuple(tuple(int(x) for x in c.split("x")) for c in a.clients.split(","))
        sweep(a.reps, a.notes, a.servers.split(","), clients)  # type: ignore[arg-type]
        return 0
    sizes = [int(s) for s in a.sizes.split(",")]
    with contextlib.ExitStack() as stack:
        url = a.url
        if not url:
            t0 = time.perf_counter()
            urls = stack.enter_context(runtime.start_bundled(config_mod.default_cache_dir()))
            print(f"bundled servers ready in {time.perf_counter() - t0:.2f}s")
            url = urls["EMBED_URL"]
        run(url, sizes, a.single_max)
    return 0


if __name__ == "__main__":
    sys.exit(main())
