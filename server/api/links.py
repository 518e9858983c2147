"""Share links: one per role and board, for the facilitator (and the owner) to hand out and
to rotate. A QR code of each, for a room, drawn here (segno), nothing from elsewhere."""

from __future__ import annotations

import io

import segno
from flask import Blueprint, Response, current_app, request

from ..access import CAN, allow, get_access, sessions
from ..errors import NotFound
from ..store import get_store
from ..store.access import ROLES, fingerprint

bp = Blueprint("links", __name__)


def link_url(board_id: str, secret: str) -> str:
    """The link a person opens: PUBLIC_URL (a LAN address) or the address asked on."""
    base = (current_app.config.get("PUBLIC_URL") or request.host_url).rstrip("/")
    return f"{base}/b/{board_id}?key={secret}"


def _links(board_id: str) -> dict[str, str]:
    keys = get_store().board_keys(board_id)
    return {role: link_url(board_id, keys.by_role[role]) for role in ROLES}


@bp.get("/boards/<board_id>/links")
@allow("manage")
def links(board_id: str):
    """{"facilitator": url, "editor": url, "viewer": url}, and what each role may do."""
    return {**_links(board_id), "can": {role: CAN[role] for role in ROLES}}


@bp.post("/boards/<board_id>/links/<role>/rotate")
@allow("manage")
def rotate(board_id: str, role: str):
    """A new secret for one link: whoever holds the old one is cut off at once."""
    secret = get_store().rotate_link(board_id, role)
    access = get_access()
    if role in access.link_roles and access.via == "session":
        # A facilitator rotating their own link keeps their place.
        sessions.grant_link(board_id, role, fingerprint(secret))
    return {**_links(board_id), "can": {r: CAN[r] for r in ROLES}}


@bp.get("/boards/<board_id>/links/<role>/qr.svg")
@allow("manage")
def qr(board_id: str, role: str):
    """The link as a QR code (SVG), to put on a screen for a room."""
    if role not in ROLES:
        raise NotFound(f"No {role!r} link: a board has {', '.join(ROLES)} links.")
    out = io.BytesIO()
    url = link_url(board_id, get_store().board_keys(board_id).by_role[role])
    segno.make(url, error="m").save(out, kind="svg", scale=6, border=2, xmldecl=False,
                                    svgns=True, title=f"{role} link")
    resp = Response(out.getvalue(), mimetype="image/svg+xml")
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/health")
@allow("public")
def health():
    """Whether the server answers (for readiness checks); says nothing about any board."""
    return {"ok": True}
