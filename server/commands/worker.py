"""The gunicorn worker `herd serve` runs: gevent's, answering in Herd's JSON error shape.

gunicorn refuses some requests before the app sees them (a request line or header it cannot
parse, a URL or headers past its limits) and writes its own HTML page for each. This worker
writes the one error shape instead, so a client of /api never has to parse HTML.
"""

from __future__ import annotations

import gc
import json
from http import HTTPStatus
from ssl import SSLError
from typing import Any

from gunicorn import util
from gunicorn.http import errors as g
from gunicorn.http import wsgi
from gunicorn.workers.ggevent import GeventWorker

from ..http_errors import error_body
from ..live.direct import LAST_CHUNK, chunk_parts

# Malformed requests: gunicorn's own list of client errors that answer 400.
_BAD_REQUEST = (g.InvalidRequestLine, g.InvalidRequestMethod, g.InvalidHTTPVersion,
                g.InvalidHeader, g.InvalidHeaderName, g.ObsoleteFolding, g.InvalidProxyLine,
                g.InvalidProxyHeader, g.InvalidSchemeHeaders, g.InvalidChunkSize,
                g.ChunkMissingTerminator, g.InvalidChunkExtension, g.InvalidH2CPreface)
YOUNG_THRESHOLD = 20_000  # allocations between collections of the youngest generation
_MAX_DETAIL = 200  # gunicorn's reason quotes the request; keep the answer small


def describe(exc: BaseException, cfg: Any) -> tuple[int, str]:
    """The status and message for an error met before (or while) reading a request."""
    detail = str(exc)[:_MAX_DETAIL]
    if isinstance(exc, (g.InvalidResponseHeader, g.InvalidResponseHeaderName)):
        pass  # a header the app tried to send: the app's fault, a 500 below
    elif isinstance(exc, g.LimitRequestLine):
        return 414, (f"The request line is longer than {cfg.limit_request_line:,} bytes: "
                     "shorten the URL and send long data in a request body.")
    elif isinstance(exc, g.LimitRequestHeaders):
        return 431, (f"The request headers are too large: at most {cfg.limit_request_fields} "
                     f"headers of at most {cfg.limit_request_field_size:,} bytes each.")
    elif isinstance(exc, g.UnsupportedTransferCoding):
        return 501, f"Unsupported transfer coding ({detail}): send the body plainly or chunked."
    elif isinstance(exc, g.ExpectationFailed):
        return 417, f"Cannot meet the Expect header ({detail}): send the request without it."
    elif isinstance(exc, g.ForbiddenProxyRequest | SSLError):
        return 403, "This connection is not allowed here."
    elif isinstance(exc, _BAD_REQUEST):
        return 400, f"Malformed HTTP request ({detail}): send a well-formed HTTP/1.1 request."
    return 500, "Internal error: the server logged the details."


def response_bytes(status: int, message: str) -> bytes:
    """A complete HTTP/1.1 response carrying error_body(); the connection closes after it."""
    body = json.dumps(error_body(status, message)).encode("utf-8")
    head = (f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
            "Connection: close\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode("latin-1") + body


def send_parts(sock: Any, parts: list[bytes]) -> None:
    """Send every byte of `parts` in order, with as few vectored sends as the socket takes."""
    views = [memoryview(p) for p in parts if p]
    while views:
        sent = sock.sendmsg(views)
        while sent and views:
            if sent >= len(views[0]):
                sent -= len(views.pop(0))
            else:
                views[0], sent = views[0][sent:], 0


class _Capture:
    """Stands in for the socket while gunicorn writes a response's head, to keep the bytes."""

    def __init__(self) -> None:
        self.data = b""

    def sendall(self, data: bytes) -> None:
        self.data += data


class HerdResponse(wsgi.Response):
    """gunicorn's response with fewer sends, byte for byte the same on the wire:

    - the head waits for the first body bytes and goes out with them in one vectored send.
      gunicorn sends the head alone first, so every answer was two sends through gevent
      (each with its own getsockopt): a note move's answer is a head and ~200 bytes;
    - a chunk's size line, data and CRLF go out in one vectored send. gunicorn joins the
      three into a new bytes first: a copy of every live frame for every listener, a sixth
      of the worker's core with 500 listeners (bench/README.md). Here a frame encoded once
      is handed to the kernel by all its listeners as it is.

    TLS sockets have no sendmsg: there, and for files sent with sendfile, gunicorn's own
    sends as they were."""

    _head: bytes | None = None  # the head, written by gunicorn but not sent yet
    _defer = True

    def send_headers(self) -> None:
        if self.headers_sent or not self._defer or self.cfg.is_ssl:
            super().send_headers()
            return
        sock, capture = self.sock, _Capture()
        self.sock = capture  # gunicorn builds the head as it always does, into `capture`
        try:
            super().send_headers()
        finally:
            self.sock = sock
        self._head = capture.data

    def _pending(self) -> list[bytes]:
        head, self._head = self._head, None
        return [head] if head else []

    def _emit_body(self, data: bytes) -> None:
        if self.cfg.is_ssl:
            super()._emit_body(data)  # gunicorn's framing (TLS sockets have no sendmsg)
            return
        parts = self._pending()
        parts += chunk_parts(data) if self.chunked and data else [data]
        send_parts(self.sock, parts)

    def sendfile(self, respiter: Any) -> bool:
        self._defer = False  # gunicorn sends the head, then the file, straight to the socket
        return super().sendfile(respiter)

    def close(self) -> None:
        if not self.headers_sent:
            self.send_headers()
        if self._head is None:
            super().close()
            return
        # A head with no body (a 204, a HEAD, an empty answer), and the last chunk if any.
        send_parts(self.sock, [*self._pending(), *([LAST_CHUNK] if self.chunked else [])])


class HerdWorker(GeventWorker):
    """gunicorn's gevent worker with its error pages in the JSON error shape, and answers
    sent in fewer sends (HerdResponse)."""

    def run(self) -> None:
        """Serve, once the app's import-time objects are out of the collector's way.

        Every object alive now (modules, functions, the app: ~130,000) lives as long as the
        worker, yet each full collection walked them all again: ~90 ms with the event loop
        stopped, every few seconds under load, which was the seen-by-others p99 of a busy
        room (bench/load.py). Frozen, a full collection walks only what came since.

        The young generation is collected every YOUNG_THRESHOLD allocations instead of
        CPython's 700: with hundreds of requests in flight, 700 collected it ~20 times a
        second, each time walking every in-flight request's objects and promoting the
        survivors toward a full collection (11-23 ms of the event loop stopped, twice in
        25 s). bench/gc_pauses.py, 200 people x 3 moves/s: young collections 486 -> 11 per
        25 s (0.38 s -> 3 ms of the worker), full collections 2 -> 0."""
        gc.collect()
        gc.freeze()
        gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])
        # wsgi.create() builds its module's Response for every HTTP/1 request and takes no
        # class from the worker; this is the worker process, so only its requests see it.
        wsgi.Response = HerdResponse
        super().run()

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        """Log as gunicorn does, then answer with the JSON shape instead of an HTML page."""
        status, message = describe(exc, self.cfg)
        if status == 500:
            self.log.exception("Error handling request %s", getattr(req, "uri", "(no URI read)"))
        else:
            self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
        try:
            util.write_nonblock(client, response_bytes(status, message))
        except Exception:
            self.log.debug("Failed to send error message.")
