"""The HTTP edge of errors: each domain error kind gets its status here, and every error
(ours, werkzeug's, an unexpected one) leaves as JSON of one shape:
{"error": {"status", "code", "message", "details"?}}."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify
from gunicorn.http.errors import ParseException
from werkzeug.exceptions import HTTPException
from werkzeug.routing.exceptions import WebsocketMismatch

from . import errors as e

STATUS: dict[type[e.HerdError], int] = {
    e.Invalid: 400,
    e.Unauthenticated: 401,
    e.Forbidden: 403,
    e.NotFound: 404,
    e.Conflict: 409,
    e.TooLarge: 413,
    e.Unsupported: 415,
    e.RateLimited: 429,
    e.Unavailable: 503,
}
_CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 409: "conflict", 413: "too_large",
          414: "uri_too_long", 415: "unsupported_media_type", 429: "too_many_requests",
          431: "headers_too_large", 500: "internal_error", 503: "unavailable"}


def status_of(err: e.HerdError) -> int:
    """The HTTP status of a domain error (its nearest kind in STATUS)."""
    for kind in type(err).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 500


def error_body(status: int, message: str, code: str | None = None, details: Any = None) -> dict:
    """The JSON body of every error response."""
    err: dict[str, Any] = {"status": status, "code": code or _CODES.get(status, "error"),
                           "message": message}
    if details is not None:
        err["details"] = details
    return {"error": err}


def error_response(status: int, message: str, code: str | None = None, details: Any = None):
    """A Flask response carrying error_body()."""
    resp = jsonify(error_body(status, message, code, details))
    resp.status_code = status
    return resp


def domain_response(err: e.HerdError):
    """The response for a domain error, with Retry-After on a rate limit."""
    resp = error_response(status_of(err), err.message, err.code, err.details)
    if isinstance(err, e.RateLimited):
        resp.headers["Retry-After"] = str(err.retry_after)
    return resp


def init_app(app: Flask) -> None:
    """Make every error, ours or werkzeug's, JSON of one shape."""

    @app.errorhandler(e.HerdError)
    def _domain(err: e.HerdError):
        return domain_response(err)

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        status = err.code or 500
        if isinstance(err, WebsocketMismatch):  # an upgrade to a route that is not a socket
            return error_response(400, "This address does not take a WebSocket.",
                                  "websocket_unexpected")
        message = {
            413: f"Request body too large (limit {app.config['MAX_CONTENT_LENGTH']:,} bytes).",
            404: "Not found.",
            405: "Method not allowed.",
        }.get(status, err.description or err.name)
        resp = error_response(status, message)
        for name, value in err.get_headers():
            if name.lower() != "content-type":  # e.g. a 405's Allow (RFC 9110 requires it)
                resp.headers[name] = value
        return resp

    @app.errorhandler(ParseException)
    def _malformed_body(err: ParseException):
        # Under `herd serve`, gunicorn reads a chunked body as the view asks for it, so a
        # broken chunk surfaces in the app: the client's fault, not an internal error.
        return error_response(400, f"Malformed request body ({str(err)[:200]}): send "
                              "well-formed chunks or a Content-Length.")

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        app.logger.exception("unhandled error")
        return error_response(500, "Internal error: the server logged the details.")
