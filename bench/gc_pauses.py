"""The garbage collector's pauses in `herd serve`'s worker while a room moves notes.

    .venv/bin/python bench/gc_pauses.py                    # 200 people x 3 moves/s, 2 pairs
    .venv/bin/python bench/gc_pauses.py --clients 500 --rate 2 --pairs 1

Each pair runs bench/load.py's room twice on fresh servers: once with CPython's default
collection thresholds (Herd's own gc.set_threshold call made a no-op), once as Herd runs.
A `sitecustomize` module put first on the server's PYTHONPATH times every collection in
the worker through gc.callbacks (the whole stop: the event loop answers nobody meanwhile).
It prints, per run, how many collections of each generation came while people moved, their
total and longest pause, and bench/load.py's own figures beside them. Alternating the two
settings and printing every run keeps this machine's slow and fast phases visible.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import load  # noqa: E402

# Written into a temporary folder as sitecustomize.py: Python imports it at start-up, so it
# is in gunicorn's master before the worker forks, and the callbacks carry over.
SITECUSTOMIZE = '''
import gc, json, os, time
_out, _mode = os.environ["HERD_GC_PAUSES"], os.environ.get("HERD_GC_MODE")
if _mode == "cpython":
    gc.set_threshold = lambda *args: None  # Herd's call does nothing: CPython's defaults
_pauses, _start, _written = {"0": [], "1": [], "2": []}, [0.0], [0.0]
def _write():
    with open(f"{_out}.{os.getpid()}.tmp", "w") as f:
        json.dump(_pauses, f)
    os.replace(f"{_out}.{os.getpid()}.tmp", f"{_out}.{os.getpid()}")
def _timed(phase, info):
    if phase == "start":
        _start[0] = time.perf_counter()
        return
    _pauses[str(info["generation"])].append(time.perf_counter() - _start[0])
    if info["generation"] or time.monotonic() - _written[0] > 0.25:
        _written[0] = time.monotonic()
        _write()
gc.callbacks.append(_timed)
'''


def main(argv: list[str] | None = None) -> int:
    """Run the pairs and print the figures."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=200)
    p.add_argument("--rate", type=float, default=3)
    p.add_argument("--seconds", type=float, default=25)
    p.add_argument("--procs", type=int, default=2)
    p.add_argument("--pairs", type=int, default=2)
    args = p.parse_args(argv)
    print(f"GC pauses in herd serve's worker: {args.clients} clients x {args.rate:g} moves/s, "
          f"{args.seconds:g} s, {args.procs} client processes")
    print(f"{'thresholds':<22} {'young (gen 0+1)':>26} {'full (gen 2)':>24}  load.py")
    with tempfile.TemporaryDirectory(prefix="herd-gc-") as tmp:
        (Path(tmp) / "sitecustomize.py").write_text(SITECUSTOMIZE)
        for pair in range(args.pairs):
            for mode in ("cpython", "herd"):
                one_run(Path(tmp), f"{mode}{pair}", mode, args)
    return 0


def one_run(tmp: Path, tag: str, mode: str, args: argparse.Namespace) -> None:
    """A fresh server with the callbacks in, the room, then the worker's pauses while it moved."""
    out = tmp / f"pauses-{tag}"
    saved = {k: os.environ.get(k) for k in ("PYTHONPATH", "HERD_GC_PAUSES", "HERD_GC_MODE")}
    os.environ.update(PYTHONPATH=os.pathsep.join(filter(None, [str(tmp), saved["PYTHONPATH"]])),
                      HERD_GC_PAUSES=str(out), HERD_GC_MODE=mode)
    try:
        server, port, token = load.start_server(tmp / f"{tag}.db")
    finally:
        for k, v in saved.items():  # this process's own environment as it was
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    try:
        time.sleep(1)
        before = all_pauses(out)
        room = argparse.Namespace(clients=args.clients, seconds=args.seconds, rate=args.rate,
                                  notes=3, procs=args.procs, cursors=0, baseline=False)
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            load.run("127.0.0.1", port, room, token, server)
        during = worker_pauses(before, all_pauses(out))
    finally:
        load.stop_server(server)
    young = during["0"] + during["1"]
    full = during["2"]
    figures = [line.strip() for line in printed.getvalue().splitlines()
               if line.strip().startswith(("seen by others", "server CPU"))]
    label = "CPython's (700, 10, 10)" if mode == "cpython" else "Herd's"
    print(f"{label:<22} {len(young):>5} x, {1000 * sum(young):6.0f} ms, max {ms(young):>5}"
          f" {len(full):>4} x, {1000 * sum(full):5.0f} ms, max {ms(full):>5}  "
          + "; ".join(figures))


def ms(pauses: list[float]) -> str:
    return f"{1000 * max(pauses):.1f}" if pauses else "-"


def all_pauses(out: Path) -> dict[str, dict[str, list[float]]]:
    """Every process's pauses so far, by pid (the CLI, gunicorn's master, its worker)."""
    found = {}
    for f in out.parent.glob(out.name + ".*"):
        if not f.name.endswith(".tmp"):
            found[f.name.rsplit(".", 1)[1]] = json.loads(f.read_text())
    return found


def worker_pauses(before: dict, after: dict) -> dict[str, list[float]]:
    """The pauses of the process that collected most while the room moved: the worker."""
    empty: dict[str, list[float]] = {"0": [], "1": [], "2": []}
    during = {pid: {g: pauses[g][len(before.get(pid, empty)[g]):] for g in pauses}
              for pid, pauses in after.items()}
    if not during:
        sys.exit("no pauses recorded by the worker")
    return max(during.values(), key=lambda d: len(d["0"]) + len(d["1"]) + len(d["2"]))


if __name__ == "__main__":
    sys.exit(main())
