"""The Chat over HTTP: short completions, with the assistant's reply optionally begun."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import as_completed
from typing import Any

from .client import LLAMA_SERVER, OLD, V2
from .errors import LlamafileError
from .protocols import ChatRequest
from .role import RoleClient
from .templates import TEMPLATES, render

# How completions reach a server, in words for the AI status.
GENERIC_VIA = ("/completion with a generic User/Assistant prompt (the server names no model or "
               "chat template, and has no /v1/chat/completions)")
PLAIN_VIA = ("/completion with a plain few-shot text, no chat turns (the model has no chat "
             "template of its own: a base model)")


class LlamafileChat(RoleClient):
    """Chat (see protocols.py) for one server URL."""

    role = "chat"
    _plain: bool | None = None

    @property
    def plain(self) -> bool:
        """True when the model has no chat template of its own (a base model).

        llama-server falls back to ChatML for a GGUF without a template, and a model never
        trained on it splits `<|im_start|>` into pieces (Gemma-3-270M base: 8 tokens), so the
        template's special marker missing from the vocabulary gives it away. Turns a model was
        never trained on only confuse it; a plain document continues far better."""
        if self._plain is None:
            self._plain = self._detect_plain()
        return self._plain

    def _detect_plain(self) -> bool:
        try:
            info = self.server.info()
        except LlamafileError:
            return False
        marker = TEMPLATES[info.template].marker if info.template else ""
        if info.dialect != LLAMA_SERVER or not marker:
            return False
        try:
            data = self.server.post_json("/tokenize", {"content": marker, "add_special": False},
                                         ok404=True, timeout=10.0)
        except LlamafileError:
            return False
        tokens = data.get("tokens") if isinstance(data, dict) else None
        return isinstance(tokens, list) and len(tokens) > 1

    def route(self) -> str:
        """Which way this client talks to its server, for the AI status."""
        info = self.server.info()
        if info.chat_via:
            return info.chat_via
        if self.plain:
            return PLAIN_VIA
        if info.template and info.dialect in (OLD, LLAMA_SERVER):
            return f"/completion with the {info.template} template"
        if info.template and info.dialect == V2:
            return f"/v1/completions with the {info.template} template"
        if info.dialect == LLAMA_SERVER:
            return "/completion with the server's own template (/apply-template)"
        return "/v1/chat/completions (the server applies the model's template)"

    def complete(self, request: ChatRequest) -> str:
        """The continuation text (without the prefill)."""
        info = self.server.info()
        if info.chat_via == GENERIC_VIA:
            return self._completion(request, "generic")
        if self.plain:
            return self._completion(request, "plain")
        if info.template and info.dialect in (OLD, LLAMA_SERVER):
            return self._completion(request, info.template)
        if info.template and info.dialect == V2:
            return self._v1_completions(request, info.template)
        if info.dialect == LLAMA_SERVER:
            prompt = self._apply_template(request)
            if prompt is not None:
                return self._completion(request, None, prompt)
        return self._chat_completions(request)

    def complete_many(
        self, requests: Sequence[ChatRequest], progress: Callable[[int], None] | None = None
    ) -> list[str | Exception]:
        """Run requests concurrently (up to the server's slots); results in input order.

        `progress(n)` runs on the calling thread each time a request finishes (n finished so
        far); if it raises (a cancelled Organize), the requests not yet sent are dropped."""
        requests = list(requests)
        if not requests:
            return []
        try:
            slots = self.server.info().slots
        except LlamafileError as e:
            return [e for _ in requests]
        workers = max(1, min(self.max_concurrency or slots, slots, len(requests)))
        tick = progress or (lambda n: None)

        def one(r: ChatRequest) -> str | Exception:
            try:
                return self.complete(r)
            except LlamafileError as e:
                return e

        if workers == 1:
            out = []
            for r in requests:
                out.append(one(r))
                tick(len(out))
            return out
        pool = self._executor(workers)
        futures = {pool.submit(one, r): i for i, r in enumerate(requests)}
        results: list[str | Exception | None] = [None] * len(requests)
        try:
            for n, future in enumerate(as_completed(futures), 1):
                results[futures[future]] = future.result()
                tick(n)
        except BaseException:
            for future in futures:
                future.cancel()  # only the ones not yet started; a running one just finishes
            raise
        return results  # type: ignore[return-value]

    # -- per dialect ----------------------------------------------------------------------

    def _stops(self, request: ChatRequest, template: str | None) -> list[str]:
        stops = list(request.stop)
        if template:
            stops += [s for s in TEMPLATES[template].stop if s not in stops]
        return stops

    def _completion(self, request: ChatRequest, template: str | None, prompt: str = "") -> str:
        # llama.cpp's own /completion: we render the template, so the prefill can follow it.
        prompt = prompt or render(template or "chatml", request.messages, request.prefill)
        body = {
            "prompt": prompt,
            "n_predict": request.max_tokens,
            "temperature": request.temperature,
            "seed": request.seed,
            "stop": self._stops(request, template),
            "cache_prompt": True,
        }
        data = self.server.post_json("/completion", body)
        return self._text(data, lambda d: d["content"])

    def _apply_template(self, request: ChatRequest) -> str | None:
        # llama-server can render the model's own template; then we add the prefill.
        data = self.server.post_json(
            "/apply-template", {"messages": request.messages}, ok404=True, timeout=10.0
        )
        if not isinstance(data, dict) or "prompt" not in data:
            return None
        return data["prompt"] + request.prefill

    def _v1_completions(self, request: ChatRequest, template: str) -> str:
        body = {
            "model": self.server.info().model_id,
            "prompt": render(template, request.messages, request.prefill),
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "seed": request.seed,
            "stop": self._stops(request, template),
        }
        data = self.server.post_json("/v1/completions", body, ok404=True)
        if data is None:
            return self._chat_completions(request)
        return self._text(data, lambda d: d["choices"][0]["text"])

    def _chat_completions(self, request: ChatRequest) -> str:
        # The server applies the template; a trailing assistant message is the prefill, which
        # llama-server, Ollama and others continue. Some echo it back: strip it then.
        messages = list(request.messages)
        if request.prefill:
            messages.append({"role": "assistant", "content": request.prefill})
        body: dict[str, Any] = {
            "model": self.server.info().model_id,
            "messages": messages,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "seed": request.seed,
        }
        if request.stop:
            body["stop"] = request.stop
        old = self.server.info().dialect == OLD
        data = self.server.post_json("/v1/chat/completions", body, ok404=old)
        if data is None:
            # An old llamafile that cannot tell us its model or template, and has no chat
            # route: its raw /completion with plain turns is the one way left.
            self.server.info().chat_via = GENERIC_VIA
            return self._completion(request, "generic")
        text = self._text(data, lambda d: d["choices"][0]["message"]["content"] or "")
        if request.prefill and text.startswith(request.prefill):
            text = text[len(request.prefill) :]
        return text

    def _text(self, data: Any, pick) -> str:
        try:
            return str(pick(data))
        except (KeyError, IndexError, TypeError) as e:
            raise LlamafileError(
                "bad_response",
                f"{self.server.url} answered a completion in a shape Herd does not know: "
                f"{str(data)[:120]}",
                self.server.url,
            ) from e
