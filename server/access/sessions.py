"""Session cookies: opening a share link (or the owner's link) trades its secret for a signed,
HttpOnly cookie that remembers the *fingerprint* of the secret. Rotating the secret changes
the fingerprint, which cuts off every session made from the old one.

The cookie is Flask's own signed session (itsdangerous), keyed by a secret kept in the
database, so every process serving that database accepts the same cookies.
"""

from __future__ import annotations

import json
import secrets
import time
from collections import OrderedDict
from datetime import timedelta

from flask import Flask, Request, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

from ..store.access import fingerprint

MAX_BOARDS = 40  # boards one cookie remembers; the oldest is forgotten past this
VERIFIED_KEPT = 4096  # cookies whose signature was checked, remembered (about 2 MB at most)


class HerdSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, `Secure` whenever the request came over HTTPS (directly
    or, with --trusted-proxy, through a TLS proxy), so plain-HTTP use on a LAN still works.

    A person's browser sends the same cookie with every move. Checking its signature again
    (a key derivation, an HMAC, base64 and Flask's tagged JSON) was 9% of the server's time
    in a 200-person room (py-spy during bench/load.py), so a cookie whose signature held is
    remembered, byte for byte, with the time it was signed: the same bytes under the same
    keys verify the same way, and its age is checked on every use as itsdangerous would.
    A cookie that differs in one byte is a new cookie and is checked from scratch."""

    def __init__(self) -> None:
        self._verified: OrderedDict[tuple, tuple[float, str]] = OrderedDict()

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(request.is_secure) or super().get_cookie_secure(app)

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        value = request.cookies.get(self.get_cookie_name(app))
        if not value or not app.secret_key:
            return super().open_session(app, request)
        key = (value, app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        max_age = int(app.permanent_session_lifetime.total_seconds())
        known = self._verified.get(key)
        if known is not None:
            age = int(time.time()) - known[0]
            if 0 <= age <= max_age:
                self._verified.move_to_end(key)
                return self.session_class(json.loads(known[1]))  # a copy of its own
            del self._verified[key]
        try:
            data, signed = self.get_signing_serializer(app).loads(
                value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        text = json.dumps(data)
        if json.loads(text) == data:  # plain JSON (Herd's always is): safe to hand out again
            self._verified[key] = (signed.timestamp(), text)
            if len(self._verified) > VERIFIED_KEPT:
                self._verified.popitem(last=False)
        return self.session_class(data)


def init_app(app: Flask, session_key: str) -> None:
    """Sign sessions with the database's key; one cookie name per database, so two Herds on
    one host (cookies ignore the port) do not overwrite each other's sessions."""
    app.secret_key = session_key
    app.session_interface = HerdSessions()
    app.config.update(
        SESSION_COOKIE_NAME="herd_" + fingerprint(session_key)[:8],
        SESSION_COOKIE_HTTPONLY=True,
        # Lax, not Strict: a link opened from a chat or a mail is a cross-site navigation,
        # and the page it lands on must see the session. Writes are guarded by the Origin
        # check besides, and a GET never changes anything.
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(days=30),
        # Re-signing and re-sending the cookie on every request cost +0.3 ms each
        # (bench/gate.py: 685 vs 1,022 us a note move): send it only when it changes.
        SESSION_REFRESH_EACH_REQUEST=False,
    )


def session_id() -> str:
    """This session's own id (for limits), made on first use."""
    sid = session.get("sid")
    if not isinstance(sid, str):
        sid = secrets.token_urlsafe(12)
        session["sid"] = sid
        session.permanent = True
    return sid


def owner_fingerprint() -> str | None:
    value = session.get("o")
    return value if isinstance(value, str) else None


def grant_owner(owner_token: str) -> None:
    session_id()
    session["o"] = fingerprint(owner_token)


def link_grants(board_id: str) -> dict[str, str]:
    """role -> fingerprint of the link this session opened for the board."""
    boards = session.get("b")
    grants = boards.get(board_id) if isinstance(boards, dict) else None
    return dict(grants) if isinstance(grants, dict) else {}


def grant_link(board_id: str, role: str, link_fingerprint: str) -> None:
    """Remember that this session opened the board's `role` link."""
    session_id()
    boards = dict(session.get("b") or {})
    grants = dict(boards.pop(board_id, None) or {})
    grants[role] = link_fingerprint
    boards[board_id] = grants  # re-inserted: most recently used last
    while len(boards) > MAX_BOARDS:
        boards.pop(next(iter(boards)))
    session["b"] = boards


def boards_opened() -> dict[str, dict[str, str]]:
    """board id -> {role: link fingerprint} for every board this session opened a link of."""
    boards = session.get("b")
    return {b: dict(g) for b, g in boards.items() if isinstance(g, dict)} \
        if isinstance(boards, dict) else {}
