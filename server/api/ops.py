"""/ops: the batch form every write goes through."""

from __future__ import annotations

from flask import Blueprint

from ..access import allow, get_access
from ..errors import Invalid
from ..store import get_store
from .common import client_id, json_body

bp = Blueprint("ops", __name__)


@bp.post("/boards/<board_id>/ops")
@allow("write")
def apply_ops(board_id: str):
    """Apply a batch of ops in one transaction: all or nothing, one live event."""
    body = json_body()
    if "ops" not in body:
        raise Invalid("The body needs 'ops': a list of ops.")
    if set(body) != {"ops"}:  # a misspelt option must not be silently dropped
        raise Invalid(f"Unknown key(s) {', '.join(sorted(set(body) - {'ops'}))}: the body is "
                      "{\"ops\": [...]}.")
    # An editor's ops stop at what a facilitator locked; a facilitator's do not.
    return get_store().apply_ops(board_id, body["ops"], client=client_id(),
                                 locked_ok=get_access().may("manage"))
