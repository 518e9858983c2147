"""Reading a board's live stream through the Flask test client, one SSE message at a time."""

from __future__ import annotations

import json


class Stream:
    """An open /events response, read one SSE message at a time."""

    def __init__(self, client, board, query="", headers=None):
        self.resp = client.get(f"/api/boards/{board}/events{query}", headers=headers or {},
                               buffered=False)
        assert self.resp.status_code == 200
        self.chunks = iter(self.resp.response)
        assert next(self.chunks) == b"retry: 2000\n\n"
        self.buffered: list[str] = []

    def next(self):
        """The next message as (id or None, data dict), or ("ping", None)."""
        if not self.buffered:  # one chunk may hold several messages
            self.buffered = next(self.chunks).decode().split("\n\n")[:-1]
        raw = self.buffered.pop(0)
        if raw.startswith(":"):
            return "ping", None
        fields = dict(line.split(": ", 1) for line in raw.strip().split("\n"))
        return fields.get("id"), json.loads(fields["data"])

    def next_of(self, kind):
        """Skip other messages (presence, pings) until one of type `kind`."""
        for _ in range(20):
            _, data = self.next()
            if data and data["type"] == kind:
                return data
        raise AssertionError(f"no {kind} event")

    def close(self):
        self.resp.close()
