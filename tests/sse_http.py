"""A board's live stream from a real `herd serve` over HTTP, read as a browser's EventSource
would: one event at a time (a batch unpacked), the last id remembered for a reconnect."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit


class HttpStream:
    """GET /api/boards/<id>/events on a server; next() gives the next event's data."""

    def __init__(self, base_url: str, board: str, headers: dict[str, str] | None = None,
                 last_id: int | None = None, who: str | None = None,
                 timeout: float = 15) -> None:
        parts = urlsplit(base_url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        path = f"/api/boards/{board}/events" + (f"?who={who}" if who else "")
        sent = dict(headers or {})
        if last_id is not None:
            sent["Last-Event-ID"] = str(last_id)
        self.conn.request("GET", path, headers=sent)
        self.resp = self.conn.getresponse()
        assert self.resp.status == 200, self.resp.read()
        self.last_id = last_id
        self._pending: list[dict] = []

    def next(self) -> dict:
        """The next event (pings skipped); raises OSError / EOFError when the stream ends."""
        while not self._pending:
            fields: dict[str, str] = {}
            while True:
                try:
                    line = self.resp.fp.readline()
                except (AttributeError, ValueError):  # closed by close() meanwhile
                    raise EOFError("the stream was closed") from None
                if not line:
                    raise EOFError("the stream ended")
                line = line.decode().rstrip("\n")
                if line == "":
                    break
                if line.startswith(":"):
                    continue
                key, _, value = line.partition(": ")
                fields[key] = value
            if "data" not in fields:
                continue  # retry: or a ping
            data = json.loads(fields["data"])
            self._pending = data["events"] if data.get("type") == "batch" else [data]
            if "id" in fields:
                self.last_id = int(fields["id"])
        return self._pending.pop(0)

    def next_of(self, kind: str, limit: int = 200) -> dict:
        """Skip other events until one of type `kind`."""
        for _ in range(limit):
            event = self.next()
            if event.get("type") == kind:
                return event
        raise AssertionError(f"no {kind} event")

    def close(self) -> None:
        self.conn.close()
