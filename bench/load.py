"""Load on loopback: N clients moving notes on one board, each with a live listener.

    .venv/bin/python bench/load.py                   # starts `herd serve --no-ai` on a temp DB
    .venv/bin/python bench/load.py --clients 50 --seconds 30 --rate 10
    .venv/bin/python bench/load.py --url http://127.0.0.1:8000
    .venv/bin/python bench/load.py --cursors 10 --baseline   # pointers too, vs without them

Prints writes per second, p50/p99 write latency, and p50/p99 delay from a client sending a
move until each *other* client's SSE stream delivers it. Each move's X-Herd-Client header is
"c<client>@<send time>": the server echoes it in the live event, so a listener in any
process knows when the move was sent (time.monotonic is one clock for the whole machine).
With --cursors, every client also sends its pointer position that many times a second (as
the board page does while the mouse moves) and the pointer requests' latency is printed.
"""

from __future__ import annotations

import argparse
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
import threading
import time
import urllib.parse
from pathlib import Path

ECHO = re.compile(rb'"client":"c(\d+)@([0-9.]+)"')


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
    args = p.parse_args(argv)

    if args.url:
        host = urllib.parse.urlsplit(args.url)
        if host.hostname not in ("127.0.0.1", "localhost", "::1"):
            sys.exit("bench/load.py stays on loopback: give a 127.0.0.1 URL.")
        phases(host.hostname, host.port or 80, args)
        return 0
    with tempfile.TemporaryDirectory(prefix="herd-bench-") as tmp:
        server, port = start_server(Path(tmp) / "bench.db")
        try:
            phases("127.0.0.1", port, args)
        finally:
            stop_server(server)
    return 0


def start_server(db: Path, ai: bool = False) -> tuple[subprocess.Popen, int]:
    """`herd serve` (`--no-ai` unless asked) on a free loopback port, in its own process
    group."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    herd = Path(sys.executable).with_name("herd")
    cmd = [str(herd), "serve", "--db", str(db), "--port", str(port)] + ([] if ai else ["--no-ai"])
    proc = subprocess.Popen(cmd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    for _ in range(1200):  # the bundled models may take a while on a busy machine
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, port
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
            client: str = "bench") -> tuple[int, dict]:
    """One JSON request on a kept-alive connection."""
    conn.request(method, path, json.dumps(body),
                 {"Content-Type": "application/json", "X-Herd-Client": client})
    resp = conn.getresponse()
    raw = resp.read()
    return resp.status, (json.loads(raw) if raw else {})


def phases(host: str, port: int, args: argparse.Namespace) -> None:
    """The run asked for, after the same run without pointers when --baseline is given."""
    if args.baseline and args.cursors > 0:
        run(host, port, argparse.Namespace(**{**vars(args), "cursors": 0}))
        print()
    run(host, port, args)


def run(host: str, port: int, args: argparse.Namespace) -> None:
    """Make the board, run the client processes, print the figures."""
    conn = http.client.HTTPConnection(host, port, timeout=10)
    _, board = request(conn, "POST", "/api/boards", {"name": f"bench {time.ctime()}"})
    b = board["id"]
    ops = [{"op": "create", "kind": "note", "id": f"c{c}-n{n}",
            "fields": {"text": f"client {c} note {n}", "x": c * 200, "y": n * 150}}
           for c in range(args.clients) for n in range(args.notes)]
    status, created = request(conn, "POST", f"/api/boards/{b}/ops", {"ops": ops})
    assert status == 200, created
    conn.close()

    procs = max(1, min(args.procs, args.clients))
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
        results = [out.get(timeout=args.seconds + 120) for _ in workers]
        for w in workers:
            w.join(timeout=30)
    report(args, results)


def client_proc(host: str, port: int, board: str, clients: list[int], opts: dict,
                ready, out) -> dict:
    """Run some clients (mover + listener each) in this process; return what they measured."""
    sys.setswitchinterval(0.0005)  # many threads: do not let one hold the GIL for 5 ms
    args = argparse.Namespace(**opts)
    shared = Shared()
    stop = threading.Event()
    listeners = [Listener(host, port, board, c, shared) for c in clients]
    for t in listeners:
        t.start()
    for t in listeners:
        t.ready.wait(10)
    if ready is not None:
        ready.wait(timeout=60)
    writers = [threading.Thread(target=move_loop, daemon=True,
                                args=(host, port, board, c, args, shared, stop))
               for c in clients]
    if args.cursors > 0:
        writers += [threading.Thread(target=cursor_loop, daemon=True,
                                     args=(host, port, board, c, args, shared, stop))
                    for c in clients]
    t0 = time.monotonic()
    for t in writers:
        t.start()
    time.sleep(args.seconds)
    stop.set()
    for t in writers:
        t.join(timeout=15)
    elapsed = time.monotonic() - t0
    time.sleep(1)  # let the last events arrive
    for t in listeners:
        t.close()
    result = {"elapsed": elapsed, "latencies": shared.latencies, "delays": shared.delays,
              "failed": shared.failed, "resyncs": shared.resyncs,
              "cursor_latencies": shared.cursor_latencies, "cursor_events": shared.cursor_events}
    if out is not None:
        out.put(result)
    return result


class Shared:
    """What one process's threads record."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.delays: list[float] = []
        self.failed = 0
        self.resyncs = 0
        self.cursor_latencies: list[float] = []
        self.cursor_events = 0
        self.lock = threading.Lock()


def move_loop(host: str, port: int, board: str, c: int, args: argparse.Namespace,
              shared: Shared, stop: threading.Event) -> None:
    """One client dragging its notes: PATCH x, y, at `rate` per second."""
    conn = http.client.HTTPConnection(host, port, timeout=10)
    period = 1 / args.rate if args.rate > 0 else 0
    i = 0
    next_at = time.monotonic()
    while not stop.is_set() and i < 10_000_000:
        i += 1
        note_id = f"c{c}-n{i % args.notes}"
        t_send = time.monotonic()
        try:
            status, _ = request(conn, "PATCH", f"/api/boards/{board}/notes/{note_id}",
                                {"x": c * 200 + i % 100, "y": (i % 100) * 3.0},
                                client=f"c{c}@{t_send:.6f}")
        except (OSError, http.client.HTTPException):
            status = 0
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=10)
        t_done = time.monotonic()
        with shared.lock:
            if 200 <= status < 300:
                shared.latencies.append(t_done - t_send)
            else:
                shared.failed += 1
        if period:
            next_at += period
            time.sleep(max(0.0, next_at - time.monotonic()))
    conn.close()


def cursor_loop(host: str, port: int, board: str, c: int, args: argparse.Namespace,
                shared: Shared, stop: threading.Event) -> None:
    """One client's pointer: POST its position `cursors` times a second, as the page does."""
    conn = http.client.HTTPConnection(host, port, timeout=10)
    period = 1 / args.cursors
    next_at = time.monotonic()
    i = 0
    while not stop.is_set():
        i += 1
        t_send = time.monotonic()
        try:
            status, _ = request(conn, "POST", f"/api/boards/{board}/cursor",
                                {"x": c * 200 + i % 50, "y": i % 70}, client=f"p{c}")
        except (OSError, http.client.HTTPException):
            status = 0
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=10)
        with shared.lock:
            if status == 204:
                shared.cursor_latencies.append(time.monotonic() - t_send)
            else:
                shared.failed += 1
        next_at += period
        time.sleep(max(0.0, next_at - time.monotonic()))
    conn.close()


class Listener(threading.Thread):
    """One client's SSE stream: records how long after sending it saw others' moves."""

    def __init__(self, host: str, port: int, board: str, client: int, shared: Shared) -> None:
        super().__init__(daemon=True)
        self.host, self.port, self.board, self.client = host, port, board, client
        self.shared = shared
        self.ready = threading.Event()
        self.conn: http.client.HTTPConnection | None = None

    def run(self) -> None:
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        self.conn.request("GET", f"/api/boards/{self.board}/events")
        resp = self.conn.getresponse()
        self.ready.set()
        me = str(self.client).encode()
        delays: list[float] = []
        resyncs = cursor_events = 0
        try:
            for _ in range(100_000_000):
                line = resp.readline()
                if not line:
                    break
                if not line.startswith(b"data: "):
                    continue
                now = time.monotonic()
                if line.startswith(b'data: {"type":"resync"'):
                    resyncs += 1
                elif line.startswith(b'data: {"type":"cursors"'):
                    cursor_events += 1
                echo = ECHO.search(line, 0, 120)  # "client" comes before "changes"
                if echo and echo.group(1) != me:
                    delays.append(now - float(echo.group(2)))
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            pass  # closed by close() at the end of the run
        with self.shared.lock:
            self.shared.delays.extend(delays)
            self.shared.resyncs += resyncs
            self.shared.cursor_events += cursor_events

    def close(self) -> None:
        if self.conn is not None and self.conn.sock is not None:
            self.conn.sock.shutdown(socket.SHUT_RDWR)
        self.join(timeout=10)


def pct(values: list[float], q: float) -> float:
    """The q-th percentile in milliseconds."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def report(args: argparse.Namespace, results: list[dict]) -> None:
    """Print the figures of every client process together."""
    shared = Shared()
    for r in results:
        shared.latencies += r["latencies"]
        shared.delays += r["delays"]
        shared.failed += r["failed"]
        shared.resyncs += r["resyncs"]
        shared.cursor_latencies += r["cursor_latencies"]
        shared.cursor_events += r["cursor_events"]
    elapsed = max(r["elapsed"] for r in results)
    ok = len(shared.latencies)
    expected = ok * (args.clients - 1)
    rate = f"{args.rate:g}/s each" if args.rate > 0 else "flat out"
    pointers = f", pointers {args.cursors:g}/s each" if args.cursors > 0 else ""
    print(f"Herd load: {args.clients} clients x {elapsed:.1f} s on one board, moves {rate}"
          f"{pointers}, {args.clients} SSE listeners, {len(results)} client process(es)")
    print(f"  writes:       {ok:,} ok, {shared.failed:,} failed, {ok / elapsed:,.1f} requests/s")
    print(f"  write latency: p50 {pct(shared.latencies, 50):.1f} ms, "
          f"p99 {pct(shared.latencies, 99):.1f} ms, "
          f"mean {1000 * statistics.fmean(shared.latencies or [0]):.1f} ms")
    print(f"  seen by others: p50 {pct(shared.delays, 50):.1f} ms, "
          f"p99 {pct(shared.delays, 99):.1f} ms "
          f"({len(shared.delays):,} of {expected:,} deliveries, {shared.resyncs} resyncs)")
    if args.cursors > 0:
        n = len(shared.cursor_latencies)
        print(f"  pointers:     {args.cursors:g}/s each, {n:,} sent ({n / elapsed:,.1f}/s), "
              f"p50 {pct(shared.cursor_latencies, 50):.1f} ms, "
              f"p99 {pct(shared.cursor_latencies, 99):.1f} ms; each listener got "
              f"{shared.cursor_events / args.clients / elapsed:.1f} cursor events/s")


if __name__ == "__main__":
    sys.exit(main())
