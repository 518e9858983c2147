"""`herd serve`: requests gunicorn refuses before the app sees them still answer in the JSON
error shape (its own pages are HTML)."""

from __future__ import annotations

import gc
import json
import socket
import threading
from types import SimpleNamespace

from gunicorn import util
from gunicorn.http import wsgi

from server.commands import worker

HEAD = b"Host: 127.0.0.1\r\nContent-Type: application/json\r\n"
RAW: list[tuple[str, bytes, int]] = [
    ("URL past the request-line limit",
     b"GET /api/boards?q=" + b"a" * 5000 + b" HTTP/1.1\r\n" + HEAD + b"\r\n", 414),
    ("no path or version", b"GET\r\n\r\n", 400),
    ("method with symbols", b"G@T /api/boards HTTP/1.1\r\n" + HEAD + b"\r\n", 400),
    ("unknown HTTP version", b"GET /api/boards HTTP/9.9\r\n" + HEAD + b"\r\n", 400),
    ("header line without a colon",
     b"GET /api/boards HTTP/1.1\r\n" + HEAD + b"No colon here\r\n\r\n", 400),
    ("header name with brackets",
     b"GET /api/boards HTTP/1.1\r\n" + HEAD + b"Bad[Name]: 1\r\n\r\n", 400),
    ("one header past the field-size limit",
     b"GET /api/boards HTTP/1.1\r\n" + HEAD + b"X-Big: " + b"a" * 9000 + b"\r\n\r\n", 431),
    ("more headers than the limit",
     b"GET /api/boards HTTP/1.1\r\n" + HEAD
     + b"".join(b"X-H%d: 1\r\n" % i for i in range(120)) + b"\r\n", 431),
    ("transfer coding gunicorn does not take",
     b"POST /api/boards HTTP/1.1\r\n" + HEAD + b"Transfer-Encoding: gzip\r\n\r\n", 400),
    ("chunked body with a bad chunk size",
     b"POST /api/boards HTTP/1.1\r\n" + HEAD + b"Transfer-Encoding: chunked\r\n\r\n"
     b"zz\r\n{}\r\n0\r\n\r\n", 400),
]


def exchange(port: int, data: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes, read the whole answer (the server closes after an error)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        got = b""
        while chunk := s.recv(65536):
            got += chunk
    head, _, body = got.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


def test_gunicorn_refusals_are_json_in_the_one_error_shape(herd_server, tmp_path):
    server = herd_server(str(tmp_path / "raw.db"))
    owner = HEAD + f"Authorization: Bearer {server.token}\r\n".encode()
    for what, data, status in RAW:
        # As the owner: what the app would refuse, gunicorn's refusal must answer first.
        got, headers, body = exchange(server.port, data.replace(HEAD, owner))
        assert got == status, (what, body[:300])
        assert headers["content-type"].startswith("application/json"), (what, headers)
        err = json.loads(body)["error"]
        assert err["status"] == status and err["code"] and err["message"].endswith("."), what
    # And the server still serves after all of that.
    got, _, body = exchange(server.port, b"GET /api/boards HTTP/1.1\r\n" + owner
                            + b"Connection: close\r\n\r\n")
    assert got == 200 and "boards" in json.loads(body)


def test_describe_sends_the_app_own_bad_headers_to_500():
    from gunicorn.config import Config
    from gunicorn.http.errors import InvalidResponseHeaderName, LimitRequestLine

    cfg = Config()
    assert describe_status(InvalidResponseHeaderName("x"), cfg) == 500
    assert describe_status(LimitRequestLine(5000, cfg.limit_request_line), cfg) == 414
    assert describe_status(RuntimeError("bug"), cfg) == 500


def describe_status(exc: BaseException, cfg) -> int:
    return worker.describe(exc, cfg)[0]


def _serving(monkeypatch, probe):
    """Run HerdWorker.run up to where gunicorn would serve, calling `probe` there; undo
    what run() changed in this process (the Response class, the freeze, GC thresholds)."""
    from gunicorn.workers.ggevent import GeventWorker

    before = gc.get_threshold()
    monkeypatch.setattr(wsgi, "Response", wsgi.Response)
    monkeypatch.setattr(GeventWorker, "run", lambda self: probe())
    try:
        worker.HerdWorker.run(object.__new__(worker.HerdWorker))
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
    return before


def test_the_worker_freezes_what_it_loaded_before_serving(monkeypatch):
    """Objects alive when the worker starts serving (the app, its modules) are left out of
    every later collection: a full collection of them stopped the event loop ~90 ms."""
    frozen_when_serving: list[int] = []
    _serving(monkeypatch, lambda: frozen_when_serving.append(gc.get_freeze_count()))
    assert frozen_when_serving and frozen_when_serving[0] > 10_000


def test_the_worker_collects_its_young_objects_less_often_than_cpython(monkeypatch):
    """700 allocations (CPython's default) collected a busy worker's in-flight requests 30
    times a second and set off a full collection every few seconds (bench/gc_pauses.py)."""
    serving: list[tuple[int, ...]] = []
    before = _serving(monkeypatch, lambda: serving.append(gc.get_threshold()))
    assert serving == [(worker.YOUNG_THRESHOLD, *before[1:])]
    assert worker.YOUNG_THRESHOLD > 10 * 700
    assert gc.get_threshold() == before


def test_the_worker_frames_its_responses_with_one_vectored_send(monkeypatch):
    seen: list[type] = []
    _serving(monkeypatch, lambda: seen.append(wsgi.Response))
    assert seen == [worker.HerdResponse]


def chunked_bytes(data: list[bytes], ssl: bool = False) -> bytes:
    """What a HerdResponse writes for `data` on a chunked HTTP/1.1 response (no headers)."""
    a, b = socket.socketpair()
    a.settimeout(10)  # non-blocking underneath, as under gevent: a send may be partial
    with a, b:
        cfg = SimpleNamespace(is_ssl=ssl)
        resp = object.__new__(worker.HerdResponse)
        resp.sock, resp.cfg, resp.chunked = a, cfg, True
        got = bytearray()
        reader = threading.Thread(target=lambda: _read_all(b, got))
        reader.start()
        for d in data:
            resp._emit_body(d)
        a.shutdown(socket.SHUT_WR)
        reader.join(10)
    return bytes(got)


def _read_all(sock: socket.socket, into: bytearray) -> None:
    while chunk := sock.recv(65536):
        into += chunk


def test_a_chunk_is_framed_as_gunicorn_frames_it():
    frames = [b"data: one\n\n", b"x" * 5_000_000, b"id: 3\ndata: {}\n\n"]
    a, b = socket.socketpair()
    with a, b:
        expected = bytearray()
        reader = threading.Thread(target=lambda: _read_all(b, expected))
        reader.start()
        for f in frames:
            util.write_chunk(a, f)
        a.shutdown(socket.SHUT_WR)
        reader.join(10)
    # 5 MB through a socket pair's small buffer: sendmsg sends part of it, several times.
    assert chunked_bytes(frames) == bytes(expected)
    assert chunked_bytes(frames, ssl=True) == bytes(expected)  # gunicorn's own path


def test_send_parts_sends_every_byte_in_order_through_partial_sends():
    a, b = socket.socketpair()
    with a, b:
        a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        a.settimeout(10)  # non-blocking underneath, as under gevent: a send may be partial
        got = bytearray()
        reader = threading.Thread(target=lambda: _read_all(b, got))
        reader.start()
        parts = [bytes([i]) * (i * 37_000) for i in range(1, 40)] + [b"", b"end"]
        worker.send_parts(a, parts)
        a.shutdown(socket.SHUT_WR)
        reader.join(10)
    assert bytes(got) == b"".join(parts)


class RecordingSocket:
    """A socket that takes every send whole and remembers each one."""

    def __init__(self) -> None:
        self.sends: list[bytes] = []

    def sendall(self, data: bytes) -> None:
        self.sends.append(bytes(data))

    def sendmsg(self, buffers: list) -> int:
        self.sends.append(b"".join(bytes(b) for b in buffers))
        return len(self.sends[-1])


ANSWERS = {
    "a note move's answer": ("GET", "200 OK", [("Content-Type", "application/json"),
                                               ("Content-Length", "13")], [b'{"version":4}']),
    "a delete's 204": ("DELETE", "204 NO CONTENT", [], []),
    "a HEAD": ("HEAD", "200 OK", [("Content-Length", "13")], [b'{"version":4}']),
    "a live stream": ("GET", "200 OK", [("Content-Type", "text/event-stream")],
                      [b"data: one\n\n", b"data: two\n\n", b"data: three\n\n"]),
}


def sent(cls: type, method: str, status: str, headers: list, body: list[bytes],
         monkeypatch) -> list[bytes]:
    """Each send of one answer, as gunicorn's worker drives a response of class `cls`."""
    monkeypatch.setattr(util, "http_date", lambda *a: "Wed, 02 Dec 2026 03:00:00 GMT")
    sock = RecordingSocket()
    req = SimpleNamespace(version=(1, 1), method=method, headers=[],
                          should_close=lambda: False)
    resp = cls(req, sock, SimpleNamespace(is_ssl=False, sendfile=None))
    resp.start_response(status, list(headers))
    for item in body:
        resp.write(item)
    resp.close()
    return sock.sends


def test_an_answer_goes_out_byte_for_byte_as_gunicorns_in_fewer_sends(monkeypatch):
    for name, answer in ANSWERS.items():
        theirs = sent(wsgi.Response, *answer, monkeypatch)
        ours = sent(worker.HerdResponse, *answer, monkeypatch)
        assert b"".join(ours) == b"".join(theirs), name
        assert b"\r\n\r\n" in ours[0], name  # the head, whole, in the first send
        # The head leaves with the first body bytes: one send less than gunicorn's.
        assert len(ours) == len(theirs) - (1 if answer[3] and answer[0] != "HEAD" else 0), name
    assert len(sent(worker.HerdResponse, *ANSWERS["a note move's answer"], monkeypatch)) == 1
