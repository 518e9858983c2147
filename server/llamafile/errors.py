"""The one error type of the Llamafile client: its message tells the user what to do."""

from __future__ import annotations


class LlamafileError(Exception):
    """A Llamafile call failed; `kind` names why, the message says how to fix it."""

    # kinds: unreachable, loading, embeddings_disabled, zero_vectors, chat_refused,
    # input_too_large, timeout, bad_response, server_error
    def __init__(self, kind: str, message: str, url: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.url = url
