"""A small fake Llamafile on loopback (http.server in a thread), one preset per dialect.

Vectors are deterministic: [len(text), vowels, 1.0], so order and normalisation are checkable.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Handler = Callable[[Any], tuple[int, Any]]
CLOSE = object()  # a handler answer meaning: drop the connection without replying


def vec(text: str) -> list[float]:
    """The fake embedding of a text."""
    return [float(len(text)), float(sum(c in "aeiou" for c in text)), 1.0]


class FakeServer:
    """Routes {(method, path): handler(body) -> (status, json)}; records every request."""

    def __init__(self, routes: dict[tuple[str, str], Handler], port: int = 0) -> None:
        self.routes = routes
        self.requests: list[tuple[str, str, Any]] = []
        self.active = 0
        self.max_active = 0
        lock = threading.Lock()
        fake = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self, method: str) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n) if n else b""
                body = json.loads(raw) if raw else None
                path = self.path.split("?")[0]
                with lock:
                    fake.requests.append((method, path, body))
                    fake.active += 1
                    fake.max_active = max(fake.max_active, fake.active)
                try:
                    handler = fake.routes.get((method, path))
                    status, data = handler(body) if handler else (404, {"error": "Not Found"})
                finally:
                    with lock:
                        fake.active -= 1
                if data is CLOSE:
                    self.close_connection = True
                    return
                out = data.encode() if isinstance(data, str) else json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), _H)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def calls(self, path: str) -> list[Any]:
        """Bodies of the requests made to `path`."""
        return [b for _, p, b in self.requests if p == path]

    def close(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()


def ok(data: Any) -> Handler:
    return lambda body: (200, data)


def _chat_reply(body: Any) -> tuple[int, Any]:
    return 200, {"choices": [{"message": {"role": "assistant", "content": " fruits"}}]}


def old_llamafile(over: dict | None = None) -> dict:
    """llamafile <= 0.8.12: /embedding {"content": [..]} -> {"results": ..}, /completion."""

    def embedding(body):
        c = body["content"]
        if isinstance(c, list):
            return 200, {"results": [{"embedding": vec(t)} for t in c]}
        return 200, {"embedding": vec(c)}

    return {
        ("GET", "/health"): ok({"status": "ok"}),
        ("GET", "/props"): ok({"total_slots": 2, "default_generation_settings": {"n_ctx": 2048}}),
        ("GET", "/v1/models"): ok({"data": [{"id": "/m/TinyLlama-1.1B-Chat-v1.0.Q5_K_M.gguf"}]}),
        ("POST", "/embedding"): embedding,
        ("POST", "/completion"): lambda b: (200, {"content": " fruits", "stop": True}),
        ("POST", "/v1/chat/completions"): _chat_reply,
        **(over or {}),
    }


def llamafiler(over: dict | None = None) -> dict:
    """llamafile 0.8.13-0.9 new server: one string per /embedding, /v1/* for the rest."""

    def embedding(body):
        if not isinstance(body.get("content"), str):
            return 400, {"error": "content must be a string"}
        return 200, {"embedding": vec(body["content"]), "tokens_used": 3, "tokens_provided": 3}

    def v1_embeddings(body):
        data = [{"object": "embedding", "index": i, "embedding": vec(t)}
                for i, t in enumerate(body["input"])]
        return 200, {"object": "list", "data": data[::-1]}  # out of order on purpose

    return {
        ("POST", "/embedding"): embedding,
        ("POST", "/v1/embeddings"): v1_embeddings,
        ("GET", "/v1/models"): ok({"data": [{"id": "all-MiniLM-L6-v2.Q8_0.gguf"}]}),
        ("POST", "/v1/completions"): lambda b: (200, {"choices": [{"text": " fruits"}]}),
        ("POST", "/v1/chat/completions"): _chat_reply,
        **(over or {}),
    }


def llama_server(over: dict | None = None) -> dict:
    """llama.cpp llama-server / llamafile 0.10+: nested [{"index","embedding":[[..]]}]."""

    def embedding(body):
        c = body["content"]
        items = c if isinstance(c, list) else [c]
        return 200, [{"index": i, "embedding": [vec(t)]} for i, t in enumerate(items)]

    return {
        ("GET", "/health"): ok({"status": "ok"}),
        ("GET", "/props"): ok({
            "total_slots": 4,
            "model_path": "/cache/SmolLM2-135M-Instruct.Q4_1.gguf",
            "chat_template": "{{'<|im_start|>' + message['role'] + '\n'}}",
            "build_info": "b6000-abc",
        }),
        ("POST", "/embedding"): embedding,
        ("POST", "/completion"): lambda b: (200, {"content": " fruits", "stop": True}),
        ("POST", "/apply-template"): lambda b: (200, {"prompt": "<templated>"}),
        ("POST", "/v1/chat/completions"): _chat_reply,
        **(over or {}),
    }


def openai_compatible(over: dict | None = None) -> dict:
    """Ollama / LM Studio / vLLM: only /v1/*."""
    return {
        ("GET", "/v1/models"): ok({"data": [{"id": "nomic-embed-text:latest"}]}),
        ("POST", "/v1/embeddings"): lambda b: (200, {"data": [
            {"index": i, "embedding": vec(t)} for i, t in enumerate(b["input"])]}),
        ("POST", "/v1/chat/completions"): _chat_reply,
        **(over or {}),
    }


def slow(seconds: float, then: Handler) -> Handler:
    """A handler that waits before answering."""

    def h(body):
        time.sleep(seconds)
        return then(body)

    return h


if __name__ == "__main__":
    # Run as a stand-in .llamafile: `... --port N` serves the llama-server preset until killed.
    # With FAKE_EMBED_ONLY=1 it acts like llamafile 0.10: --embedding refuses completions.
    import os
    import sys

    port = int(sys.argv[sys.argv.index("--port") + 1])
    over = {}
    if os.environ.get("FAKE_EMBED_ONLY") and "--embedding" in sys.argv:
        over[("POST", "/completion")] = lambda b: (501, {"error": {
            "code": 501, "message": "This server does not support completions."}})
    FakeServer(llama_server(over), port).thread.join()
