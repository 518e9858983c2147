"""Which address to print for the owner's link, and for a room on the network."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

WILDCARDS = {"0.0.0.0", "::", ""}


def lan_address() -> str | None:
    """This machine's address on its network (not loopback), by asking the resolver only."""
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return None
    for info in infos:
        addr = info[4][0]
        if not ipaddress.ip_address(addr).is_loopback:
            return addr
    return None


def public_base(cfg: dict[str, Any]) -> str:
    """http://HOST:PORT as people reach it: PUBLIC_URL, else the bound address (on a wildcard
    bind, the LAN address, else the machine's name)."""
    if cfg.get("PUBLIC_URL"):
        return str(cfg["PUBLIC_URL"]).rstrip("/")
    host = str(cfg.get("HOST") or "127.0.0.1")
    if host in WILDCARDS:
        host = lan_address() or socket.gethostname()
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{cfg['PORT']}"


def owner_link(cfg: dict[str, Any], token: str) -> str:
    """The one line `herd serve` prints and `herd token` prints again."""
    return f"Herd is on {public_base(cfg)}/?token={token}"
