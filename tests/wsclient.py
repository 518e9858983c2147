"""A WebSocket client for tests, on a plain blocking socket with wsproto (as a browser would:
a handshake with an Origin and the page's cookie, then masked text frames)."""

from __future__ import annotations

import json
import socket
from typing import Any

from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    CloseConnection,
    Ping,
    RejectConnection,
    RejectData,
    Request,
    TextMessage,
)


class Refused(Exception):
    """The server answered the handshake with an HTTP status instead of 101."""

    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"{status}: {body[:300]!r}")
        self.status, self.body = status, body

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    def __init__(self, port: int, path: str, headers: dict[str, str] | None = None,
                 host: str = "127.0.0.1", timeout: float = 10) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.inbox: list[Any] = []
        self.closed: CloseConnection | None = None
        extra = [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
        self.sock.sendall(self.ws.send(Request(host=f"{host}:{port}", target=path,
                                               extra_headers=extra)))
        reject: RejectConnection | None = None
        body = b""
        while True:
            data = self.sock.recv(65536)
            if not data:
                raise Refused(reject.status_code if reject else 0, body)
            self.ws.receive_data(data)
            for event in self.ws.events():
                if isinstance(event, AcceptConnection):
                    return
                if isinstance(event, RejectConnection):
                    reject = event
                    if not event.has_body:
                        raise Refused(event.status_code, b"")
                elif isinstance(event, RejectData):
                    body += event.data
                    if event.body_finished:
                        raise Refused(reject.status_code if reject else 0, body)
                else:
                    self.inbox.append(event)

    def send_text(self, text: str) -> None:
        self.sock.sendall(self.ws.send(TextMessage(data=text)))

    def send(self, message: Any) -> None:
        self.send_text(json.dumps(message))

    def receive(self) -> Any:
        """The next message, parsed (None once the server closed)."""
        parts: list[str] = []
        while True:
            while self.inbox:
                event = self.inbox.pop(0)
                if isinstance(event, TextMessage):
                    parts.append(event.data)
                    if event.message_finished:
                        return json.loads("".join(parts))
                elif isinstance(event, CloseConnection):
                    self.closed = event
                    return None
                elif isinstance(event, Ping):
                    self.sock.sendall(self.ws.send(event.response()))
            data = self.sock.recv(65536)
            if not data:
                return None
            self.ws.receive_data(data)
            self.inbox.extend(self.ws.events())

    def ask(self, message: Any) -> Any:
        self.send(message)
        return self.receive()

    def close(self) -> None:
        try:
            self.sock.sendall(self.ws.send(CloseConnection(code=1000)))
        except Exception:
            pass
        self.sock.close()
