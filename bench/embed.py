"""Embedding throughput (notes/s): one request per note vs batched vs batched+concurrent, and
the cache-hit path, for 32, 500 and 2,000 notes.

    .venv/bin/python bench/embed.py                 # starts the bundled models
    .venv/bin/python bench/embed.py --url URL       # any running embedding server
"""

from __future__ import annotations

import argparse
import contextlib
import random
import sys
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server import config as config_mod  # noqa: E402
from server.llamafile import runtime  # noqa: E402
from server.llamafile.cache import EmbeddingCache  # noqa: E402
from server.llamafile.embed import LlamafileEmbedder  # noqa: E402

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


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", help="a running embedding server (default: start the bundled one)")
    p.add_argument("--sizes", default="32,500,2000")
    p.add_argument("--single-max", type=int, default=2000,
                   help="skip one-request-per-note above this many notes")
    a = p.parse_args()
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
