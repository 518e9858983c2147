"""What every answer and every write must respect, whoever sends it: the Host allow-list
(against DNS rebinding), same-origin writes with their documented content types (against
cross-site requests), and the security headers."""

from __future__ import annotations

import ipaddress

from flask import Flask, Response, request

from ..errors import Forbidden, Invalid, Unsupported
from ..websocket import is_upgrade

LOOPBACK_NAMES = {"localhost"}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
SAME_SITE = {"same-origin", "none"}  # Sec-Fetch-Site values a write may carry

HEADERS = {
    # No inline script anywhere, nothing from elsewhere, and no framing (clickjacking).
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    # Another site cannot even embed an export or the board's JSON as a resource.
    "Cross-Origin-Resource-Policy": "same-origin",
}


def host_allowed(host: str, allowed: set[str]) -> bool:
    """Whether Herd answers to this Host header. An IP address cannot be rebound (rebinding
    needs a name the attacker controls), so any IP literal is fine; names must be loopback
    names or ones the operator allowed with --allowed-host."""
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    name = name.strip("[]").lower().rstrip(".")
    if not name:
        return False
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        pass
    return name in LOOPBACK_NAMES or name in allowed


def check_host(allowed: set[str]) -> None:
    host = request.host  # werkzeug: the Host header, or X-Forwarded-Host behind ProxyFix
    if not host_allowed(host, allowed):
        raise Invalid(f"Herd does not answer to the name {host.rsplit(':', 1)[0]!r}. If that "
                      "is how people reach this server, start it with --allowed-host NAME.",
                      code="host_not_allowed")


def check_write(content_types: tuple[str, ...]) -> None:
    """A write comes from this origin (or from no browser at all) and says what it sends. So
    does a WebSocket's handshake: it is a GET, but what follows it is writes, and browsers
    let any page open one to any address (cross-site WebSocket hijacking)."""
    if request.method not in UNSAFE and not is_upgrade(request.headers):
        return
    origin = request.headers.get("Origin")
    # An origin is scheme://host[:port] as the browser sent it (punycode for an IDN name).
    # request.host_url is not: it turns punycode into Unicode (every write from
    # http://xn--bcher-kva.example was refused) and rebuilds a URL on every write.
    here = f"{request.scheme}://{request.host}"
    if origin is not None and origin.lower() != here.lower():
        raise Forbidden(f"Writes are only taken from Herd's own pages ({here}), not from "
                        f"{origin}.", code="cross_origin")
    site = request.headers.get("Sec-Fetch-Site")
    if origin is None and site is not None and site not in SAME_SITE:
        raise Forbidden("Writes are only taken from Herd's own pages.", code="cross_origin")
    if _has_body() and request.mimetype not in content_types:
        raise Unsupported(f"Send this as {' or '.join(content_types)}, not "
                          f"{request.mimetype or 'a body with no Content-Type'}.")


def _has_body() -> bool:
    length = request.content_length
    return bool(length) or request.headers.get("Transfer-Encoding", "").lower() == "chunked"


def add_headers(resp: Response) -> Response:
    for name, value in HEADERS.items():
        resp.headers.setdefault(name, value)
    return resp


def init_app(app: Flask) -> None:
    app.after_request(add_headers)
