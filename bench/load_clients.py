"""The people of bench/load.py: one asyncio loop per client process, raw HTTP/1.1 on loopback.

Why not a thread per connection (as load.py had until issue 11's last round): 200 people are
400 connections, and 200 threads per process spent half of each core in the kernel switching
between them (pidstat: 27-50% system time per client process, both cores busy while the server
waited for one). On one loop the same clients cost a fraction of that, so what the figures
measure is the server. The HTTP is the least a browser sends: a request line, the person's
cookie, a JSON body; answers are read by Content-Length, the event stream de-chunked.

Each person starts at a random point of their first period (seeded: the same run twice is
the same schedule). People in a room do not move in step, and clients that all fire in the
same millisecond measure a queue of 200 requests the room never makes: at 200 x 3 moves/s in
lockstep the write p50 was 128-144 ms with the server 80% busy, the wait for the 199 ahead.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import time

from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Ping, Request, TextMessage

ECHO = re.compile(rb'"client":"c(\d+)@([0-9.]+)"')
TIMEOUT = 10.0  # seconds a move may take before it counts as failed (no answer)


class Tally:
    """What one process's clients measured."""

    def __init__(self, timeline: bool = False) -> None:
        self.latencies: list[float] = []
        self.delays: list[float] = []
        # --timeline: the delays again by the second their move was sent (monotonic seconds,
        # one clock for every process), to tell a stall from a worker that falls behind.
        self.by_second: dict[int, list[float]] | None = {} if timeline else None
        self.failed = 0
        self.why: dict[str, int] = {}  # failed requests by HTTP status (0: no answer)
        self.resyncs = 0
        self.cursor_latencies: list[float] = []
        self.cursor_events = 0

    def saw(self, now: float, sent: float) -> None:
        """Another person's move, sent at `sent`, arrived at `now`."""
        self.delays.append(now - sent)
        if self.by_second is not None:
            self.by_second.setdefault(int(sent), []).append(now - sent)

    def fail(self, status: int) -> None:
        self.failed += 1
        self.why[str(status)] = self.why.get(str(status), 0) + 1

    def as_dict(self, elapsed: float) -> dict:
        return {"elapsed": elapsed, **vars(self)}


class Connection:
    """One kept-alive HTTP/1.1 connection: a request, then its whole answer."""

    def __init__(self, host: str, port: int, headers: dict) -> None:
        self.host, self.port = host, port
        self.extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: dict | None, client: str) -> int:
        """Send one JSON request and read its answer; the status (0 when none came)."""
        try:
            return await asyncio.wait_for(self._request(method, path, body, client), TIMEOUT)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            self.close()
            return 0

    async def _request(self, method: str, path: str, body: dict | None, client: str) -> int:
        data = json.dumps(body).encode() if body is not None else b""
        head = (f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
                f"X-Herd-Client: {client}\r\n{self.extra}\r\n").encode()
        reused = self.writer is not None
        if not reused:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(head + data)
        try:
            status, headers = await read_head(self.reader)
        except (OSError, asyncio.IncompleteReadError):
            if not reused:
                raise
            # The server closed the idle kept-alive connection (gunicorn's keepalive is 2 s)
            # before it read this request: a browser sends it again on a new one.
            self.close()
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            self.writer.write(head + data)
            status, headers = await read_head(self.reader)
        length = int(headers.get(b"content-length", b"0"))
        if length:
            await self.reader.readexactly(length)
        if headers.get(b"connection", b"").lower() == b"close":
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def read_head(reader: asyncio.StreamReader) -> tuple[int, dict[bytes, bytes]]:
    """The status and headers (names lower-cased) of an HTTP/1.1 answer."""
    raw = await reader.readuntil(b"\r\n\r\n")
    lines = raw.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name:
            headers[name.strip().lower()] = value.strip()
    return status, headers


class Socket:
    """One tab's WebSocket (/api/boards/<id>/socket), as board.js opens it: batches of ops out,
    their answers back in order."""

    def __init__(self, host: str, port: int, board: str, auth: dict) -> None:
        self.host, self.port, self.board, self.auth = host, port, board, auth
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.pending: list = []

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(self.ws.send(Request(
            host=f"{self.host}:{self.port}", target=f"/api/boards/{self.board}/socket",
            extra_headers=[(k.encode(), v.encode()) for k, v in self.auth.items()])))
        while True:
            data = await self.reader.read(65536)
            if not data:
                raise SystemExit("the board's socket closed during its handshake")
            self.ws.receive_data(data)
            for event in self.ws.events():
                if isinstance(event, AcceptConnection):
                    return
                raise SystemExit(f"the board's socket refused its handshake: {event}")

    async def ask(self, message: dict) -> int:
        """Send one batch and read its answer: 200, its error's status, or 0 (none came)."""
        if self.writer is None:
            return 0  # closed after a failure: a page would be on HTTP by now
        try:
            return await asyncio.wait_for(self._ask(message), TIMEOUT)
        except (TimeoutError, OSError, ValueError):
            self.close()
            return 0

    async def _ask(self, message: dict) -> int:
        self.writer.write(self.ws.send(TextMessage(data=json.dumps(message))))
        parts: list[str] = []
        while True:
            while self.pending:
                event = self.pending.pop(0)
                if isinstance(event, TextMessage):
                    parts.append(event.data)
                    if event.message_finished:
                        answer = json.loads("".join(parts))
                        return 200 if "result" in answer else answer["error"]["status"]
                elif isinstance(event, Ping):
                    self.writer.write(self.ws.send(event.response()))
                elif isinstance(event, CloseConnection):
                    raise OSError(f"the server closed the socket ({event.code})")
            data = await self.reader.read(65536)
            if not data:
                raise OSError("the server closed the socket")
            self.ws.receive_data(data)
            self.pending.extend(self.ws.events())

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


async def mover(conn: Connection, board: str, c: int, opts: dict, tally: Tally,
                stop: asyncio.Event) -> None:
    """One person dragging their notes: PATCH x, y, at `rate` per second, on the
    connection their page loaded the board on."""
    async def send(i: int, note: str, fields: dict, t_send: float) -> int:
        return await conn.request("PATCH", f"/api/boards/{board}/notes/{note}", fields,
                                  f"c{c}@{t_send:.6f}")
    await drag(c, opts, tally, stop, send)
    conn.close()


async def socket_mover(sock: Socket, c: int, opts: dict, tally: Tally,
                       stop: asyncio.Event) -> None:
    """mover(), with each move a one-op batch on the tab's socket, as board.js sends it."""
    async def send(i: int, note: str, fields: dict, t_send: float) -> int:
        return await sock.ask({"id": i, "client": f"c{c}@{t_send:.6f}", "ops": [
            {"op": "update", "kind": "note", "id": note, "fields": fields}]})
    await drag(c, opts, tally, stop, send)
    sock.close()


async def drag(c: int, opts: dict, tally: Tally, stop: asyncio.Event, send) -> None:
    """Person c's moves at `rate` per second until `stop`, each `send(i, note, fields,
    t_send)` -> its status, timed."""
    period = 1 / opts["rate"] if opts["rate"] > 0 else 0
    loop = asyncio.get_running_loop()
    next_at = loop.time() + random.Random(c).uniform(0, period)
    await asyncio.sleep(next_at - loop.time())
    i = 0
    while not stop.is_set():
        i += 1
        t_send = time.monotonic()
        status = await send(i, f"c{c}-n{i % opts['notes']}",
                            {"x": c * 200 + i % 100, "y": (i % 100) * 3.0}, t_send)
        if 200 <= status < 300:
            tally.latencies.append(time.monotonic() - t_send)
        else:
            tally.fail(status)
        if period:
            next_at += period
            await asyncio.sleep(max(0.0, next_at - loop.time()))


async def pointer(host: str, port: int, board: str, c: int, opts: dict, auth: dict,
                  tally: Tally, stop: asyncio.Event) -> None:
    """One person's pointer: POST its position `cursors` times a second, as the page does."""
    conn = Connection(host, port, auth)
    period = 1 / opts["cursors"]
    loop = asyncio.get_running_loop()
    next_at = loop.time() + random.Random(-1 - c).uniform(0, period)
    await asyncio.sleep(next_at - loop.time())
    i = 0
    while not stop.is_set():
        i += 1
        t_send = time.monotonic()
        status = await conn.request("POST", f"/api/boards/{board}/cursor",
                                    {"x": c * 200 + i % 50, "y": i % 70}, f"p{c}")
        if status == 204:
            tally.cursor_latencies.append(time.monotonic() - t_send)
        else:
            tally.fail(status)
        next_at += period
        await asyncio.sleep(max(0.0, next_at - loop.time()))
    conn.close()


class Listener:
    """One person's event stream: how long after sending it saw the others' moves."""

    def __init__(self, host: str, port: int, board: str, c: int, auth: dict,
                 tally: Tally) -> None:
        self.host, self.port, self.board, self.auth = host, port, board, auth
        self.me = str(c).encode()
        self.tally = tally
        self.ready = asyncio.Event()
        self.writer: asyncio.StreamWriter | None = None

    async def run(self) -> None:
        reader, self.writer = await asyncio.open_connection(self.host, self.port)
        extra = "".join(f"{k}: {v}\r\n" for k, v in self.auth.items())
        self.writer.write(f"GET /api/boards/{self.board}/events HTTP/1.1\r\n"
                          f"Host: {self.host}\r\nAccept: text/event-stream\r\n{extra}\r\n"
                          .encode())
        status, headers = await read_head(reader)
        if status != 200:
            raise SystemExit(f"the event stream answered {status}")
        chunked = headers.get(b"transfer-encoding", b"").lower() == b"chunked"
        self.ready.set()
        rest = b""
        try:
            while True:
                if chunked:
                    size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                    if size == 0:
                        return
                    data = (await reader.readexactly(size + 2))[:-2]
                else:
                    data = await reader.read(65536)
                    if not data:
                        return
                lines = (rest + data).split(b"\n")
                rest = lines.pop()  # an unfinished line waits for the next chunk
                now = time.monotonic()
                for line in lines:
                    if line.startswith(b"data: "):
                        self.seen(line, now)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            return  # closed by close() at the end of the run

    def seen(self, line: bytes, now: float) -> None:
        """One SSE data line that arrived at `now`."""
        tally = self.tally
        if line.startswith(b'data: {"type":"batch"'):
            # One tick of a busy board: every event in it arrived now.
            tally.cursor_events += line.count(b'{"type":"cursors"')
            for who, sent in ECHO.findall(line):
                if who != self.me:
                    tally.saw(now, float(sent))
            return
        if line.startswith(b'data: {"type":"resync"'):
            tally.resyncs += 1
        elif line.startswith(b'data: {"type":"cursors"'):
            tally.cursor_events += 1
        echo = ECHO.search(line, 0, 120)  # "client" comes before "changes"
        if echo and echo.group(1) != self.me:
            tally.saw(now, float(echo.group(2)))

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def room(host: str, port: int, board: str, clients: list[int], opts: dict,
               auth: dict[int, dict], start) -> dict:
    """This process's people: listen, wait for `start()` (every process ready), move."""
    tally, stop = Tally(opts.get("timeline", False)), asyncio.Event()
    # As a browser does: the page reads the board, then opens its event stream.
    pages = {c: Connection(host, port, auth[c]) for c in clients}
    for c, conn in pages.items():
        status = await conn.request("GET", f"/api/boards/{board}", None, f"c{c}")
        if status != 200:
            raise SystemExit(f"reading the board answered {status}")
    listeners = [Listener(host, port, board, c, auth[c], tally) for c in clients]
    streams = [asyncio.create_task(lst.run()) for lst in listeners]
    await asyncio.wait_for(asyncio.gather(*(lst.ready.wait() for lst in listeners)), 60)
    if opts.get("moves") == "socket":  # the page opens its socket once it has the board
        sockets = {c: Socket(host, port, board, auth[c]) for c in clients}
        await asyncio.gather(*(s.open() for s in sockets.values()))
    await asyncio.to_thread(start)
    if opts.get("moves") == "socket":
        tasks = [socket_mover(sockets[c], c, opts, tally, stop) for c in clients]
    else:
        tasks = [mover(pages[c], board, c, opts, tally, stop) for c in clients]
    if opts["cursors"] > 0:
        tasks += [pointer(host, port, board, c, opts, auth[c], tally, stop) for c in clients]
    t0 = time.monotonic()
    running = [asyncio.create_task(t) for t in tasks]
    await asyncio.sleep(opts["seconds"])
    stop.set()
    await asyncio.wait(running, timeout=TIMEOUT + 5)
    elapsed = time.monotonic() - t0
    await asyncio.sleep(1)  # let the last events arrive
    for lst in listeners:
        lst.close()
    await asyncio.wait(streams, timeout=10)
    return tally.as_dict(elapsed)
