"""Settings: defaults, then environment (HERD_* / LLAMAFILE_URL), then explicit overrides."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def default_data_dir() -> Path:
    """Where boards live unless --db says otherwise."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "herd"


def default_cache_dir() -> Path:
    """Where prepared models and the llama-server build are cached."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(os.environ.get("HERD_CACHE_DIR") or Path(base) / "herd")


DEFAULTS: dict[str, Any] = {
    "DATABASE": str(default_data_dir() / "herd.db"),
    "HOST": "127.0.0.1",
    "PORT": 8000,
    # AI: None means "start the embedded default models"; AI_ENABLED False is --no-ai.
    "AI_ENABLED": True,
    "LLAMAFILE_URL": None,
    "EMBED_URL": None,
    "CHAT_URL": None,
    "LLAMAFILE_PATH": None,
    # Which model embeds when one Llamafile is given for both roles: auto, bundled, llamafile.
    "EMBED_WITH": None,
    "CACHE_DIR": str(default_cache_dir()),
    # Limits (issue 2): clear 400/413 errors past these.
    "MAX_NOTE_CHARS": 10_000,
    "MAX_NOTES_PER_BOARD": 5_000,
    "MAX_CONTENT_LENGTH": 1_000_000,
    "MAX_TITLE_CHARS": 200,
    "TEMPLATES_DIR": None,  # board templates (*.json); None: server/board_templates
    # Storage and live updates.
    "DB_SYNCHRONOUS": "NORMAL",  # NORMAL survives a killed server; FULL also a power cut
    "EVENTS_KEEP": 1000,  # live events kept per board for reconnecting browsers
    "LIVE_QUEUE_SIZE": 512,  # frames (ticks) a slow listener may fall behind before a resync
    "LIVE_TICK_SECONDS": 0.05,  # a board's events wait this long at most to go out as one frame
    "SSE_PING_SECONDS": 15,
    # Redis (--redis URL): what several processes share. None: everything live stays in
    # this one process.
    "REDIS_URL": None,
    # Access (issue 9). Names Herd answers to besides IP addresses and localhost
    # (--allowed-host); X-Forwarded-* hops to trust (--trusted-proxy); the address share
    # links start with when it is not the one the request came in on (a LAN address).
    "ALLOWED_HOSTS": [],
    "TRUSTED_PROXY": 0,
    "PUBLIC_URL": None,
    # Limits per session (or token) and per address: "N/second" in the `limits` notation.
    # A drag sends at most 20 moves a second per tab; a room behind one NAT shares an address.
    "RATE_WRITES_SESSION": "60/second",
    "RATE_WRITES_ADDRESS": "2000/second",
    "RATE_POINTER_SESSION": "60/second",
    "RATE_POINTER_ADDRESS": "3000/second",
    "MAX_STREAMS_PER_SESSION": 20,
    "MAX_STREAMS_PER_ADDRESS": 600,
}

_ENV = {
    "HERD_DB": "DATABASE",
    "HERD_HOST": "HOST",
    "HERD_PORT": "PORT",
    "LLAMAFILE_URL": "LLAMAFILE_URL",
    "HERD_EMBED_URL": "EMBED_URL",
    "HERD_CHAT_URL": "CHAT_URL",
    "HERD_LLAMAFILE": "LLAMAFILE_PATH",
    "HERD_EMBED_WITH": "EMBED_WITH",
    "HERD_CACHE_DIR": "CACHE_DIR",
    "HERD_DB_SYNCHRONOUS": "DB_SYNCHRONOUS",
    "HERD_LIVE_TICK": "LIVE_TICK_SECONDS",
    "HERD_ALLOWED_HOSTS": "ALLOWED_HOSTS",
    "HERD_TRUSTED_PROXY": "TRUSTED_PROXY",
    "HERD_PUBLIC_URL": "PUBLIC_URL",
    "HERD_REDIS": "REDIS_URL",
}


def load(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Merge defaults, environment and overrides into one settings dict."""
    cfg = dict(DEFAULTS)
    for env, key in _ENV.items():
        if os.environ.get(env):
            cfg[key] = os.environ[env]
    if os.environ.get("HERD_NO_AI") == "1":
        cfg["AI_ENABLED"] = False
    if isinstance(cfg["ALLOWED_HOSTS"], str):
        cfg["ALLOWED_HOSTS"] = [h.strip() for h in cfg["ALLOWED_HOSTS"].split(",") if h.strip()]
    if overrides:
        cfg.update({k: v for k, v in overrides.items() if v is not None})
    cfg["PORT"] = int(cfg["PORT"])
    cfg["TRUSTED_PROXY"] = int(cfg["TRUSTED_PROXY"] or 0)
    return cfg
