"""Hostile inputs (tests/hostile_inputs.py) never answer 500 and never write anything."""

from __future__ import annotations

import pytest
from hostile_inputs import BODY_ROUTES, CASES, NO_NUMBER

HERE = {"X-Herd-Client": "hostile-tab"}


@pytest.fixture
def ids(client):
    b = client.post("/api/boards", json={"name": "target"}).get_json()["id"]
    g = client.post(f"/api/boards/{b}/groups", json={"title": "g"}).get_json()["id"]
    n = client.post(f"/api/boards/{b}/notes", json={"text": "a", "group_id": g}).get_json()["id"]
    assert client.post(f"/api/boards/{b}/timer", json={"seconds": 600}).status_code == 200
    assert client.post(f"/api/boards/{b}/spotlight", headers=HERE, json={
        "view": {"x": 0, "y": 0, "w": 800, "h": 600}, "name": "Lead"}).status_code == 204
    assert client.post(f"/api/boards/{b}/cursor", headers=HERE,
                       json={"x": 5, "y": 6, "name": "Me"}).status_code == 204
    return {"b": b, "n": n, "g": g}


def everything(client, b: str) -> dict:
    """All a write could have touched: every board, this one's rows and seq, and the
    in-memory state (timer, spotlight, pointers)."""
    timer = client.get(f"/api/boards/{b}/timer").get_json()["timer"]
    timer.pop("remaining")  # counts down by itself
    return {
        "boards": client.get("/api/boards").get_json(),
        "board": client.get(f"/api/boards/{b}").get_json(),
        "timer": timer,
        "spotlight": client.get(f"/api/boards/{b}/spotlight").get_json(),
        "cursors": client.get(f"/api/boards/{b}/cursors").get_json(),
    }


def fill(text: str, ids: dict[str, str]) -> str:
    for key, value in ids.items():
        text = text.replace("{" + key + "}", value)
    return text


def test_the_corpus_covers_every_class_on_every_route_it_applies_to():
    names = [name for name, *_ in CASES]
    assert len(set(names)) == len(names)
    body_routes = {(m, p) for m, p, _ in BODY_ROUTES}

    def routes(kind: str) -> set[tuple[str, str]]:
        return {(m, p) for name, m, p, _ in CASES if name.startswith(kind)}

    assert routes("deep body") == routes("deep field") == body_routes
    assert routes("surrogate") == body_routes
    # Every route that takes a number.
    assert routes("400 digits") == body_routes - NO_NUMBER
    assert {p.split("?")[1].split("&")[0] for _, p in routes("export view")} == {
        "format=png", "format=svg"}


@pytest.mark.parametrize("name, method, path, body", CASES, ids=[c[0] for c in CASES])
def test_hostile_input_is_refused_whole(client, ids, name, method, path, body):
    before = everything(client, ids["b"])
    kwargs = {} if body is None else {"data": fill(body, ids).encode("utf-8"),
                                      "content_type": "application/json"}
    resp = client.open(fill(path, ids), method=method, headers=HERE, **kwargs)
    assert resp.status_code == 400, resp.get_data(as_text=True)[:500]
    assert resp.content_type == "application/json"
    payload = resp.get_json()
    assert set(payload) == {"error"}
    err = payload["error"]
    assert {"status", "code", "message"} <= set(err) <= {"status", "code", "message", "details"}
    assert err["status"] == 400 and err["code"] == "bad_request"
    assert isinstance(err["message"], str) and err["message"].endswith(".")
    if name.startswith("surrogate"):
        assert "surrogate" in err["message"] and err["details"]["field"] in err["message"]
    assert everything(client, ids["b"]) == before


SOCKET_CASES = [c for c in CASES if c[1:3] == ("POST", "/api/boards/{b}/ops")]
UPGRADE = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
           "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}


@pytest.mark.parametrize("name, method, path, body", SOCKET_CASES,
                         ids=[c[0] for c in SOCKET_CASES])
def test_hostile_batches_on_the_board_socket_are_refused_whole(app, client, ids, name, method,
                                                                path, body):
    """The board socket takes what POST .../ops takes, as messages: each hostile /ops body is
    answered with the same 400, in the same shape, and writes nothing."""
    from server.api.socket import _answer

    assert len(SOCKET_CASES) >= 15  # deep, surrogates, huge numbers: every class /ops gets
    before = everything(client, ids["b"])
    b = ids["b"]
    with app.test_request_context(f"/api/boards/{b}/socket", headers={
            **UPGRADE, "Authorization": client.environ_base["HTTP_AUTHORIZATION"]}):
        assert app.preprocess_request() is None  # the handshake passed the gate
        out = _answer(b, fill(body, ids), "hostile-tab")
    assert set(out) == {"id", "error"}, out
    err = out["error"]
    assert err["status"] == 400 and err["code"] == "bad_request", err
    assert isinstance(err["message"], str) and err["message"].endswith(".")
    assert everything(client, ids["b"]) == before
