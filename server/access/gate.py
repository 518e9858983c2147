"""The one gate every request passes, before any view runs:

1. the Host header is one Herd answers to (DNS rebinding);
2. a write, or a WebSocket's handshake, comes from Herd's own origin, a write with a
   content type the route takes (cross-site);
3. who is asking (identify.py) and, for a board route, that the board exists;
4. that their role allows the action the route declared with @allow;
5. the caller's rate limit for writes and pointers.

A WebSocket passes it to open, and each of its messages passes 3-5 again (readmit).

The view then reads flask.g.access (roles.Access). A route that declares nothing is refused:
the gate fails closed, and tests/test_access_gate.py walks the URL map to keep every route
declared.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, request

from ..errors import Forbidden, NotFound, Unauthenticated
from ..store import get_store
from ..store.access import SESSION_KEY
from . import hardening, sessions
from .identify import identify
from .limits import LocalStreamSlots, Rates, StreamSlots, shared_counters
from .roles import ACTIONS, OPEN, Access

JSON = ("application/json",)
PUBLIC_ENDPOINTS = frozenset({"static"})  # Flask's own route for static files
NO_LINK = ("This board is private: open the link you were given for it (ask the person who "
           "runs it).")
LIMIT_WORDS = {"writes": "changes", "pointer": "pointer updates"}


@dataclass(frozen=True)
class Policy:
    action: str  # a roles.ACTIONS key, or "public" / "signed_in"
    content: tuple[str, ...]  # the body types a write takes
    limit: str | None  # the Rates rule a write counts against


def allow(action: str, *, content: tuple[str, ...] = JSON,
          limit: str | None = "writes") -> Callable:
    """Declare what a route does; the gate checks it before the view runs."""
    if action not in ACTIONS and action not in OPEN:
        raise ValueError(f"unknown action {action!r}")

    def declare(view: Callable) -> Callable:
        view.herd_access = Policy(action, content, limit)  # type: ignore[attr-defined]
        return view
    return declare


def policy_of(app: Flask, endpoint: str) -> Policy | None:
    """The declared policy of an endpoint (None: undeclared)."""
    return getattr(app.view_functions.get(endpoint), "herd_access", None)


def get_access() -> Access:
    """The caller's Access, as the gate found it for this request."""
    return g.access


def get_stream_slots(app: Flask | None = None) -> StreamSlots:
    return (app or current_app).extensions["herd.streams"]


def get_socket_slots(app: Flask | None = None) -> StreamSlots:
    """Open WebSockets per caller and address: counted apart from the live streams, since a
    tab holds one of each."""
    return (app or current_app).extensions["herd.sockets"]


def _gate() -> None:
    app = current_app
    hardening.check_host(app.extensions["herd.allowed_hosts"])
    if request.endpoint is None:
        return None  # no such route: Flask answers 404/405 in the error shape
    policy = policy_of(app, request.endpoint)
    if policy is None:
        if request.endpoint in PUBLIC_ENDPOINTS:
            return None
        app.logger.error("route %s declares no access rule: refused", request.endpoint)
        raise Forbidden("This route declares no access rule, so Herd refuses it.")
    hardening.check_write(policy.content)
    _admit(policy, counted=request.method in hardening.UNSAFE)
    return None


def readmit() -> None:
    """The gate once more, for one message on a WebSocket that passed it to open
    (api/socket.py): since then the caller's link may have been rotated, their role
    changed or the board deleted, and each message counts against their limit as a write
    over HTTP does. The Host and the Origin were checked at the handshake."""
    _admit(policy_of(current_app, request.endpoint), counted=True)


def _admit(policy: Policy, counted: bool) -> None:
    """Who is asking, whether their role allows the route's action, and their limit."""
    app = current_app
    board_id = (request.view_args or {}).get("board_id")
    owner_token, keys = get_store().credentials(board_id)
    g.owner_token = owner_token
    try:
        access = identify(owner_token, board_id, keys)
    except Unauthenticated:
        if policy.action != "public":
            raise
        access = Access()  # a page still opens, and says why nothing loads on it
    g.access = access
    _authorize(policy, access, board_id, keys is not None)
    if policy.limit and counted:
        # The owner's scripts (bulk imports, Organize from the CLI) are not limited per
        # token; the address's limit still holds for everyone.
        app.extensions["herd.rates"].hit(policy.limit, None if access.owner else access.key,
                                         request.remote_addr or "",
                                         LIMIT_WORDS.get(policy.limit, "requests"))


def _authorize(policy: Policy, access: Access, board_id: str | None, exists: bool) -> None:
    action = policy.action
    if action == "public":
        return
    known = access.owner or bool(access.via) or (board_id is None and _holds_a_link())
    if not known:
        raise Unauthenticated(NO_LINK if board_id else "This Herd is private: open the owner's "
                              "link (herd serve prints it; herd token prints it again).")
    if action == "signed_in":
        return
    if action == "own":
        if not access.owner:
            raise Forbidden("Only the owner of this Herd may do that (list, create, import or "
                            "delete boards).")
        return
    if board_id is None:
        raise RuntimeError(f"a {action!r} route needs a <board_id>")
    if not exists:
        raise NotFound(f"No board {board_id!r}.")
    if access.role is None:
        raise Forbidden(NO_LINK)
    if not access.may(action):
        raise Forbidden(f"Your link makes you a {access.role} of this board, which may not "
                        f"{_verb(action)}.", details={"role": access.role})


def _holds_a_link() -> bool:
    """Whether any link this session opened still works (for routes every participant may
    use whichever board they are on, such as the AI status)."""
    store = get_store()
    for board_id, grants in sessions.boards_opened().items():
        keys = store.board_keys(board_id)
        if any(keys.fingerprint(role) == print_ for role, print_ in grants.items()):
            return True
    return False


def _verb(action: str) -> str:
    return {"write": "change it", "manage": "run its session (links, timer, spotlight, name)",
            "read": "see it"}.get(action, "do that")


def init_app(app: Flask) -> None:
    """Sessions keyed from the database, the limits, the hardening, and the gate itself."""
    cfg: dict[str, Any] = app.config
    sessions.init_app(app, get_store(app).secret(SESSION_KEY))
    hops = int(cfg.get("TRUSTED_PROXY") or 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops,
                                x_port=hops, x_prefix=hops)
    app.extensions["herd.allowed_hosts"] = {h.lower().rstrip(".")
                                            for h in cfg.get("ALLOWED_HOSTS") or ()}
    app.extensions["herd.rates"] = Rates({
        "writes": (cfg["RATE_WRITES_SESSION"], cfg["RATE_WRITES_ADDRESS"]),
        "pointer": (cfg["RATE_POINTER_SESSION"], cfg["RATE_POINTER_ADDRESS"]),
    }, shared_counters(app.extensions.get("herd.redis")))
    for slots in ("herd.streams", "herd.sockets"):
        app.extensions[slots] = LocalStreamSlots(int(cfg["MAX_STREAMS_PER_SESSION"]),
                                                 int(cfg["MAX_STREAMS_PER_ADDRESS"]))
    app.before_request(_gate)
    hardening.init_app(app)
