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
        self.unpacked: list[tuple[str | None, dict]] = []
        self.batches = 0  # batch messages read so far

    def next(self):
        """The next event as (id or None, data dict), or ("ping", None). A batch message's
        events come one at a time, as the browser hands them on; the last one carries the
        message's id (the batch's last seq)."""
        if self.unpacked:
            return self.unpacked.pop(0)
        if not self.buffered:  # one chunk may hold several messages
            self.buffered = next(self.chunks).decode().split("\n\n")[:-1]
        raw = self.buffered.pop(0)
        if raw.startswith(":"):
            return "ping", None
        fields = dict(line.split(": ", 1) for line in raw.strip().split("\n"))
        data = json.loads(fields["data"])
        if data.get("type") != "batch":
            return fields.get("id"), data
        self.batches += 1
        events = data["events"]
        self.unpacked = [(None, e) for e in events[:-1]] + [(fields.get("id"), events[-1])]
        return self.unpacked.pop(0)

    def next_of(self, kind):
        """Skip other messages (presence, pings) until one of type `kind`."""
        for _ in range(20):
            _, data = self.next()
            if data and data["type"] == kind:
                return data
        raise AssertionError(f"no {kind} event")

    def close(self):
        self.resp.close()
