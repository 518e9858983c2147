"""One Llamafile / llama.cpp / OpenAI-compatible server: HTTP calls, failures, dialect detection.

Every call has a timeout; only safe failures are retried (connection refused or reset, and
503 while the model loads), and every failure becomes a LlamafileError that says what to do.
A URL may name the model after a '#' (http://127.0.0.1:11434#nomic-embed-text) for servers
that host several, such as Ollama.
"""

from __future__ import annotations

import os
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from .errors import LlamafileError
from .templates import template_for

DEFAULT_URL = "http://127.0.0.1:8080"

# Dialects, by the name the status line shows.
OLD = "llamafile <= 0.8.12 (llama.cpp server)"
V2 = "llamafile 0.8.13-0.9 new server (llamafiler)"
LLAMA_SERVER = "llama.cpp llama-server / llamafile 0.10+"
OPENAI = "OpenAI-compatible"

_CHAT_REFUSED = ("does not support completions", "logits computation", "embedding only")


@dataclass
class ServerInfo:
    """What detection found out about one server."""

    url: str
    dialect: str
    model: str  # a short name for people (the file name)
    model_id: str  # the name the server knows it by (OpenAI "model" field)
    slots: int
    template: str | None  # a chat template the client knows for this model, if any
    has_health: bool
    props: dict[str, Any]
    chat_via: str | None = None  # set when an answer proved which completion route works


def _excerpt(resp: requests.Response) -> str:
    try:
        body = resp.json()
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            return str(body["error"].get("message", body["error"]))
        if isinstance(body, dict) and "error" in body:
            return str(body["error"])
        return str(body)[:300]
    except ValueError:
        return resp.text[:300]


class JsonCalls:
    """JSON over `call()`: what a Server and a pool of them share."""

    url: str

    def call(self, method: str, path: str, body: Any = None, **kw: Any) -> requests.Response:
        raise NotImplementedError

    def check(self, timeout: float = 2.0) -> None:
        raise NotImplementedError

    def health(self, timeout: float = 2.0) -> bool:
        """True when the server answers (for a pool: at least one) and is not loading."""
        try:
            self.check(timeout)
        except LlamafileError:
            return False
        return True

    def get_json(self, path: str, **kw: Any) -> Any:
        """GET and decode JSON (None for a 404 when ok404)."""
        resp = self.call("GET", path, **kw)
        return None if resp.status_code == 404 else self._json(resp, path)

    def post_json(self, path: str, body: Any, **kw: Any) -> Any:
        """POST JSON and decode the JSON answer (None for a 404 when ok404)."""
        resp = self.call("POST", path, body, **kw)
        return None if resp.status_code == 404 else self._json(resp, path)

    def _json(self, resp: requests.Response, path: str) -> Any:
        try:
            return resp.json()
        except ValueError as e:
            raise LlamafileError(
                "bad_response",
                f"{self.url}{path} did not answer JSON: is this a Llamafile? ({resp.text[:100]!r})",
                self.url,
            ) from e


class Server(JsonCalls):
    """HTTP access to one base URL, with thread-local pooled sessions and dialect detection."""

    def __init__(
        self,
        url: str = DEFAULT_URL,
        *,
        role: str = "embed",
        timeout: float = 60.0,
        connect_timeout: float = 3.0,
        retry_window: float = 2.0,
        load_wait: float = 60.0,
        start_hint: str | None = None,
    ) -> None:
        url, _, self.model_override = url.partition("#")
        self.url = url.rstrip("/")
        self.role = role
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.retry_window = retry_window  # how long connection refused/reset is retried
        self.load_wait = load_wait  # how long a loading (503) server is waited for
        self.start_hint = start_hint
        self._local = threading.local()
        self._info: ServerInfo | None = None
        self._info_at = 0.0
        self.info_ttl = 60.0
        self._lock = threading.Lock()

    # -- HTTP -------------------------------------------------------------------------------

    def _session(self) -> requests.Session:
        # requests.Session is not documented as thread-safe: one per thread, each pooled.
        s = getattr(self._local, "session", None)
        if s is None:
            s = requests.Session()
            s.mount("http://", HTTPAdapter(pool_connections=1, pool_maxsize=32))
            s.mount("https://", HTTPAdapter(pool_connections=1, pool_maxsize=32))
            s.trust_env = False  # a proxy must never see notes bound for a local server
            key = os.environ.get("LLAMAFILE_API_KEY")
            if key:
                s.headers["Authorization"] = f"Bearer {key}"
            self._local.session = s
        return s

    def unreachable_message(self) -> str:
        """The message for 'nothing answers at this URL', with the command that fixes it."""
        hint = self.start_hint or (
            "./your-model.llamafile --server --nobrowser --embedding --port "
            f"{self.url.rsplit(':', 1)[-1].split('/')[0]}, or run `herd serve` without a URL "
            "to use the bundled models"
        )
        return f"No Llamafile answers at {self.url} ({self.role}). Start it with: {hint}"

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        timeout: float | None = None,
        retry: bool = True,
        ok404: bool = False,
    ) -> requests.Response:
        """One HTTP call; safe failures retried, others raised as LlamafileError."""
        url = self.url + path
        read = self.timeout if timeout is None else timeout
        start = time.monotonic()
        delay = 0.1
        while True:
            try:
                resp = self._session().request(
                    method, url, json=body, timeout=(self.connect_timeout, read)
                )
            except requests.Timeout as e:
                if isinstance(e, requests.ConnectTimeout) and self._again(retry, start, delay):
                    delay = min(delay * 2, 1.0)
                    continue
                raise LlamafileError(
                    "timeout",
                    f"{self.url} did not answer {path} within {read:g}s. It may be overloaded or "
                    "stuck: try again, or restart it.",
                    self.url,
                ) from e
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as e:
                # Refused while starting, or reset because it died mid-request: both are safe
                # to retry for our calls (embeddings and completions change nothing).
                if self._again(retry, start, delay):
                    time.sleep(delay)
                    delay = min(delay * 2, 1.0)
                    continue
                self.forget()
                raise LlamafileError("unreachable", self.unreachable_message(), self.url) from e
            except requests.RequestException as e:  # anything else: still one error type
                raise LlamafileError(
                    "bad_response", f"{self.url}{path} failed: {e}", self.url
                ) from e
            if resp.status_code == 503 and retry and time.monotonic() - start < self.load_wait:
                time.sleep(min(delay, 0.5))
                delay = min(delay * 2, 1.0)
                continue
            if resp.status_code == 404 and ok404:
                return resp
            if resp.status_code >= 400:
                raise self._http_error(resp, path)
            return resp

    def _again(self, retry: bool, start: float, delay: float) -> bool:
        return retry and time.monotonic() - start + delay < self.retry_window

    def _http_error(self, resp: requests.Response, path: str) -> LlamafileError:
        msg = _excerpt(resp)
        low = msg.lower()
        if resp.status_code == 503:
            return LlamafileError(
                "loading",
                f"{self.url} is still loading its model; try again in a moment.",
                self.url,
            )
        if any(s in low for s in _CHAT_REFUSED):
            return LlamafileError(
                "chat_refused",
                f"{self.url} is an embeddings-only server and refuses completions. Give a chat "
                "URL: --chat-url http://HOST:PORT (a server started without --embeddings).",
                self.url,
            )
        if "embedding" in low and ("support" in low or "enable" in low or "--embedding" in low):
            return LlamafileError(
                "embeddings_disabled",
                f"{self.url} has embeddings turned off. Restart it with --embedding "
                "(llama-server: --embeddings).",
                self.url,
            )
        m = re.search(r"input \((\d+) tokens\) is too large.*?batch size: (\d+)", msg)
        if any(s in low for s in ("too large", "too long", "exceeds", "context length")):
            return LlamafileError(
                "input_too_large",
                f"{self.url} refused an input as too large: {msg}",
                self.url,
                tokens=int(m.group(1)) if m else None,
                limit=int(m.group(2)) if m else None,
            )
        return LlamafileError(
            "server_error",
            f"{self.url}{path} failed with HTTP {resp.status_code}: {msg}",
            self.url,
            status=resp.status_code,
        )

    # -- detection --------------------------------------------------------------------------

    def forget(self) -> None:
        """Drop what detection found (the server may come back as something else)."""
        self._info = None

    def info(self) -> ServerInfo:
        """Detect the dialect once (thread-safe) and remember it for `info_ttl` seconds."""
        info = self._info
        # Re-detect now and then: a server restarted on the same port may hold another model,
        # and the embedding cache is keyed by the model.
        if info is not None and time.monotonic() - self._info_at < self.info_ttl:
            return info
        with self._lock:
            if self._info is None or time.monotonic() - self._info_at >= self.info_ttl:
                self._info = self._detect()
                self._info_at = time.monotonic()
            return self._info

    def set_dialect(self, dialect: str) -> None:
        """Correct the dialect after an answer's shape proved it (shape beats guesses)."""
        if self._info is not None:
            self._info.dialect = dialect

    def check(self, timeout: float = 2.0) -> None:
        """Cheap liveness, no retries: raises LlamafileError (unreachable, loading, ...)."""
        resp = self.call("GET", "/health", timeout=timeout, retry=False, ok404=True)
        if resp.status_code == 404:
            # llamafiler and most OpenAI servers have no /health: any answer will do.
            self.call("GET", "/v1/models", timeout=timeout, retry=False, ok404=True)

    def _detect(self) -> ServerInfo:
        resp = self.call("GET", "/health", timeout=5.0, ok404=True)
        has_health = resp.status_code != 404
        props: dict[str, Any] = {}
        if has_health:
            props = self.get_json("/props", timeout=5.0, ok404=True) or {}
            dialect = LLAMA_SERVER if "build_info" in props else OLD
        else:
            probe = self.call("POST", "/embedding", {"content": "probe"}, timeout=10.0, ok404=True)
            dialect = V2 if probe.status_code != 404 else OPENAI
        model_id = self.model_override or self._model_id(props)
        model = os.path.basename(model_id.rstrip("/")) or model_id
        slots = int(props.get("total_slots") or 0)
        if not slots and dialect in (OLD, LLAMA_SERVER):
            try:
                slots = len(self.get_json("/slots", timeout=5.0, ok404=True) or [])
            except LlamafileError:
                slots = 0  # /slots can be disabled; fall back below
        slots = slots or (4 if dialect == OPENAI else 2)
        template = template_for(props.get("chat_template"), model)
        return ServerInfo(self.url, dialect, model, model_id, slots, template, has_health, props)

    def _model_id(self, props: dict[str, Any]) -> str:
        path = props.get("model_alias") or props.get("model_path")
        if path:
            return str(path)
        try:
            data = self.get_json("/v1/models", timeout=5.0, ok404=True) or {}
            return str(data["data"][0]["id"])
        except (LlamafileError, LookupError, TypeError):
            return "unknown"
