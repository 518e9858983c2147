"""Helpers shared by the JSON blueprints: the request body, the client id, and the raw
connection under `herd serve`."""

from __future__ import annotations

import re
import sys
from typing import Any

from flask import request

from .. import strictjson
from ..errors import Invalid


def json_body(required: bool = True) -> dict[str, Any]:
    """The request body as a JSON object; 400 with the reason when it is not one (bad JSON,
    nested past strictjson.MAX_DEPTH, a lone surrogate in some field)."""
    raw = request.get_data(cache=True)  # past MAX_CONTENT_LENGTH this raises the JSON 413
    if not raw.strip():
        if required:
            raise Invalid("This request needs a JSON object body.")
        return {}
    body = strictjson.loads(raw)
    if not isinstance(body, dict):
        raise Invalid("The body must be a JSON object.")
    return body


def client_id() -> str | None:
    """The X-Herd-Client header: live events carry it back so a browser knows its echoes."""
    value = request.headers.get("X-Herd-Client")
    return value[:64] if value else None


TAB = re.compile(r"[A-Za-z0-9_:@.-]{1,64}")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_NAME = 40


def required_client_id(what: str) -> str:
    """X-Herd-Client, which pointers and spotlights need: it says whose they are."""
    client = request.headers.get("X-Herd-Client", "")
    if not TAB.fullmatch(client):
        raise Invalid(f"{what} needs the X-Herd-Client header (1-64 letters, digits or "
                            "-_:@.): it tells the other browsers whose it is.")
    return client


def display_name(value: object, what: str) -> str:
    """A person's name as others see it: one line, at most MAX_NAME characters."""
    if not isinstance(value, str):
        raise Invalid(f"The {what}'s 'name' must be a string.")
    name = " ".join(CONTROL.sub(" ", value).split())
    if len(name) > MAX_NAME:
        raise Invalid(f"The {what}'s 'name' is at most {MAX_NAME} characters.")
    return name


def gevent_socket() -> Any:
    """The connection's socket under gunicorn's gevent worker (cooperative), else None."""
    sock = request.environ.get("gunicorn.socket")
    if sock is None or "gevent" not in sys.modules:
        return None
    from gevent import monkey

    return sock if monkey.is_module_patched("socket") else None
