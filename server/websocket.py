"""WebSocket over a connection gunicorn's gevent worker has already parsed the request of.

wsproto does the protocol (frames, masking, fragments, ping and close); this is the I/O
around it: the handshake's answer, then text messages in and out on one socket, in the
greenlet that took the request. No thread per socket and no compression: a message is a
batch of ops of a few hundred bytes, and a reader thread and zlib would cost more than the
frame (bench/socket.py).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Mapping
from typing import Any

from wsproto.connection import Connection, ConnectionState, ConnectionType
from wsproto.events import BytesMessage, CloseConnection, Event, Ping, Pong, TextMessage
from wsproto.frame_protocol import CloseReason
from wsproto.utilities import LocalProtocolError, generate_accept_token

from .errors import Invalid

IDLE = 30.0  # seconds of silence before a ping; a peer silent for two of them is gone


def is_upgrade(headers: Mapping[str, str]) -> bool:
    """Whether a request asks to become a WebSocket (RFC 6455, section 4.2.1)."""
    return (headers.get("Upgrade", "").lower() == "websocket"
            and "upgrade" in headers.get("Connection", "").lower().replace(" ", "").split(","))


def accept(headers: Mapping[str, str]) -> bytes:
    """The 101 answer to a WebSocket handshake; Invalid when it is not a well-formed one."""
    if not is_upgrade(headers):
        raise Invalid("This address takes a WebSocket (Upgrade: websocket); send the same "
                      "ops to POST .../ops instead.", code="websocket_expected")
    if headers.get("Sec-WebSocket-Version") != "13":
        raise Invalid("Herd speaks WebSocket version 13 (Sec-WebSocket-Version: 13).",
                      code="websocket_version")
    key = headers.get("Sec-WebSocket-Key", "")
    try:
        if len(base64.b64decode(key, validate=True)) != 16:
            raise ValueError
    except (binascii.Error, ValueError):
        raise Invalid("Sec-WebSocket-Key must be 16 random bytes in base64.",
                      code="websocket_key") from None
    return (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Accept: " +
            generate_accept_token(key.encode()) + b"\r\n\r\n")


class WebSocket:
    """One accepted WebSocket: text messages in, text messages out, until either side ends it."""

    def __init__(self, sock: Any, max_message: int, idle: float = IDLE) -> None:
        self.sock = sock
        self.max_message = max_message  # characters in one message, however fragmented
        self.idle = idle
        self.ws = Connection(ConnectionType.SERVER)
        self.close_code: int | None = None  # why it ended (ours or the peer's)

    def messages(self) -> Iterator[str]:
        """Each text message in turn; ends when the peer closes, breaks the protocol, sends
        too much or goes silent. Pings are answered on the way."""
        parts: list[str] = []
        size = 0
        pinged = False
        self.sock.settimeout(self.idle)
        while self.ws.state is ConnectionState.OPEN:
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                if pinged:
                    self.close(CloseReason.GOING_AWAY, "No answer to a ping.")
                    return
                self._send(Ping())
                pinged = True
                continue
            except OSError:
                return
            if not data:
                return
            pinged = False
            self.ws.receive_data(data)
            for event in self.ws.events():
                if isinstance(event, TextMessage):
                    parts.append(event.data)
                    size += len(event.data)
                    if size > self.max_message:
                        self.close(CloseReason.MESSAGE_TOO_BIG,
                                   f"A message may hold {self.max_message:,} characters.")
                        return
                    if event.message_finished:
                        yield "".join(parts)
                        parts, size = [], 0
                elif isinstance(event, BytesMessage):
                    self.close(CloseReason.UNSUPPORTED_DATA, "Send JSON as text messages.")
                    return
                elif isinstance(event, Ping):
                    self._send(event.response())
                elif isinstance(event, CloseConnection):
                    self.close_code = event.code
                    self._send(event.response())  # wsproto's protocol errors arrive so too
                    return
                elif not isinstance(event, Pong):  # pragma: no cover - wsproto has no others
                    return

    def send(self, text: str) -> bool:
        """Send one text message; False when the connection is gone."""
        return self._send(TextMessage(data=text))

    def close(self, code: int = CloseReason.NORMAL_CLOSURE, reason: str = "") -> None:
        """Start the closing handshake (nothing more is read after it)."""
        if self.ws.state is ConnectionState.OPEN:
            self.close_code = code
            self._send(CloseConnection(code=code, reason=reason))

    def _send(self, event: Event) -> bool:
        try:
            self.sock.sendall(self.ws.send(event))
            return True
        except (OSError, LocalProtocolError):  # gone, or closing: nothing more may be sent
            return False
