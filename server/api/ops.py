"""/ops: the batch form every write goes through."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from ..access import allow
from ..errors import Invalid
from .common import json_body
from .private import apply_for_caller

bp = Blueprint("ops", __name__)


@bp.post("/boards/<board_id>/ops")
@allow("write")
def apply_ops(board_id: str):
    """Apply a batch of ops in one transaction: all or nothing, one live event."""
    # An editor's ops stop at what a facilitator locked; a facilitator's do not. The answer
    # holds only what the caller may see (someone else's hidden note face down).
    return apply_for_caller(board_id, ops_of(json_body()))


def ops_of(body: dict[str, Any], also: frozenset[str] = frozenset()) -> Any:
    """The 'ops' of a batch body ({"ops": [...]}, and the keys in `also`), which
    apply_ops checks one by one."""
    if "ops" not in body:
        raise Invalid("The body needs 'ops': a list of ops.")
    unknown = set(body) - {"ops"} - also
    if unknown:  # a misspelt option must not be silently dropped
        raise Invalid(f"Unknown key(s) {', '.join(sorted(unknown))}: the body is "
                      "{\"ops\": [...]}.")
    return body["ops"]
