"""The domain's errors: what went wrong, in words a person can act on. No HTTP here: the
edge (server/http_errors.py) turns each kind into a status and the one JSON error shape."""

from __future__ import annotations

from typing import Any


class HerdError(Exception):
    """Something the caller asked for cannot be done; `message` says why and what to do."""

    code = "error"

    def __init__(self, message: str, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or type(self).code
        self.details = details


class Invalid(HerdError):
    """The request itself is wrong: a bad field, a bad shape, a value out of range."""

    code = "bad_request"


class Unauthenticated(HerdError):
    """No credentials, or credentials that no longer work (a rotated link or token)."""

    code = "unauthenticated"


class Forbidden(HerdError):
    """The caller is known but their role does not allow this."""

    code = "forbidden"


class NotFound(HerdError):
    code = "not_found"


class Conflict(HerdError):
    """The thing changed since the caller saw it, or is busy; details carry the current one."""

    code = "conflict"


class TooLarge(HerdError):
    code = "too_large"


class Unsupported(HerdError):
    """A body of a media type the route does not take."""

    code = "unsupported_media_type"


class RateLimited(HerdError):
    """Too many requests or streams; `retry_after` seconds until one more is allowed."""

    code = "too_many_requests"

    def __init__(self, message: str, retry_after: int = 1, code: str | None = None,
                 details: Any = None) -> None:
        super().__init__(message, code, details)
        self.retry_after = max(1, int(retry_after))


class Unavailable(HerdError):
    """A part Herd needs (the models, the database) cannot answer now."""

    code = "unavailable"
