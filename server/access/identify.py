"""Who is asking: the owner (Bearer token or owner session), a board link holder (session or
the link's secret as a Bearer token), or nobody. Pure of Flask routing: the gate calls it."""

from __future__ import annotations

import secrets

from flask import request, session

from ..errors import Unauthenticated
from ..store.access import BoardKeys, fingerprint
from . import sessions
from .roles import Access, best

ROTATED = ("The link you opened for this board was replaced by its facilitator, so it no "
           "longer works. Ask them for the new link.")


def identify(owner_token: str, board_id: str | None, keys: BoardKeys | None) -> Access:
    """The caller's Access on the board (or, without a board, whether they are the owner)."""
    auth = request.headers.get("Authorization")
    if auth is not None:
        return _bearer(auth, owner_token, board_id, keys)
    owner = sessions.owner_fingerprint()
    is_owner = owner is not None and secrets.compare_digest(owner, fingerprint(owner_token))
    access = Access(owner=is_owner, via="session" if is_owner else "")
    sid = session.get("sid")
    access.key = f"s:{sid}" if isinstance(sid, str) else f"a:{request.remote_addr}"
    if board_id is None or keys is None:
        access.role = "owner" if is_owner else None
        access.board_id = board_id
        return access
    grants = sessions.link_grants(board_id)
    valid = {r: f for r, f in grants.items() if keys.fingerprint(r) == f}
    # A rotated link's grant stays in the cookie, so the person keeps being told why, until
    # they open the new link (which replaces it).
    stale = [r for r in grants if r not in valid]
    access.board_id, access.link_roles = board_id, valid
    access.role = "owner" if is_owner else best(list(valid))
    if valid or is_owner:
        access.via = "session"
        if not isinstance(sid, str):
            # A person must be one stable id (their votes, the hidden notes only they may
            # read): a signed-in session always gets its own, never one the client names.
            access.key = f"s:{sessions.session_id()}"
    elif stale:
        raise Unauthenticated(ROTATED, code="link_rotated")
    return access


def _bearer(auth: str, owner_token: str, board_id: str | None,
            keys: BoardKeys | None) -> Access:
    scheme, _, token = auth.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("Send the owner token as 'Authorization: Bearer TOKEN' (herd "
                              "token prints it).")
    key = "t:" + fingerprint(token)
    if secrets.compare_digest(token.encode(), owner_token.encode()):
        return Access(role="owner", board_id=board_id, via="token", key=key, owner=True)
    role = keys.role_of(token) if keys is not None else None
    if role is not None:
        return Access(role=role, board_id=board_id, via="link", key=key,
                      link_roles={role: fingerprint(token)})
    raise Unauthenticated("That token is not valid here: it may have been rotated. `herd "
                          "token` prints the owner's current one.", code="token_invalid")

