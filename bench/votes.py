"""Dot voting under load: N people vote on the same notes of one board at once.

    .venv/bin/python bench/votes.py                        # 100 people, 10 notes, 5 votes each
    .venv/bin/python bench/votes.py --people 200 --votes 8

Starts `herd serve --no-ai` on a temporary database (the one gevent worker, as shipped). The
facilitator (the owner's token) makes a board with the notes and starts a vote; each person
opens the board's editor link for a session cookie of its own, as a browser does, then all
of them, released together, spend every one of their votes as fast as the server answers.
The vote is ended and its totals compared with what was cast: they must match exactly.
Prints votes per second and p50/p99 vote latency.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.load import open_link, pct, request, start_server, stop_server  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures; exit 1 if a vote was lost."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--people", type=int, default=100)
    p.add_argument("--notes", type=int, default=10)
    p.add_argument("--votes", type=int, default=5, help="votes per person (all are used)")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="herd-votes-") as tmp:
        server, port, token = start_server(Path(tmp) / "votes.db")
        try:
            return run("127.0.0.1", port, token or "", args)
        finally:
            stop_server(server)


def run(host: str, port: int, token: str, args: argparse.Namespace) -> int:
    """Board, vote, people, the rush, the check."""
    owner = {"Authorization": f"Bearer {token}"}
    conn = http.client.HTTPConnection(host, port, timeout=30)
    _, board = request(conn, "POST", "/api/boards", {"name": "Vote bench"}, auth=owner)
    b = board["id"]
    notes = [f"n{i}" for i in range(args.notes)]
    request(conn, "POST", f"/api/boards/{b}/ops", {"ops": [
        {"op": "create", "kind": "note", "id": n, "fields": {"text": f"idea {i}",
                                                             "x": 200 * i, "y": 0}}
        for i, n in enumerate(notes)]}, auth=owner)
    _, links = request(conn, "GET", f"/api/boards/{b}/links", None, auth=owner)
    status, vote = request(conn, "POST", f"/api/boards/{b}/vote",
                           {"per_person": args.votes}, auth=owner)
    if status != 201:
        sys.exit(f"starting the vote gave {status}: {vote}")
    people = [open_link(host, port, links["editor"]) for _ in range(args.people)]
    # Person i puts their votes on notes i, i+1, ...: several of them on the same note at once.
    plans = [[notes[(i + k) % len(notes)] for k in range(args.votes)]
             for i in range(args.people)]
    start = threading.Barrier(args.people + 1)
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def person(i: int) -> None:
        c = http.client.HTTPConnection(host, port, timeout=60)
        mine: list[float] = []
        start.wait()
        for note in plans[i]:
            t0 = time.perf_counter()
            code, body = request(c, "POST", f"/api/boards/{b}/vote/dots", {"note_id": note},
                                 client=f"p{i}", auth=people[i])
            mine.append(time.perf_counter() - t0)
            if code != 200:
                with lock:
                    failures.append(f"person {i}: {code} {body}")
        c.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=person, args=(i,)) for i in range(args.people)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    # While it ran, nobody could read the totals.
    _, seen = request(conn, "GET", f"/api/boards/{b}/vote", None, auth=people[0])
    hidden = seen["vote"]["totals"] is None and sum(seen["vote"]["mine"].values()) == args.votes
    _, ended = request(conn, "POST", f"/api/boards/{b}/vote/end", None, auth=owner)
    conn.close()
    expected = Counter(n for plan in plans for n in plan)
    totals = ended["vote"]["totals"]
    exact = totals == dict(expected)
    cast = len(latencies)
    print(f"{args.people} people x {args.votes} votes on {args.notes} notes: {cast} votes in "
          f"{elapsed:.2f} s ({cast / elapsed:,.0f} votes/s), {len(failures)} refused")
    print(f"vote latency: p50 {pct(latencies, 50):.1f} ms, p99 {pct(latencies, 99):.1f} ms")
    print(f"totals exact: {exact} ({sum(totals.values())} counted of "
          f"{sum(expected.values())} cast); others' votes hidden while running: {hidden}")
    for line in failures[:5]:
        print("  " + line)
    if not exact:
        print("  expected " + json.dumps(dict(expected), sort_keys=True))
        print("  got      " + json.dumps(totals, sort_keys=True))
    return 0 if exact and hidden and not failures else 1


if __name__ == "__main__":
    sys.exit(main())
