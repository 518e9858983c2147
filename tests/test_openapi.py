"""GET /api/openapi.json: every /api route is in the document, and only those."""

from __future__ import annotations

import re

import jsonschema_rs

IGNORED_METHODS = {"HEAD", "OPTIONS"}  # Flask answers these for every route by itself


def served(app) -> set[tuple[str, str]]:
    """(METHOD, /api/path/{param}) for every route the app serves under /api."""
    out = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        out |= {(m, path) for m in rule.methods - IGNORED_METHODS}
    return out


def documented(doc: dict) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, ops in doc["paths"].items() for method in ops}


def test_the_document_lists_exactly_the_routes_the_app_serves(app, client):
    resp = client.get("/api/openapi.json")
    assert resp.status_code == 200 and resp.content_type == "application/json"
    doc = resp.get_json()
    assert doc["openapi"].startswith("3.1")
    routes = served(app)
    assert len(routes) > 25
    assert routes - documented(doc) == set(), "routes missing from the OpenAPI document"
    assert documented(doc) - routes == set(), "documented routes the app does not serve"


def test_an_added_route_is_caught(make_app):
    """The comparison above is not vacuous: a route nobody documented shows up in it."""
    app = make_app()
    app.add_url_rule("/api/boards/<board_id>/secret", "secret", lambda board_id: "",
                     methods=["PUT"])
    doc = app.test_client().get("/api/openapi.json").get_json()
    assert served(app) - documented(doc) == {("PUT", "/api/boards/{board_id}/secret")}


def test_every_operation_answers_errors_in_the_shared_shape(client):
    doc = client.get("/api/openapi.json").get_json()
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            errors = {s: r for s, r in op["responses"].items() if s[0] in "45"}
            assert "400" in errors and "404" in errors, (method, path)
            assert all(r == {"$ref": "#/components/responses/Error"}
                       for r in errors.values()), (method, path)
            params = {p["name"] for p in op.get("parameters", []) if "name" in p}
            assert set(re.findall(r"{(\w+)}", path)) <= params, (method, path)
    assert doc["components"]["securitySchemes"]["ownerToken"] == {
        "type": "http", "scheme": "bearer", "description": "the owner token `herd serve` prints"}


def test_real_errors_match_the_error_schema(client):
    doc = client.get("/api/openapi.json").get_json()
    check = jsonschema_rs.validator_for(doc["components"]["schemas"]["Error"])
    bid = client.post("/api/boards", json={}).get_json()["id"]
    for resp in (client.get("/api/boards/nope"),
                 client.post(f"/api/boards/{bid}/notes", data="[" * 1000),
                 client.patch(f"/api/boards/{bid}/notes/x", json={"x": 1}),
                 client.put("/api/boards")):
        assert check.is_valid(resp.get_json()), resp.get_json()
    assert not check.is_valid({"error": {"status": 400, "message": "no code"}})


def test_limits_in_the_document_follow_the_settings(make_app):
    doc = make_app(MAX_NOTE_CHARS=50).test_client().get("/api/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    assert schemas["Note"]["properties"]["text"]["maxLength"] == 50
    assert schemas["View"]["properties"]["w"] == {"type": "number", "minimum": 1,
                                                  "maximum": 1_000_000}
