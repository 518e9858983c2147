"""The store's backends side by side: the same writes and reads through `herd serve` on a
SQLite file and on PostgreSQL.

    .venv/bin/python bench/store.py                         # a throwaway PostgreSQL cluster
    .venv/bin/python bench/store.py --pg-url postgresql://herd@127.0.0.1/herd_bench
    .venv/bin/python bench/store.py --writers 8 --moves 200

Each backend gets one `herd serve --no-ai` (one gevent worker, as shipped). `--writers`
clients each move a note of their own `--moves` times, as fast as answers come, then as many
read the board. Prints requests per second and p50/p99 latency per backend, and checks that
every acknowledged move is in the note's version (exit 1 if one was lost). Without
--pg-url, a cluster is started as the tests start theirs (tests/pg_server.py: Debian's
postgresql, ./scripts/setup.sh --services).
"""

from __future__ import annotations

import argparse
import http.client
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
from bench.load import pct, request, start_server, stop_server  # noqa: E402


def run(db: str, args: argparse.Namespace) -> tuple[dict, bool]:
    """Figures for one database, and whether every acknowledged move is there."""
    server, port, token = start_server(db)  # type: ignore[arg-type]  # a path or a URL
    auth = {"Authorization": f"Bearer {token}"}
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        board = request(conn, "POST", "/api/boards", {"name": "bench"}, auth=auth)[1]["id"]
        ops = [{"op": "create", "kind": "note", "id": f"n{k}", "fields": {"text": f"{k}"}}
               for k in range(args.writers)]
        request(conn, "POST", f"/api/boards/{board}/ops", {"ops": ops}, auth=auth)
        figures = {}
        acked = [0] * args.writers
        for phase in ("write", "read"):
            latencies: list[float] = []
            lock = threading.Lock()

            def client(k: int, phase: str = phase, latencies: list = latencies,
                       lock: threading.Lock = lock) -> None:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                mine = []
                for i in range(args.moves):
                    t = time.perf_counter()
                    if phase == "write":
                        status, _ = request(c, "PATCH", f"/api/boards/{board}/notes/n{k}",
                                            {"x": i}, auth=auth)
                        acked[k] += status == 200
                    else:
                        c.request("GET", f"/api/boards/{board}", headers=auth)
                        c.getresponse().read()
                    mine.append(time.perf_counter() - t)
                with lock:
                    latencies += mine

            threads = [threading.Thread(target=client, args=(k,)) for k in range(args.writers)]
            start = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            took = time.perf_counter() - start
            figures[phase] = (len(latencies) / took, pct(latencies, 50), pct(latencies, 99))
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)  # the first idled out
        snap = request(conn, "GET", f"/api/boards/{board}", {}, auth=auth)[1]
        versions = {n["id"]: n["version"] for n in snap["notes"]}
        whole = all(versions[f"n{k}"] == 1 + acked[k] for k in range(args.writers))
        return figures, whole
    finally:
        stop_server(server)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--writers", type=int, default=4)
    p.add_argument("--moves", type=int, default=100, help="requests per client per phase")
    p.add_argument("--pg-url", default=None,
                   help="a PostgreSQL database of its own (default: a throwaway cluster)")
    args = p.parse_args(argv)
    cluster = None
    url = args.pg_url
    if url is None:
        from pg_server import PgServer

        cluster = PgServer()
        url = cluster.new_database()
    ok = True
    try:
        with tempfile.TemporaryDirectory(prefix="herd-store-bench-") as tmp:
            print(f"{args.writers} clients x {args.moves} requests each, one herd serve")
            print(f"{'backend':<12} {'phase':<6} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
            for name, db in (("sqlite", str(Path(tmp) / "bench.db")), ("postgresql", url)):
                figures, whole = run(db, args)
                ok &= whole
                for phase, (rate, p50, p99) in figures.items():
                    print(f"{name:<12} {phase:<6} {rate:>8.0f} {p50:>8.1f} {p99:>8.1f}")
                if not whole:
                    print(f"{name}: an acknowledged move is missing", file=sys.stderr)
    finally:
        if cluster is not None:
            cluster.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
