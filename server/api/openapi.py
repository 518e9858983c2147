"""GET /api/openapi.json: the machine-readable contract of every /api route."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from ..access import allow
from ..store import get_store
from .openapi_doc import document

bp = Blueprint("openapi", __name__)


@bp.get("/openapi.json")
@allow("public")  # the contract is no secret
def openapi() -> dict[str, Any]:
    """The OpenAPI 3.1 document, with this server's limits."""
    return document(get_store().limits)
