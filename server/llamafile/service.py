"""The app's AI service: which servers and models, whether they are ready, and the clients."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from .cache import EmbeddingCache
from .chat import LlamafileChat
from .client import Server
from .embed import LlamafileEmbedder
from .errors import LlamafileError
from .pool import ServerPool, connect

STATUS_TTL = 3.0  # seconds a status answer is reused: the toolbar polls, servers need not


class AIService:
    """Embedder and chat for the configured servers, plus a cheap cached status()."""

    def __init__(
        self,
        embed_url: str | None,
        chat_url: str | None,
        *,
        source: str = "url",
        cache_path: str | Path | None = None,
        roles: dict[str, Any] | None = None,
    ) -> None:
        self.source = source
        self.roles = roles  # which model does which role and why (assign.py), if Herd chose
        self.configured = bool(embed_url and chat_url)
        hint = _start_hint(source)
        self.embedder = LlamafileEmbedder(
            connect(embed_url or "http://127.0.0.1:8080", role="embed", start_hint=hint),
            cache=EmbeddingCache(path=cache_path),
        )
        self.chat = LlamafileChat(
            connect(chat_url or "http://127.0.0.1:8080", role="chat", start_hint=hint)
        )
        self._status: dict[str, Any] | None = None
        self._status_at = 0.0
        self._lock = threading.Lock()

    def require(self) -> None:
        """Raise the LlamafileError that explains why AI is unusable, if it is."""
        if not self.configured:
            raise LlamafileError("not_configured", _NOT_CONFIGURED)

    def status(self) -> dict[str, Any]:
        """GET /api/ai's answer (docs/api.md "AI status"), cached for a few seconds."""
        with self._lock:
            if self._status is not None and time.monotonic() - self._status_at < STATUS_TTL:
                return self._status
        st = self._compute_status()
        with self._lock:
            self._status, self._status_at = st, time.monotonic()
        return st

    def _compute_status(self) -> dict[str, Any]:
        if not self.configured:
            return {
                "enabled": True,
                "ready": False,
                "embed": None,
                "chat": None,
                "message": _NOT_CONFIGURED,
                "fix": "herd serve",
            }
        embed, e_err = _role(self.embedder.server)
        chat, c_err = _role(self.chat.server)
        if c_err is None:
            try:
                chat["via"] = self.chat.route()
            except LlamafileError:
                chat["via"] = None
        err = e_err or c_err
        return {
            "enabled": True,
            "ready": err is None,
            "embed": embed,
            "chat": chat,
            "message": err.message if err else None,
            "fix": _fix(err, self.source) if err else None,
            "roles": self.roles,
        }


_NOT_CONFIGURED = (
    "No Llamafile is configured, so Organize is off. Start Herd with `herd serve` (bundled "
    "models) or give one: `herd serve --llamafile-url http://127.0.0.1:8080`."
)


def _start_hint(source: str) -> str | None:
    if source == "bundled":
        return "restart Herd (`herd serve`): it starts the bundled models itself"
    if source == "llamafile":
        return "restart Herd with the same --llamafile PATH"
    return None


def _role(server: Server | ServerPool) -> tuple[dict[str, Any], LlamafileError | None]:
    out: dict[str, Any] = {"url": server.url, "model": None, "dialect": None, "ready": False}
    if isinstance(server, ServerPool):
        out["servers"] = server.members()
    try:
        try:
            server.check()
        except LlamafileError:
            server.forget()  # it may come back as another server or model
            raise
        info = server.info()
        out.update(model=info.model, dialect=info.dialect, ready=True)
        if isinstance(server, ServerPool):
            out["servers"] = server.members()  # after check(): who answered just now
        return out, None
    except LlamafileError as e:
        return out, e


def _fix(err: LlamafileError, source: str) -> str:
    """The one command that fixes `err`."""
    if source == "bundled" and err.kind in ("unreachable", "start_failed"):
        return "herd serve"
    if err.kind == "not_prepared":
        return "herd models prepare"
    if err.kind in ("embeddings_disabled", "zero_vectors"):
        return "./your-model.llamafile --server --nobrowser --embedding"
    if err.kind == "chat_refused":
        return "herd serve --embed-url EMBED_URL --chat-url CHAT_URL"
    if err.kind == "unreachable":
        return "./your-model.llamafile --server --nobrowser --embedding --port 8080"
    return "herd serve"


def init_app(app: Flask) -> None:
    """Attach the AI service (None when started with --no-ai)."""
    app.extensions["herd.ai"] = None
    if not app.config.get("AI_ENABLED"):
        return
    both = app.config.get("LLAMAFILE_URL")
    embed = app.config.get("EMBED_URL") or both or app.config.get("CHAT_URL")
    chat = app.config.get("CHAT_URL") or both or app.config.get("EMBED_URL")
    cache_dir = app.config.get("CACHE_DIR")
    disk = None if app.config.get("TESTING") or not cache_dir else Path(cache_dir) / "embeddings.db"
    app.extensions["herd.ai"] = AIService(
        embed, chat, source=app.config.get("AI_SOURCE") or "url", cache_path=disk,
        roles=app.config.get("AI_ROLES"),
    )


def get_ai() -> AIService | None:
    """The AI service of the current app, or None when AI is off."""
    return current_app.extensions.get("herd.ai")
