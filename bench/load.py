"""Load on loopback: N clients moving notes on one board, each with a live listener.

    .venv/bin/python bench/load.py                   # starts `herd serve --no-ai` on a temp DB
    .venv/bin/python bench/load.py --clients 50 --seconds 30 --rate 10
    .venv/bin/python bench/load.py --url http://127.0.0.1:8000
    .venv/bin/python bench/load.py --cursors 10 --baseline   # pointers too, vs without them
    .venv/bin/python bench/load.py --compare-ref 9f36918     # also an older Herd, same run
    .venv/bin/python bench/load.py --compare-ref HEAD --rounds 4  # 4 pairs: ABBA..., medians
    .venv/bin/python bench/load.py --compare-python /tmp/other-venv/bin/python  # interpreter
    .venv/bin/python bench/load.py --workers 2 --procs 2     # 1 process, then 2 workers + Redis
    .venv/bin/python bench/load.py --pg --compare-ref HEAD   # on PostgreSQL, an older Herd first
    .venv/bin/python bench/load.py --clients 200 --rate 3 --timeline  # p50/p99 each second

Each client is a person: it opens the board's editor link once (a session cookie of its own,
as a browser does) and sends that cookie with every request, so the figures include the
access gate. With --compare-ref, the same run is made first against `herd serve` from that
commit (a temporary git worktree), e.g. the last one before the gate. With --workers N, the
same run is made again against `herd serve --workers N --redis` (a throwaway redis-server in
a temporary directory) after the single process, on a database of its own (--workers-db
gives another, e.g. a postgresql:// URL once the store takes one).

Prints writes per second, p50/p99 write latency, and p50/p99 delay from a client sending a
move until each *other* client's SSE stream delivers it. Each move's X-Herd-Client header is
"c<client>@<send time>": the server echoes it in the live event, so a listener in any
process knows when the move was sent (time.monotonic is one clock for the whole machine).
With --cursors, every client also sends its pointer position that many times a second (as
the board page does while the mouse moves) and the pointer requests' latency is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import multiprocessing
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.load_clients import Tally, room  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", help="a running Herd (default: start one on a temp database)")
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--rate", type=float, default=10,
                   help="moves per second per client (a throttled drag); 0 = flat out")
    p.add_argument("--notes", type=int, default=3, help="notes each client moves in turn")
    p.add_argument("--procs", type=int, default=1,
                   help="client processes (threads of one process share one GIL)")
    p.add_argument("--cursors", type=float, default=0,
                   help="pointer positions per second per client, besides the moves")
    p.add_argument("--baseline", action="store_true",
                   help="with --cursors: first the same run without pointers, on the same server")
    p.add_argument("--compare-ref", metavar="COMMIT",
                   help="first the same run against `herd serve` from this commit")
    p.add_argument("--compare-python", metavar="PYTHON",
                   help="first the same run against this tree's `herd serve` on another "
                        "interpreter (a venv's python with Herd installed), e.g. a build "
                        "without PGO against one with it")
    p.add_argument("--moves", choices=("http", "socket"), default="http",
                   help="each move a PATCH on a kept-alive connection, or a batch on the "
                        "tab's WebSocket (/api/boards/<id>/socket), as board.js sends it")
    p.add_argument("--ref-moves", choices=("http", "socket"),
                   help="with --compare-ref: how the older tree's clients move (default "
                        "--moves; http for a tree from before the board socket)")
    p.add_argument("--compare-moves", action="store_true",
                   help="the same run twice on this tree, moves over HTTP then over the "
                        "socket (a fresh server each; --rounds pairs)")
    p.add_argument("--timeline", action="store_true",
                   help="also print seen-by-others p50/p99 for each second of the run: a "
                        "stall shows as one bad second, a worker short of CPU as many")
    p.add_argument("--rounds", type=int, default=1,
                   help="with --compare-ref or --compare-python: that many pairs, the "
                        "order turned round each time, and the medians")
    p.add_argument("--token", help="with --url: the owner token (herd token prints it)")
    p.add_argument("--workers", type=int, default=0, metavar="N",
                   help="then the same run on N workers sharing a throwaway Redis")
    p.add_argument("--workers-db", metavar="DB",
                   help="with --workers: the --db those workers use (default a temp SQLite)")
    p.add_argument("--pg", action="store_true",
                   help="every run on PostgreSQL, a database each in a throwaway cluster "
                        "(started as the tests start theirs), instead of SQLite files")
    args = p.parse_args(argv)

    if args.url:
        host = urllib.parse.urlsplit(args.url)
        if host.hostname not in ("127.0.0.1", "localhost", "::1"):
            sys.exit("bench/load.py stays on loopback: give a 127.0.0.1 URL.")
        phases(host.hostname, host.port or 80, args, args.token)
        return 0
    with tempfile.TemporaryDirectory(prefix="herd-bench-") as tmp, \
            databases(Path(tmp), args.pg) as database:
        if args.compare_ref or args.compare_python or args.compare_moves:
            compare(args, Path(tmp), database)
        else:
            if args.workers:
                print(f"== herd serve: 1 process, {'PostgreSQL' if args.pg else 'SQLite'}")
            server, port, token = start_server(database("bench"))
            try:
                phases("127.0.0.1", port, args, token, server)
            finally:
                stop_server(server)
        if args.workers:
            db = args.workers_db or str(database("workers"))
            print(f"\n== herd serve --workers {args.workers} --redis, "
                  f"{'SQLite' if '://' not in db else db.split(':', 1)[0]}")
            redis, url = start_redis(Path(tmp) / "redis")
            try:
                server, port, token = start_server(
                    db, extra=["--workers", str(args.workers), "--redis", url])
                try:
                    phases("127.0.0.1", port, args, token, server)
                finally:
                    stop_server(server)
            finally:
                redis.kill()
                redis.wait(timeout=10)
    return 0


def compare(args: argparse.Namespace, tmp: Path, database: Callable[[str], Path | str]
            ) -> None:
    """The same run against `herd serve` from --compare-ref (or on --compare-python) and
    from this tree, --rounds times, the order turned round each round (older, this, this,
    older, ...): on this machine the second run of a pair is often the slower one,
    whichever it is."""
    checkout = tmp / "ref" if args.compare_ref else None
    if checkout is not None:
        subprocess.run(["git", "worktree", "add", "--detach", str(checkout), args.compare_ref],
                       check=True, capture_output=True)
    # side -> (checkout, interpreter, moves): the older tree, this tree on another python,
    # or this tree with the moves over HTTP
    if args.compare_moves:
        sides = {"HTTP moves": (None, sys.executable, "http"),
                 "socket moves": (None, sys.executable, "socket")}
    else:
        other = args.compare_ref or f"on {args.compare_python}"
        sides = {other: (checkout, args.compare_python or sys.executable,
                         args.ref_moves or args.moves),
                 "here": (None, sys.executable, args.moves)}
    got: dict[str, list[dict]] = {side: [] for side in sides}
    try:
        for r in range(args.rounds):
            for side in (list(sides) if r % 2 == 0 else list(sides)[::-1]):
                where, python, moves = sides[side]
                print(f"== herd serve {'at ' + side if where else side}"
                      f"{f', round {r + 1}' if args.rounds > 1 else ''}")
                server, port, token = start_server(database(f"{list(sides).index(side)}-{r}"),
                                                   checkout=where, python=python)
                try:
                    got[side].append(phases("127.0.0.1", port,
                                            argparse.Namespace(**{**vars(args), "moves": moves}),
                                            token, server))
                finally:
                    stop_server(server)
                print()
    finally:
        if checkout is not None:
            subprocess.run(["git", "worktree", "remove", "--force", str(checkout)],
                           check=False, capture_output=True)
    if args.rounds > 1:
        print(f"== {args.rounds} rounds, median (each run):")
        for side, runs in got.items():
            print(f"  {side:>10}: " + "; ".join(_summary(runs)))


# What --rounds sums up: figure, unit, digits.
SUMMED = (("seen_p50", " ms", 0), ("seen_p99", " ms", 0),
          ("cpu_per_write", " ms/write", 2), ("failed", "", 0))


def _summary(runs: list[dict]) -> list[str]:
    """Each figure's median over the runs, then every run's, e.g. "seen_p99 165 ms (127, 204)"."""
    cells = []
    for key, unit, digits in SUMMED:
        values = [run[key] for run in runs if run.get(key) is not None]
        if values:
            each = ", ".join(f"{v:,.{digits}f}" for v in values)
            cells.append(f"{key} {statistics.median(values):,.{digits}f}{unit} ({each})")
    return cells


@contextlib.contextmanager
def databases(folder: Path, pg: bool) -> Iterator[Callable[[str], Path | str]]:
    """A function giving each run a database of its own: a SQLite file in `folder`, or with
    `pg` a new database in one throwaway PostgreSQL cluster (tests/pg_server.py)."""
    if not pg:
        yield lambda name: folder / f"{name}.db"
        return
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from pg_server import PgServer

    cluster = PgServer()
    try:
        yield lambda name: cluster.new_database()
    finally:
        cluster.close()


def start_redis(folder: Path) -> tuple[subprocess.Popen, str]:
    """A throwaway redis-server (Debian's package) on a free loopback port, no persistence."""
    folder.mkdir()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                             "--dir", str(folder), "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.1)
    proc.kill()
    sys.exit("redis-server did not start (./scripts/setup.sh --services installs it)")


def start_server(db: Path | str, ai: bool = False, checkout: Path | None = None,
                 extra: list[str] | None = None, python: str = sys.executable
                 ) -> tuple[subprocess.Popen, int, str | None]:
    """`herd serve` (`--no-ai` unless asked) on a free loopback port, in its own process
    group, from this tree or from `checkout`, on `python`; returns it, its port and the
    owner token it printed (None from a Herd before tokens)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [python, "-m", "server.cli", "serve", "--db", str(db), "--port", str(port)]
    cmd += ([] if ai else ["--no-ai"]) + (extra or [])
    env = {**os.environ, **({"PYTHONPATH": str(checkout)} if checkout else {})}
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.DEVNULL, cwd=checkout,
                            env=env, start_new_session=True)
    for _ in range(1200):  # the bundled models may take a while on a busy machine
        try:
            # gunicorn's master listens before its workers have loaded the app: wait
            # until a worker answers.
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", "/api/health")
            conn.getresponse().read()
            conn.close()
            log.seek(0)
            found = re.search(rb"\?token=(\S+)", log.read())
            return proc, port, found.group(1).decode() if found else None
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.1)
    stop_server(proc)
    sys.exit("herd serve did not start")


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM gunicorn's master and worker; SIGKILL if they linger."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)


def request(conn: http.client.HTTPConnection, method: str, path: str, body: dict,
            client: str = "bench", auth: dict | None = None) -> tuple[int, dict]:
    """One JSON request on a kept-alive connection, with `auth` headers (cookie or token)."""
    conn.request(method, path, json.dumps(body),
                 {"Content-Type": "application/json", "X-Herd-Client": client, **(auth or {})})
    resp = conn.getresponse()
    raw = resp.read()
    return resp.status, (json.loads(raw) if raw else {})


def phases(host: str, port: int, args: argparse.Namespace, token: str | None,
           server: subprocess.Popen | None = None) -> dict:
    """The run asked for, after the same run without pointers when --baseline is given;
    the figures of the last."""
    if args.baseline and args.cursors > 0:
        run(host, port, argparse.Namespace(**{**vars(args), "cursors": 0}), token, server)
        print()
    return run(host, port, args, token, server)


def group_cpu(pgid: int) -> float:
    """CPU seconds (user + system) used so far by every process in the group: gunicorn's
    master and workers (and redis-server is not in it)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[2]) == pgid:  # fields after the name: state, ppid, pgrp, ...
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def open_link(host: str, port: int, link: str | None) -> dict:
    """What a person's browser sends after opening the link: its session cookie ({} for a
    Herd before links)."""
    if link is None:
        return {}
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request("GET", urllib.parse.urlsplit(link)._replace(scheme="", netloc="").geturl())
    resp = conn.getresponse()
    resp.read()
    conn.close()
    cookie = resp.getheader("Set-Cookie", "").split(";", 1)[0]
    if resp.status != 303 or not cookie:
        sys.exit(f"opening the editor link gave {resp.status}")
    return {"Cookie": cookie}


def run(host: str, port: int, args: argparse.Namespace, token: str | None,
        server: subprocess.Popen | None = None) -> dict:
    """Make the board, run the client processes, print the figures (and, when this script
    started the server and the clients run in --procs processes, the server's CPU time per
    write while they move: steadier than latency on a machine whose load varies)."""
    conn = http.client.HTTPConnection(host, port, timeout=10)
    owner = {"Authorization": f"Bearer {token}"} if token else {}
    _, board = request(conn, "POST", "/api/boards", {"name": f"bench {time.ctime()}"},
                       auth=owner)
    b = board["id"]
    link = None
    if token:
        conn.request("GET", f"/api/boards/{b}/links", headers=owner)
        link = json.loads(conn.getresponse().read())["editor"]
    args = argparse.Namespace(**{**vars(args), "link": link})
    ops = [{"op": "create", "kind": "note", "id": f"c{c}-n{n}",
            "fields": {"text": f"client {c} note {n}", "x": c * 200, "y": n * 150}}
           for c in range(args.clients) for n in range(args.notes)]
    status, created = request(conn, "POST", f"/api/boards/{b}/ops", {"ops": ops}, auth=owner)
    assert status == 200, created
    conn.close()

    procs = max(1, min(args.procs, args.clients))
    cpu = None  # the server's CPU seconds while the people move (set-up left out)
    if procs == 1:
        results = [client_proc(host, port, b, list(range(args.clients)), vars(args), None,
                               None)]
    else:
        ctx = multiprocessing.get_context("spawn")
        ready, out = ctx.Barrier(procs + 1), ctx.Queue()
        workers = [ctx.Process(target=client_proc, args=(
            host, port, b, list(range(k, args.clients, procs)), vars(args), ready, out))
            for k in range(procs)]
        for w in workers:
            w.start()
        ready.wait(timeout=60)  # every listener connected: start moving together
        if server is not None:
            start = group_cpu(server.pid)
            time.sleep(args.seconds)
            cpu = group_cpu(server.pid) - start
        results = [out.get(timeout=args.seconds + 120) for _ in workers]
        for w in workers:
            w.join(timeout=30)
    figures = report(args, results)
    if cpu is not None:
        writes = sum(len(r["latencies"]) for r in results)
        elapsed = max(r["elapsed"] for r in results)
        figures["cpu_per_write"] = 1000 * cpu * elapsed / args.seconds / max(writes, 1)
        print(f"  server CPU:   {cpu:.1f} s while moving ({100 * cpu / args.seconds:.0f}% of "
              f"one core), {figures['cpu_per_write']:.2f} ms per write")
    return figures


def client_proc(host: str, port: int, board: str, clients: list[int], opts: dict,
                ready, out) -> dict:
    """Run some clients (mover + listener each) in this process; return what they measured."""
    auth = {c: open_link(host, port, opts["link"]) for c in clients}  # one person each
    start = (lambda: ready.wait(timeout=60)) if ready is not None else (lambda: None)
    result = asyncio.run(room(host, port, board, clients, opts, auth, start))
    if out is not None:
        out.put(result)
    return result


def pct(values: list[float], q: float) -> float:
    """The q-th percentile in milliseconds."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def report(args: argparse.Namespace, results: list[dict]) -> dict:
    """Print the figures of every client process together; the main ones, for a summary."""
    shared = Tally(timeline=args.timeline)
    for r in results:
        shared.latencies += r["latencies"]
        shared.delays += r["delays"]
        for second, delays in (r["by_second"] or {}).items():
            shared.by_second.setdefault(second, []).extend(delays)
        shared.failed += r["failed"]
        for status, n in r["why"].items():
            shared.why[status] = shared.why.get(status, 0) + n
        shared.resyncs += r["resyncs"]
        shared.cursor_latencies += r["cursor_latencies"]
        shared.cursor_events += r["cursor_events"]
    elapsed = max(r["elapsed"] for r in results)
    ok = len(shared.latencies)
    expected = ok * (args.clients - 1)
    rate = f"{args.rate:g}/s each" if args.rate > 0 else "flat out"
    pointers = f", pointers {args.cursors:g}/s each" if args.cursors > 0 else ""
    over = " on WebSockets" if getattr(args, "moves", "http") == "socket" else ""
    print(f"Herd load: {args.clients} clients x {elapsed:.1f} s on one board, moves {rate}{over}"
          f"{pointers}, {args.clients} SSE listeners, {len(results)} client process(es)")
    why = ", ".join(f"{n:,} x {'no answer' if s == '0' else s}"
                    for s, n in sorted(shared.why.items()))
    print(f"  writes:       {ok:,} ok, {shared.failed:,} failed{f' ({why})' if why else ''}, "
          f"{ok / elapsed:,.1f} requests/s")
    print(f"  write latency: p50 {pct(shared.latencies, 50):.1f} ms, "
          f"p99 {pct(shared.latencies, 99):.1f} ms, "
          f"mean {1000 * statistics.fmean(shared.latencies or [0]):.1f} ms")
    print(f"  seen by others: p50 {pct(shared.delays, 50):.1f} ms, "
          f"p99 {pct(shared.delays, 99):.1f} ms "
          f"({len(shared.delays):,} of {expected:,} deliveries, {shared.resyncs} resyncs)")
    if shared.by_second:
        first = min(shared.by_second)
        cells = [f"{s - first:>3}s {pct(d, 50):5.0f} /{pct(d, 99):5.0f}"
                 for s, d in sorted(shared.by_second.items())]
        print("  seen by others, each second of sending (p50 / p99 ms):")
        for row in range(0, len(cells), 6):
            print("    " + "   ".join(cells[row:row + 6]))
    if args.cursors > 0:
        n = len(shared.cursor_latencies)
        print(f"  pointers:     {args.cursors:g}/s each, {n:,} sent ({n / elapsed:,.1f}/s), "
              f"p50 {pct(shared.cursor_latencies, 50):.1f} ms, "
              f"p99 {pct(shared.cursor_latencies, 99):.1f} ms; each listener got "
              f"{shared.cursor_events / args.clients / elapsed:.1f} cursor events/s")
    return {"seen_p50": pct(shared.delays, 50), "seen_p99": pct(shared.delays, 99),
            "failed": shared.failed}


if __name__ == "__main__":
    sys.exit(main())
