#!/usr/bin/env python3
"""Does a big Organize stall everyone else on `herd serve`? Request latency beside a run.

Starts `herd serve` with the bundled models on a temp database, puts 1,000 notes on a board,
and pings a cheap route (GET /api/boards) every 20 ms: first with the board idle (the baseline
of the same run), then while an Organize of those notes runs. Prints p50 / p99 / max latency
of both phases and how many pings took over 100 ms. One gunicorn worker with gevent serves
every request, so CPU work that holds its event loop shows up here as latency.

    .venv/bin/python bench/organize_stall.py [--notes 1000] [--idle 5]
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import pct, request, start_server, stop_server  # noqa: E402
from organize import thousand  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets"
OWN = Path(__file__).resolve().parent / "data"


class Pinger(threading.Thread):
    """GET /api/boards every `every` seconds; latencies in seconds."""

    def __init__(self, port: int, auth: dict, every: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.port, self.every, self.auth = port, every, auth
        self.latencies: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while not self.stop.is_set():
            t = time.monotonic()
            conn.request("GET", "/api/boards", headers=self.auth)
            conn.getresponse().read()
            self.latencies.append(time.monotonic() - t)
            self.stop.wait(max(0.0, self.every - (time.monotonic() - t)))


def phase(port: int, auth: dict, body) -> list[float]:
    """Ping while body() runs; return the latencies."""
    pinger = Pinger(port, auth)
    pinger.start()
    try:
        body()
    finally:
        pinger.stop.set()
        pinger.join()
    return pinger.latencies


def line(name: str, lat: list[float]) -> str:
    slow = sum(1 for v in lat if v > 0.1)
    return (f"{name:10s} pings={len(lat):4d}  p50={pct(lat, 50):6.1f} ms"
            f"  p99={pct(lat, 99):7.1f} ms  max={1000 * max(lat):7.1f} ms  over 100 ms: {slow}")


def texts() -> list[str]:
    files = sorted(SHARED.glob("*.json")) if SHARED.is_dir() else sorted(OWN.glob("*.json"))
    return [n["text"] for f in files for n in json.loads(f.read_text())["notes"]]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--notes", type=int, default=1000)
    p.add_argument("--idle", type=float, default=5.0, help="seconds of baseline pings")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        proc, port, token = start_server(Path(tmp) / "stall.db", ai=True)
        auth = {"Authorization": f"Bearer {token}"}
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            _, board = request(conn, "POST", "/api/boards", {"name": "stall"}, auth=auth)
            bid = board["board"]["id"] if "board" in board else board["id"]
            request(conn, "POST", f"/api/boards/{bid}/import-text",
                    {"text": "\n".join(thousand(texts(), args.notes))}, auth=auth)
            job_box: dict = {}

            def organize() -> None:
                # A connection of its own: kept-alive ones idle out.
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                _, out = request(conn, "POST", f"/api/boards/{bid}/organize", {}, auth=auth)
                job = out["job"]
                while job["state"] == "running":
                    time.sleep(0.2)
                    _, out = request(conn, "GET", f"/api/boards/{bid}/organize/{job['id']}", {},
                                     auth=auth)
                    job = out["job"]
                job_box.update(job)

            idle = phase(port, auth, lambda: time.sleep(args.idle))
            t = time.monotonic()
            busy = phase(port, auth, organize)
            took = time.monotonic() - t
        finally:
            stop_server(proc)
    print(f"{args.notes} notes; Organize: {job_box.get('state')} in {took:.1f} s "
          f"({job_box.get('message')})")
    print(line("idle", idle))
    print(line("organize", busy))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
