"""GET /api/ai: which servers and models, ready or not, and the one command that fixes it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from ..access import allow
from ..llamafile.service import get_ai

bp = Blueprint("ai", __name__)

_OFF = {
    "enabled": False,
    "ready": False,
    "embed": None,
    "chat": None,
    "message": "Organize is off: Herd was started with --no-ai.",
    "fix": "herd serve",
}


@bp.get("/ai")
@allow("signed_in")
def ai_status() -> dict[str, Any]:
    """The AI status (docs/api.md "AI status"); cheap, cached by the service."""
    ai = get_ai()
    return dict(_OFF) if ai is None else ai.status()
