"""The one error type of the Llamafile client: its message tells the user what to do."""

from __future__ import annotations

from typing import Any


class LlamafileError(Exception):
    """A Llamafile call failed; `kind` names why, the message says how to fix it."""

    # kinds: unreachable, loading, embeddings_disabled, zero_vectors, chat_refused,
    # input_too_large, timeout, bad_response, server_error, not_configured, not_prepared,
    # prepare_failed, start_failed
    def __init__(
        self, kind: str, message: str, url: str | None = None, **details: Any
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.url = url
        # Machine-readable extras, e.g. input_too_large: index, tokens, limit.
        self.details = details
