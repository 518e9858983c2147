"""The board socket (/api/boards/<id>/socket): its handshake passes the gate like any route,
and every message passes it again (readmit) and runs the /ops write path.

The first tests answer messages in one process, in the handshake's request context after the
gate ran, as the route does between frames. The rest talk WebSocket to a real `herd serve`
(gunicorn's gevent worker), with tests/wsclient.py.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request

import pytest
from wsclient import Client, Refused
from wsproto.events import BytesMessage

from server import create_app
from server.api.socket import _answer
from server.store import get_store
from server.websocket import WebSocket, accept

UPGRADE = {"Upgrade": "websocket", "Connection": "keep-alive, Upgrade",
           "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "13"}
MOVE = [{"op": "update", "kind": "note", "id": "n1", "fields": {"x": 50, "y": 60}}]


@pytest.fixture
def room(tmp_path):
    """An app (three writes a minute per person), a board with note n1, and an editor's
    session cookie from the board's editor link."""
    app = create_app({"DATABASE": str(tmp_path / "s.db"), "AI_ENABLED": False,
                      "TESTING": True, "RATE_WRITES_SESSION": "3/minute"})
    owner = app.test_client()
    b = owner.post("/api/boards", json={"name": "Socket"}).get_json()["id"]
    owner.post(f"/api/boards/{b}/notes", json={"id": "n1", "text": "hi"})
    links = owner.get(f"/api/boards/{b}/links").get_json()
    editor = app.test_client(owner=False)
    assert editor.get(links["editor"].replace("http://localhost", "")).status_code == 303
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = f"{name}={editor.get_cookie(name).value}"
    return app, owner, b, cookie


def answers(app, b: str, cookie: str, messages: list) -> list[dict]:
    """What the socket answers each message, after the handshake passed the gate."""
    with app.test_request_context(f"/api/boards/{b}/socket",
                                  headers={**UPGRADE, "Cookie": cookie}):
        assert app.preprocess_request() is None  # the gate let the handshake through
        return [_answer(b, m if isinstance(m, str) else json.dumps(m), None)
                for m in messages]


def test_a_message_is_a_batch_on_the_one_write_path(room):
    app, owner, b, cookie = room
    (out,) = answers(app, b, cookie, [{"id": 7, "client": "tab-1", "ops": MOVE}])
    assert out["id"] == 7 and set(out) == {"id", "result"}
    assert out["result"]["results"][0]["x"] == 50 and out["result"]["seq"] >= 2
    note = owner.get(f"/api/boards/{b}").get_json()["notes"][0]
    assert (note["x"], note["y"]) == (50, 60)
    last = get_store(app).events_after(b, 0)[-1]
    assert last["client"] == "tab-1"  # the tab knows its own echo, as over HTTP


def test_bad_messages_get_the_one_error_shape_and_change_nothing(room):
    app, owner, b, cookie = room
    before = owner.get(f"/api/boards/{b}").get_json()["notes"]
    got = answers(app, b, cookie, [
        "not json", [1], {"id": 1}, {"id": 2, "ops": MOVE, "opts": 1},
        {"id": {"x": 1}, "ops": MOVE}, {"id": 3, "client": "no spaces", "ops": MOVE},
        {"id": "n", "ops": [{"op": "update", "kind": "note", "id": "gone", "fields": {}}]},
        {"id": 4, "ops": [{"op": "update", "kind": "note", "id": "n1", "fields": {"x": 1},
                           "version": 99}]},
    ])
    assert [g["error"]["status"] for g in got] == [400, 400, 400, 400, 400, 400, 404, 409]
    assert [g["id"] for g in got] == [None, None, 1, 2, None, 3, "n", 4]
    for g in got:
        assert set(g["error"]) >= {"status", "code", "message"} and g["error"]["message"]
    assert got[7]["error"]["details"]["current"]["id"] == "n1"  # a 409 carries the row
    assert owner.get(f"/api/boards/{b}").get_json()["notes"] == before


def test_each_message_counts_against_the_person_s_write_limit(room):
    app, owner, b, cookie = room
    got = answers(app, b, cookie, [{"id": i, "ops": MOVE} for i in range(4)])
    assert ["result" in g for g in got] == [True, True, True, False]
    err = got[3]["error"]
    assert err["status"] == 429 and err["details"]["retry_after"] >= 1


def test_a_rotated_link_or_a_deleted_board_stops_an_open_socket(room):
    app, owner, b, cookie = room
    with app.test_request_context(f"/api/boards/{b}/socket",
                                  headers={**UPGRADE, "Cookie": cookie}):
        assert app.preprocess_request() is None
        assert "result" in _answer(b, json.dumps({"id": 1, "ops": MOVE}), None)
        assert owner.post(f"/api/boards/{b}/links/editor/rotate").status_code == 200
        err = _answer(b, json.dumps({"id": 2, "ops": MOVE}), None)["error"]
        assert (err["status"], err["code"]) == (401, "link_rotated")
    x = owner.get(f"/api/boards/{b}").get_json()["notes"][0]["x"]
    owner_token = owner.environ_base["HTTP_AUTHORIZATION"]
    with app.test_request_context(f"/api/boards/{b}/socket",
                                  headers={**UPGRADE, "Authorization": owner_token}):
        assert app.preprocess_request() is None
        assert owner.delete(f"/api/boards/{b}").status_code == 204
        assert _answer(b, json.dumps({"ops": MOVE}), None)["error"]["status"] == 404
    assert x == 50


def test_the_handshake_is_refused_in_the_error_shape_where_it_must_be(room):
    app, owner, b, cookie = room
    person = app.test_client(owner=False)
    path = f"/api/boards/{b}/socket"
    cases = {
        "another site": (owner, {**UPGRADE, "Origin": "http://evil.example"}, 403),
        "no credentials": (person, UPGRADE, 401),
        "not an upgrade": (owner, {}, 400),
        "a bad key": (owner, {**UPGRADE, "Sec-WebSocket-Key": "short"}, 400),
        "an old version": (owner, {**UPGRADE, "Sec-WebSocket-Version": "8"}, 400),
        # Past the gate, the test client has no socket to hand over: refused, not a 500.
        "no gevent worker": (owner, UPGRADE, 400),
    }
    for what, (client, headers, status) in cases.items():
        r = client.get(path, headers=headers)
        assert r.status_code == status, (what, r.get_data(as_text=True))
        assert r.get_json()["error"]["status"] == status, what
    assert "WebSocket" in owner.get(path).get_json()["error"]["message"]
    # An upgrade to a route that is not a socket is refused as plainly.
    r = owner.get(f"/api/boards/{b}/events", headers=UPGRADE)
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "websocket_unexpected"


# -- the protocol edge, on a socket pair --------------------------------------------------


def test_accept_answers_a_well_formed_handshake_only():
    assert accept(UPGRADE).endswith(b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
    for bad in ({}, {**UPGRADE, "Connection": "close"}, {**UPGRADE, "Sec-WebSocket-Key": ""}):
        with pytest.raises(Exception, match="WebSocket"):
            accept(bad)


def _pair(max_message: int = 100, idle: float = 5.0):
    """A server WebSocket on one end of a socket pair, a wsproto client on the other."""
    from wsproto import ConnectionType
    from wsproto.connection import Connection

    a, b = socket.socketpair()
    client = Connection(ConnectionType.CLIENT)
    return WebSocket(a, max_message, idle), client, b


def test_fragments_are_joined_pings_answered_and_a_close_ends_it():
    from wsproto.events import CloseConnection, Ping, Pong, TextMessage

    ws, client, peer = _pair()
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.extend(ws.messages()))
    reader.start()
    peer.sendall(client.send(TextMessage(data="hel", message_finished=False)) +
                 client.send(Ping(b"p")) + client.send(TextMessage(data="lo")))
    peer.settimeout(5)
    client.receive_data(peer.recv(1000))
    assert [type(e) for e in client.events()] == [Pong]
    peer.sendall(client.send(CloseConnection(code=1000)))
    reader.join(5)
    assert got == ["hello"] and ws.close_code == 1000


def test_too_big_binary_or_silent_peers_are_closed_with_their_code():
    from wsproto.events import CloseConnection, TextMessage

    for send, code in ((lambda c: c.send(TextMessage(data="x" * 101)), 1009),
                       (lambda c: c.send(BytesMessage(data=b"\x00")), 1003),
                       (lambda c: b"", 1001)):
        ws, client, peer = _pair(idle=0.2)
        got: list[str] = []
        reader = threading.Thread(target=lambda ws=ws, got=got: got.extend(ws.messages()))
        reader.start()
        peer.sendall(send(client))
        reader.join(5)
        assert not reader.is_alive() and got == [] and ws.close_code == code
        peer.settimeout(5)
        data = b""
        while True:  # a silent peer gets a ping first, then the close
            data += peer.recv(1000)
            client.receive_data(data)
            data = b""
            closes = [e for e in client.events() if isinstance(e, CloseConnection)]
            if closes:
                assert closes[0].code == code
                break
        peer.close()


# -- against a real herd serve --------------------------------------------------------------


def _owner_board(server) -> str:
    def call(method: str, path: str, body: dict | None = None) -> dict:
        req = urllib.request.Request(server.url + path, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json",
                                              **server.headers})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read() or b"{}")

    b = call("POST", "/api/boards", {"name": "served"})["id"]
    call("POST", f"/api/boards/{b}/notes", {"id": "n1", "text": "hi"})
    return b


def test_served_batches_are_answered_in_order_and_reach_the_board_s_listeners(herd_server,
                                                                              tmp_path):
    server = herd_server(str(tmp_path / "served.db"))
    b = _owner_board(server)
    stream = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    stream.sendall(f"GET /api/boards/{b}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   f"Authorization: Bearer {server.token}\r\n\r\n".encode())
    ws = Client(server.port, f"/api/boards/{b}/socket?client=tab-9", server.headers)
    try:
        for i in range(1, 21):
            ws.send({"id": i, "ops": [{"op": "update", "kind": "note", "id": "n1",
                                       "fields": {"x": i}}]})
        got = [ws.receive() for _ in range(20)]
        assert [g["id"] for g in got] == list(range(1, 21))
        assert [g["result"]["results"][0]["x"] for g in got] == list(range(1, 21))
        # An error answer leaves the socket open for the next batch.
        assert ws.ask({"id": "bad", "ops": "nope"})["error"]["status"] == 400
        assert ws.ask({"id": 21, "ops": []})["result"]["results"] == []
        seen = b""
        deadline = time.monotonic() + 10
        while b'"x":20.0' not in seen and time.monotonic() < deadline:
            seen += stream.recv(65536)
        assert b'"x":20.0' in seen and b'"client":"tab-9"' in seen
    finally:
        ws.close()
        stream.close()
    # Closed cleanly: the worker goes on answering.
    with urllib.request.urlopen(server.url + "/api/health", timeout=10) as r:
        assert r.status == 200


def test_served_handshakes_are_refused_before_any_upgrade(herd_server, tmp_path):
    server = herd_server(str(tmp_path / "refused.db"))
    b = _owner_board(server)
    path = f"/api/boards/{b}/socket"
    for headers, status in (({**server.headers, "Origin": "http://evil.example"}, 403),
                            ({}, 401), ({**server.headers, "Origin": server.url}, None)):
        if status is None:
            Client(server.port, path, headers).close()  # its own page's origin is welcome
            continue
        with pytest.raises(Refused) as refused:
            Client(server.port, path, headers)
        assert refused.value.status == status
        assert refused.value.json()["error"]["status"] == status


def test_a_served_socket_closes_on_a_message_too_big_and_keeps_the_board(herd_server,
                                                                        tmp_path):
    server = herd_server(str(tmp_path / "big.db"))
    b = _owner_board(server)
    ws = Client(server.port, f"/api/boards/{b}/socket", server.headers)
    ws.send_text(json.dumps({"ops": [{"op": "update", "kind": "note", "id": "n1",
                                      "fields": {"text": "x" * 1_100_000}}]}))
    assert ws.receive() is None and ws.closed.code == 1009
    ws.close()
    with urllib.request.urlopen(urllib.request.Request(
            f"{server.url}/api/boards/{b}", headers=server.headers), timeout=10) as r:
        assert json.loads(r.read())["notes"][0]["text"] == "hi"
