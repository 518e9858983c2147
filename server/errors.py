"""One error shape for the whole API: {"error": {"status", "code", "message", "details"?}}."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException


class ApiError(Exception):
    """An error the API reports to the client as JSON."""

    def __init__(
        self, status: int, message: str, code: str | None = None, details: Any = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or _CODES.get(status, "error")
        self.details = details


_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


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


def init_app(app: Flask) -> None:
    """Make every error, ours or werkzeug's, JSON of one shape on /api routes."""

    @app.errorhandler(ApiError)
    def _api_error(e: ApiError):
        return error_response(e.status, e.message, e.code, e.details)

    @app.errorhandler(HTTPException)
    def _http_error(e: HTTPException):
        status = e.code or 500
        message = {
            413: f"Request body too large (limit {app.config['MAX_CONTENT_LENGTH']:,} bytes).",
            404: "Not found.",
            405: "Method not allowed.",
        }.get(status, e.description or e.name)
        return error_response(status, message)

    @app.errorhandler(Exception)
    def _unexpected(e: Exception):
        app.logger.exception("unhandled error")
        return error_response(500, "Internal error: the server logged the details.")
