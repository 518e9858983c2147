"""Every error route answers with the one JSON error shape."""

from __future__ import annotations

import pytest

B, N, G = "{b}", "{n}", "{g}"

# (method, path, body or raw string, expected status)
CASES = [
    ("GET", "/api/boards/missing", None, 404),
    ("PATCH", "/api/boards/missing", {"name": "x"}, 404),
    ("DELETE", "/api/boards/missing", None, 404),
    ("PATCH", f"/api/boards/{B}", {"name": ""}, 400),
    ("PATCH", f"/api/boards/{B}", {"name": "x" * 201}, 413),
    ("PATCH", f"/api/boards/{B}", {"name": 5}, 400),
    ("PATCH", f"/api/boards/{B}", None, 400),
    ("POST", "/api/boards", "{not json", 400),
    ("POST", "/api/boards", "[1, 2]", 400),
    ("POST", "/api/boards/missing/notes", {"text": "a"}, 404),
    ("POST", f"/api/boards/{B}/notes", "{not json", 400),
    ("POST", f"/api/boards/{B}/notes", {"text": "x" * 10_001}, 413),
    ("POST", f"/api/boards/{B}/notes", {"text": "a", "color": "plaid"}, 400),
    ("POST", f"/api/boards/{B}/notes", {"text": "a", "id": "no spaces"}, 400),
    ("POST", f"/api/boards/{B}/notes", {"text": "a", "id": N}, 409),
    ("POST", f"/api/boards/{B}/notes", {"text": "a", "group_id": "ghost"}, 404),
    ("POST", f"/api/boards/{B}/notes", {"x": 1}, 400),
    ("PATCH", f"/api/boards/{B}/notes/missing", {"x": 1}, 404),
    ("PATCH", f"/api/boards/{B}/notes/{N}", {"x": "left"}, 400),
    ("PATCH", f"/api/boards/{B}/notes/{N}", {"x": 1, "version": 99}, 409),
    ("PATCH", f"/api/boards/{B}/notes/{N}", {"x": 1, "version": "1"}, 400),
    ("DELETE", f"/api/boards/{B}/notes/missing", None, 404),
    ("DELETE", f"/api/boards/{B}/notes/{N}?version=x", None, 400),
    ("DELETE", f"/api/boards/{B}/notes/{N}?version=7", None, 409),
    ("POST", "/api/boards/missing/groups", {"title": "a"}, 404),
    ("POST", f"/api/boards/{B}/groups", {"title": "a", "note_ids": ["ghost"]}, 404),
    ("POST", f"/api/boards/{B}/groups", {"title": "a", "note_ids": "n"}, 400),
    ("POST", f"/api/boards/{B}/groups", {"title": "t" * 201}, 413),
    ("PATCH", f"/api/boards/{B}/groups/missing", {"title": "a"}, 404),
    ("PATCH", f"/api/boards/{B}/groups/{G}", {"title": "a", "version": 5}, 409),
    ("DELETE", f"/api/boards/{B}/groups/missing", None, 404),
    ("POST", "/api/boards/missing/ops", {"ops": []}, 404),
    ("POST", f"/api/boards/{B}/ops", {}, 400),
    ("POST", f"/api/boards/{B}/ops", {"ops": {"op": "create"}}, 400),
    ("POST", f"/api/boards/{B}/ops", {"ops": [{"op": "create", "kind": "note"}]}, 400),
    ("POST", f"/api/boards/{B}/ops", "", 400),
    ("POST", f"/api/boards/{B}/ops", {"ops": [{"op": "delete", "kind": {}, "id": "x"}]}, 400),
    ("POST", f"/api/boards/{B}/ops", {"ops": [], "dry_run": True}, 400),
    ("POST", "/api/boards", {"title": "not name"}, 400),
    ("GET", "/api/boards/missing/events", None, 404),
    ("GET", f"/api/boards/{B}/events?after=soon", None, 400),
    ("GET", "/api/nothing-here", None, 404),
    ("PUT", "/api/boards", {}, 405),
    ("POST", f"/api/boards/{B}/ops", "x" * 1_000_001, 413),
]


@pytest.fixture
def ids(client):
    b = client.post("/api/boards", json={"name": "errors"}).get_json()["id"]
    n = client.post(f"/api/boards/{b}/notes", json={"text": "a"}).get_json()["id"]
    g = client.post(f"/api/boards/{b}/groups", json={"title": "g"}).get_json()["id"]
    return {"b": b, "n": n, "g": g}


@pytest.mark.parametrize("method, path, body, status", CASES,
                         ids=[f"{m} {p} {s}" for m, p, _, s in CASES])
def test_error_shape(client, ids, method, path, body, status):
    path = path.format(**ids)
    if isinstance(body, dict) and body.get("id") == N:
        body = {**body, "id": ids["n"]}
    kwargs = ({"data": body, "content_type": "application/json"} if isinstance(body, str)
              else {"json": body})
    r = client.open(path, method=method, **({} if body is None else kwargs))
    assert r.status_code == status, r.get_data(as_text=True)
    assert r.content_type == "application/json"
    payload = r.get_json()
    assert set(payload) == {"error"}
    err = payload["error"]
    assert set(err) <= {"status", "code", "message", "details"}
    assert err["status"] == status
    assert err["code"] == {400: "bad_request", 404: "not_found", 405: "method_not_allowed",
                           409: "conflict", 413: "too_large"}[status]
    assert isinstance(err["message"], str) and err["message"].endswith(".")
    if status == 409 and "version" in path + str(body):
        assert "current" in err["details"]


def test_405_says_which_methods_the_route_takes(client):
    r = client.put("/api/boards")
    assert r.status_code == 405 and r.get_json()["error"]["code"] == "method_not_allowed"
    assert {"GET", "POST"} <= {m.strip() for m in r.headers["Allow"].split(",")}


def test_an_unexpected_error_is_a_500_in_the_error_shape_and_logged(make_app, caplog):
    from server.access.gate import allow

    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @allow("public")
    def broken():
        raise RuntimeError("secret detail from deep inside")

    app.add_url_rule("/api/test-broken", "test_broken", broken)
    with caplog.at_level("ERROR"):
        resp = app.test_client().get("/api/test-broken")
    assert resp.status_code == 500
    body = resp.get_json()
    assert body == {"error": {"status": 500, "code": "internal_error",
                              "message": body["error"]["message"]}}
    assert "logged" in body["error"]["message"]
    assert "secret detail" not in resp.get_data(as_text=True)  # details stay in the log...
    assert any("secret detail" in r.getMessage() or (r.exc_info and "secret detail" in
               str(r.exc_info[1])) for r in caplog.records)  # ...where they are
