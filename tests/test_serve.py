"""`herd serve --no-ai` in a subprocess: gunicorn + gevent holds 100+ live connections."""

from __future__ import annotations

import http.client
import json
import os
import selectors
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

LISTENERS = 120


def call(server, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    """One JSON request as the owner; (status, body)."""
    req = urllib.request.Request(server.url + path, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json", **server.headers})
    with urllib.request.urlopen(req, timeout=10) as r:
        raw = r.read()
        return r.status, (json.loads(raw) if raw else {})


def open_stream(server, board: str) -> socket.socket:
    """A raw SSE connection as the owner; the request is sent, nothing read yet."""
    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    s.sendall(f"GET /api/boards/{board}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              f"Authorization: Bearer {server.token}\r\n"
              "Accept: text/event-stream\r\n\r\n".encode())
    return s


def read_until(socks: list[socket.socket], needle: bytes, timeout: float) -> dict:
    """Read from every socket until each has shown `needle`; returns socket -> bytes seen."""
    seen = {s: b"" for s in socks}
    sel = selectors.DefaultSelector()
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    waiting = set(socks)
    deadline = time.monotonic() + timeout
    while waiting and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.5):
            chunk = key.fileobj.recv(65536)
            seen[key.fileobj] += chunk
            if needle in seen[key.fileobj] or not chunk:
                waiting.discard(key.fileobj)
                sel.unregister(key.fileobj)
    sel.close()
    return seen


def events_in(raw: bytes) -> list[dict]:
    """Every event in the SSE data lines seen, a batch message's events one by one."""
    out = []
    for line in raw.split(b"\n"):
        if line.startswith(b"data: "):
            data = json.loads(line[len(b"data: "):])
            out += data["events"] if data["type"] == "batch" else [data]
    return out


def test_serve_holds_many_streams_and_still_answers(herd_server, tmp_path):
    server = herd_server(str(tmp_path / "serve.db"))
    _, board = call(server, "POST", "/api/boards", {"name": "crowd"})
    socks = [open_stream(server, board["id"]) for _ in range(LISTENERS)]
    try:
        # Every stream is open: headers and the retry line arrive at once (no buffering).
        opened = read_until(socks, b"retry: 2000", timeout=30)
        assert all(b"200 OK" in v and b"retry: 2000" in v for v in opened.values())
        head = next(iter(opened.values())).lower()
        assert b"text/event-stream" in head and b"x-accel-buffering: no" in head
        assert b"cache-control: no-cache" in head

        # A body over 1 MB gets the JSON 413 from the real server too.
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        conn.request("POST", f"/api/boards/{board['id']}/ops", b"x" * 1_500_000,
                     {"Content-Type": "application/json", **server.headers})
        resp = conn.getresponse()
        assert resp.status == 413 and json.loads(resp.read())["error"]["code"] == "too_large"
        conn.close()

        # A write is still answered while the streams are open...
        status, note = call(server, "POST", f"/api/boards/{board['id']}/notes",
                            {"text": "hello, crowd", "id": "hello"})
        assert status == 201
        # ...and its event reaches every listener.
        got = read_until(socks, b'"id":"hello"', timeout=30)
        missing = [s for s, v in got.items() if b'"id":"hello"' not in v]
        assert not missing, f"{len(missing)} of {LISTENERS} listeners did not see the write"

        # The last presence count any listener saw is the whole crowd.
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        conn.request("GET", f"/api/boards/{board['id']}", headers=server.headers)
        assert conn.getresponse().status == 200
        conn.close()
        presence = [ev["count"] for ev in events_in(opened[socks[-1]] + got[socks[-1]])
                    if ev["type"] == "presence"]
        assert presence and presence[-1] == LISTENERS
    finally:
        for s in socks:
            s.close()
    server.stop()
    assert server.proc.returncode == 0
    assert "Traceback" not in server.output() and "Error" not in server.output()


def test_presence_drops_as_soon_as_a_listener_leaves(herd_server, tmp_path):
    server = herd_server(str(tmp_path / "presence.db"))
    _, board = call(server, "POST", "/api/boards", {"name": "who"})
    stay, leave = open_stream(server, board["id"]), open_stream(server, board["id"])
    try:
        assert read_until([stay], b'"count":2', timeout=10)[stay].count(b'"count":2') == 1
        leave.close()
        seen = read_until([stay], b'"count":1', timeout=10)[stay]
        # Noticed from the closed socket itself, not by a ping written into it (pings come
        # every 15 s, and the stream that stayed has had none yet).
        assert b'"count":1' in seen and b": ping" not in seen
        # The server still answers, and the stream that stayed still streams.
        call(server, "POST", f"/api/boards/{board['id']}/notes", {"text": "x", "id": "n"})
        assert b'"id":"n"' in read_until([stay], b'"id":"n"', timeout=10)[stay]
    finally:
        stay.close()
        leave.close()
    server.stop()
    assert "Traceback" not in server.output() and "Error" not in server.output()


def test_pointers_are_batched_and_delivered_under_gevent(herd_server, tmp_path):
    """The cursor flusher is a greenlet under `herd serve`: it must start, send, and stop."""
    server = herd_server(str(tmp_path / "pointers.db"))
    _, board = call(server, "POST", "/api/boards", {"name": "pointers"})
    listener = open_stream(server, board["id"])
    try:
        read_until([listener], b'"presence"', timeout=10)
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        for i in range(20):  # one person's pointer, moving fast
            conn.request("POST", f"/api/boards/{board['id']}/cursor",
                         json.dumps({"x": i, "y": 2 * i}),
                         {"Content-Type": "application/json", "X-Herd-Client": "tab-a",
                          **server.headers})
            assert conn.getresponse().read() == b""
        seen = read_until([listener], b'[19.0,38.0,', timeout=10)[listener]
        assert b'"type":"cursors"' in seen and b'"tab-a":[19.0,38.0,""]' in seen
        assert seen.count(b'"type":"cursors"') < 20  # batched, not one event per move
        conn.request("POST", f"/api/boards/{board['id']}/cursor", json.dumps({"gone": True}),
                     {"Content-Type": "application/json", "X-Herd-Client": "tab-a",
                      **server.headers})
        resp = conn.getresponse()
        assert resp.status == 204 and resp.read() == b""
        assert b'"gone":["tab-a"]' in read_until([listener], b'"gone":["tab-a"]', 10)[listener]
        # After a quiet spell the flusher has stopped; the next pointer starts a new one.
        time.sleep(0.5)
        conn.request("POST", f"/api/boards/{board['id']}/cursor", json.dumps({"x": 7, "y": 7}),
                     {"Content-Type": "application/json", "X-Herd-Client": "tab-b",
                      **server.headers})
        assert conn.getresponse().status == 204
        assert b'"tab-b":[7.0,7.0,""]' in read_until([listener], b'"tab-b"', timeout=10)[listener]
        conn.close()
    finally:
        listener.close()
    server.stop()
    assert "Traceback" not in server.output() and "Error" not in server.output()


def test_a_bad_database_path_fails_fast_with_one_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    herd = Path(sys.executable).with_name("herd")
    r = subprocess.run([str(herd), "serve", "--no-ai", "--db", str(blocker / "herd.db"),
                        "--port", "1"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert r.stderr.startswith("herd serve: cannot use the database ")
    assert "Traceback" not in r.stderr


def test_unprepared_models_say_what_to_run_without_a_traceback(tmp_path):
    herd = Path(sys.executable).with_name("herd")
    env = {**os.environ, "HERD_CACHE_DIR": str(tmp_path / "empty-cache")}
    r = subprocess.run([str(herd), "serve", "--db", str(tmp_path / "h.db"), "--port", "1"],
                       capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 2
    assert "herd models prepare" in r.stderr and "--no-ai" in r.stderr
    assert "Traceback" not in r.stderr


def test_serve_prints_the_owner_link_and_a_room_gets_the_lan_address(herd_server, tmp_path):
    local = herd_server(str(tmp_path / "local.db"))
    assert f"Herd is on http://127.0.0.1:{local.port}/?token={local.token}" in local.output()
    assert "plain HTTP" not in local.output()
    room = herd_server(str(tmp_path / "room.db"), "--host", "0.0.0.0")
    line = next(ln for ln in room.output().splitlines() if ln.startswith("Herd is on "))
    host = line.split("//", 1)[1].split(":", 1)[0]
    assert host not in ("0.0.0.0", "127.0.0.1") and line.endswith(f"?token={room.token}")
    assert "plain HTTP" in room.output() and "TLS reverse proxy" in room.output()
    # The name in the printed link is one Herd answers to; links start with it too.
    status, board = call(room, "POST", "/api/boards", {"name": "room"})
    req = urllib.request.Request(f"{room.url}/api/boards/{board['id']}/links",
                                 headers={"Host": f"{host}:{room.port}", **room.headers})
    with urllib.request.urlopen(req, timeout=10) as r:
        links = json.loads(r.read())
    assert links["editor"].startswith(f"http://{host}:{room.port}/b/{board['id']}?key=")


def dechunk(raw: bytes) -> bytes:
    """The body of a chunked HTTP/1.1 answer read so far; fails on a malformed chunk."""
    body, rest = bytearray(), raw.split(b"\r\n\r\n", 1)[1]
    while rest:
        size_line, sep, rest = rest.partition(b"\r\n")
        if not sep:
            break  # the read stopped inside a size line
        size = int(size_line, 16)  # a chunk boundary that is not a size line fails here
        if len(rest) < size + 2:
            break  # the read stopped inside this chunk
        assert rest[size:size + 2] == b"\r\n", "a chunk's data does not end where it said"
        body += rest[:size]
        rest = rest[size + 2:]
    return bytes(body)


NOTES = 500


def test_a_listener_that_reads_slowly_gets_every_frame_whole_and_in_order(herd_server, tmp_path):
    """The fan-out writes frames to a waiting stream's socket itself (live/direct.py); a
    socket too full to take a frame whole owes the rest, which must go before anything else."""
    server = herd_server(str(tmp_path / "slow.db"))
    _, board = call(server, "POST", "/api/boards", {"name": "slow"})
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a reader on a slow link
    s.settimeout(10)
    s.connect(("127.0.0.1", server.port))
    s.sendall(f"GET /api/boards/{board['id']}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              f"Authorization: Bearer {server.token}\r\n\r\n".encode())
    try:
        head = read_until([s], b"retry: 2000", timeout=10)[s]
        assert b"retry: 2000" in head
        # 4.5 MB: more than the server's socket buffer grows to (4 MB at most on Linux).
        texts = {f"n{i}": f"{i} " + "x" * 9000 for i in range(NOTES)}
        for i, (note_id, text) in enumerate(texts.items()):
            call(server, "POST", f"/api/boards/{board['id']}/notes",
                 {"id": note_id, "text": text, "x": i})
        raw = head + read_until([s], f'"id":"n{NOTES - 1}"'.encode(), timeout=30)[s]
        s.settimeout(10)
        while not raw.endswith(b"\n\n\r\n"):  # the rest of the chunk holding the last
            raw += s.recv(65536)
    finally:
        s.close()
    events = events_in(dechunk(raw))
    seqs = [e["seq"] for e in events if "seq" in e]
    assert seqs == sorted(set(seqs)), "events repeated or out of order"
    seen = {c["item"]["id"]: c["item"]["text"] for e in events if e["type"] == "changes"
            for c in e["changes"]}
    assert seen == texts
    server.stop()
    assert "Traceback" not in server.output()


def test_serve_lifts_its_open_files_limit_for_a_room(herd_server, tmp_path):
    """Started with a desktop's 1,024 open files, herd serve runs with its hard limit (at most
    65,536): two or three connections a person would refuse a 500-person room otherwise."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert hard == resource.RLIM_INFINITY or hard > 1024, "this machine's hard limit is 1,024"
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))
    try:
        server = herd_server(str(tmp_path / "files.db"))
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    line = next(x for x in Path(f"/proc/{server.proc.pid}/limits").read_text().splitlines()
                if x.startswith("Max open files"))
    want = 65_536 if hard == resource.RLIM_INFINITY else min(hard, 65_536)
    assert int(line.split()[3]) == want, line
