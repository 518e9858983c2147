"""The /ops write path over one WebSocket per tab: what a drag sends many times a second.

Over HTTP each batch is a request: gunicorn parses it, Flask builds and tears down its
context, the gate runs whole, and the answer goes back with its headers; at 200 people x 3
moves a second that was two-thirds of the worker's time (bench/README.md, issue 11). Here
the handshake passes the gate once, like any route (the Origin is checked as for a write),
and each message then passes it again for what can change while a socket is open (readmit:
the caller's link, their role, the board, their limit), runs through the same apply_ops as
POST /ops, and is answered with what that route answers:

    -> {"id": 7, "ops": [...]}
    <- {"id": 7, "result": {...POST /ops's body}}  or  {"id": 7, "error": {status, code, ...}}

`id` (optional; a number or a string of at most 64 characters) is echoed so the page can
match answers to batches; answers come in the order the messages came. ?client=TAB names the
tab, as X-Herd-Client does over HTTP (a browser cannot set headers on a WebSocket); a
message's own "client" names it for that batch alone, as the header does for one request.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, request

from ..access import allow, get_access, get_socket_slots, readmit
from ..errors import HerdError, Invalid, RateLimited
from ..http_errors import error_body, status_of
from ..strictjson import loads
from ..websocket import WebSocket, accept
from .common import TAB, gevent_socket
from .ops import ops_of
from .private import apply_for_caller

bp = Blueprint("socket", __name__)
MESSAGE_KEYS = frozenset({"id", "client"})  # what a message holds besides "ops"


class _Upgraded(Response):
    """What the view returns once the socket is done: the connection is no longer HTTP, so
    nothing may be written to it; gunicorn closes it on StopIteration (as flask-sock does)."""

    def __call__(self, environ: Any, start_response: Any) -> Any:
        raise StopIteration


@allow("write")
def board_socket(board_id: str):
    """Upgrade to a WebSocket that takes {"id", "ops"} batches (see the module's doc)."""
    sock = gevent_socket()
    if sock is None:
        raise Invalid("WebSockets need `herd serve` (gunicorn's gevent worker); send the ops "
                      "to POST .../ops.", code="websocket_unavailable")
    answer = accept(request.headers)
    client = request.args.get("client")
    if client is not None:
        client = _tab(client)
    access = get_access()
    release = get_socket_slots().acquire(None if access.owner else access.key,
                                         request.remote_addr or "")
    try:
        sock.sendall(answer)
        ws = WebSocket(sock, int(current_app.config["MAX_CONTENT_LENGTH"]))
        for text in ws.messages():
            if not ws.send(json.dumps(_answer(board_id, text, client),
                                      separators=(",", ":"))):
                break
    finally:
        release()
    return _Upgraded()


# werkzeug matches upgrades and plain requests apart: the plain GET has a rule too, so it
# meets the gate (401 without credentials) before accept() says it is not a WebSocket.
for _upgrade in (True, False):
    bp.add_url_rule("/boards/<board_id>/socket", "board_socket", board_socket,
                    methods=["GET"], websocket=_upgrade)


def _answer(board_id: str, text: str, client: str | None) -> dict[str, Any]:
    """One message's answer: the batch's result, or its error in the one error shape."""
    mid = None
    try:
        body = loads(text, "The message")
        if not isinstance(body, dict):
            raise Invalid('A message is a JSON object: {"id": 1, "ops": [...]}.')
        mid = body.get("id")
        if not (mid is None or (isinstance(mid, int) and not isinstance(mid, bool))
                or (isinstance(mid, str) and len(mid) <= 64)):
            mid = None
            raise Invalid("'id' must be a number or a string of at most 64 characters.")
        ops = ops_of(body, also=MESSAGE_KEYS)
        if "client" in body:
            client = _tab(body["client"])
        readmit()
        return {"id": mid, "result": apply_for_caller(board_id, ops, client)}
    except HerdError as e:
        details = e.details
        if isinstance(e, RateLimited):  # HTTP says it in Retry-After
            details = {**(details if isinstance(details, dict) else {}),
                       "retry_after": e.retry_after}
        return {"id": mid, **error_body(status_of(e), e.message, e.code, details)}
    except Exception:  # the socket stays open for the next batch, as HTTP would answer 500
        current_app.logger.exception("unhandled error on a board socket")
        return {"id": mid, **error_body(500, "Internal error: the server logged the details.")}


def _tab(value: object) -> str:
    """A tab's id as X-Herd-Client takes it."""
    if not isinstance(value, str) or not TAB.fullmatch(value):
        raise Invalid("'client' names the tab: 1-64 letters, digits or -_:@.")
    return value
