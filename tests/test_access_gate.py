"""The one gate: every route declares what it does, and a role matrix over every route x
{owner, facilitator, editor, viewer, no credentials, rotated link} holds."""

from __future__ import annotations

import json

import pytest

from server import create_app
from server.access import policy_of
from server.access.gate import PUBLIC_ENDPOINTS

# endpoint -> the least role that may use it. Written out here, apart from the code's own
# declarations, so a route whose rule changes by mistake fails this test.
LEAST = {
    "pages.index": "public", "pages.board": "public", "links.health": "public",
    "openapi.openapi": "public",
    "ai.ai_status": "signed_in",
    "boards.list_boards": "owner", "boards.create_board": "owner",
    "boards.list_templates": "owner",
    "boards.delete_board": "owner", "export.import_board": "owner",
    "boards.get_board": "viewer", "events.events": "viewer", "cursors.peers": "viewer",
    "spotlight.current": "viewer", "timer.current": "viewer", "export.export_board": "viewer",
    "organize.status": "viewer", "votes.current": "viewer",
    "votes.add_dot": "editor", "votes.take_back": "editor",
    "votes.start": "facilitator", "votes.end": "facilitator",
    "locks.lock": "facilitator", "locks.unlock": "facilitator",
    "private.set_modes": "facilitator", "private.set_me": "editor",
    "items.create_note": "editor", "items.update_note": "editor",
    "items.delete_note": "editor", "items.create_group": "editor",
    "items.update_group": "editor", "items.delete_group": "editor", "ops.apply_ops": "editor",
    "socket.board_socket": "editor",
    "export.import_text": "editor", "cursors.cursor": "editor", "organize.start": "editor",
    "organize.cancel": "editor", "organize.sort": "editor",
    "organize.apply_preview": "editor", "organize.undo": "editor",
    "organize.suggest_title": "editor",
    "boards.rename_board": "facilitator", "links.links": "facilitator",
    "links.rotate": "facilitator", "links.qr": "facilitator",
    "spotlight.lead": "facilitator", "timer.start_or_stop": "facilitator",
}
ACTION_ROLE = {"own": "owner", "manage": "facilitator", "write": "editor", "read": "viewer",
               "public": "public", "signed_in": "signed_in"}
RANK = {"viewer": 1, "editor": 2, "facilitator": 3, "owner": 4}
WHO = ["owner", "facilitator", "editor", "viewer", "nobody", "rotated"]
UPGRADE = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
           "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}


def test_every_route_passes_the_gate_with_the_rule_it_should_have(app):
    """Walks the URL map: a route that is not declared (today's or a future one) fails here,
    and so does one whose declared rule differs from the table above."""
    seen = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            assert rule.endpoint == "static"
            continue
        policy = policy_of(app, rule.endpoint)
        assert policy is not None, f"{rule} ({rule.endpoint}) declares no access rule"
        assert rule.endpoint in LEAST, f"{rule.endpoint} is new: add it to LEAST"
        assert ACTION_ROLE[policy.action] == LEAST[rule.endpoint], rule.endpoint
        seen.add(rule.endpoint)
    assert seen == set(LEAST), f"routes gone: {set(LEAST) - seen}"


def test_an_undeclared_route_is_refused_not_served(make_app):
    app = make_app()

    @app.get("/api/sneaky")
    def sneaky():
        return {"secret": "everything"}

    r = app.test_client().get("/api/sneaky")
    assert r.status_code == 403 and "secret" not in r.get_data(as_text=True)
    assert r.get_json()["error"]["code"] == "forbidden"


class World:
    """One board with a note and a group, its links, and a client for each kind of caller."""

    def __init__(self, db_path: str) -> None:
        self.app = create_app({"DATABASE": db_path, "AI_ENABLED": False, "TESTING": True})
        self.owner = self.app.test_client()
        self.b = self.owner.post("/api/boards", json={"name": "Matrix"}).get_json()["id"]
        self.owner.post(f"/api/boards/{self.b}/ops", json={"ops": [
            {"op": "create", "kind": "group", "id": "g1", "fields": {"title": "G", "x": 0,
                                                                     "y": 0, "w": 400,
                                                                     "h": 300}},
            {"op": "create", "kind": "note", "id": "n1", "fields": {"text": "hi",
                                                                    "group_id": "g1"}}]})
        self.links = self.owner.get(f"/api/boards/{self.b}/links").get_json()
        self.export = self.owner.get(f"/api/boards/{self.b}/export?format=json").get_data()
        self.client_of: dict = {}

    def client(self, who: str):
        self.client_of[who] = self._client(who)
        return self.client_of[who]

    def _client(self, who: str):
        if who == "owner":
            return self.owner
        c = self.app.test_client(owner=False)
        if who == "nobody":
            return c
        role = "editor" if who == "rotated" else who
        r = c.get(self.links[role].replace("http://localhost", ""))
        assert r.status_code == 303, r.status_code
        if who == "rotated":
            assert self.owner.post(f"/api/boards/{self.b}/links/editor/rotate").status_code == 200
        return c


def request_for(world: World, endpoint: str, who: str = "owner") -> dict:
    """A request that the endpoint answers with success when the caller may use it."""
    b = world.b
    tab = {"X-Herd-Client": "tab-1"}
    table = {
        "pages.index": ("GET", "/", None, {}, 200),
        "pages.board": ("GET", f"/b/{b}", None, {}, 200),
        "links.health": ("GET", "/api/health", None, {}, 200),
        "openapi.openapi": ("GET", "/api/openapi.json", None, {}, 200),
        "ai.ai_status": ("GET", "/api/ai", None, {}, 200),
        "boards.list_boards": ("GET", "/api/boards", None, {}, 200),
        "boards.create_board": ("POST", "/api/boards", {"name": "new"}, {}, 201),
        "boards.list_templates": ("GET", "/api/templates", None, {}, 200),
        "boards.delete_board": ("DELETE", f"/api/boards/{b}", None, {}, 204),
        "export.import_board": ("POST", "/api/boards/import", json.loads(world.export), {}, 201),
        "boards.get_board": ("GET", f"/api/boards/{b}", None, {}, 200),
        "events.events": ("GET", f"/api/boards/{b}/events?max_events=1", None, {}, 200),
        "cursors.peers": ("GET", f"/api/boards/{b}/cursors", None, {}, 200),
        "spotlight.current": ("GET", f"/api/boards/{b}/spotlight", None, {}, 200),
        "timer.current": ("GET", f"/api/boards/{b}/timer", None, {}, 200),
        "export.export_board": ("GET", f"/api/boards/{b}/export?format=md", None, {}, 200),
        "organize.status": ("GET", f"/api/boards/{b}/organize/nojob", None, {}, 404),
        "items.create_note": ("POST", f"/api/boards/{b}/notes", {"text": "x"}, {}, 201),
        "items.update_note": ("PATCH", f"/api/boards/{b}/notes/n1", {"text": "y"}, {}, 200),
        "items.delete_note": ("DELETE", f"/api/boards/{b}/notes/n1", None, {}, 204),
        "items.create_group": ("POST", f"/api/boards/{b}/groups", {"title": "T"}, {}, 201),
        "items.update_group": ("PATCH", f"/api/boards/{b}/groups/g1", {"title": "U"}, {},
                               200),
        "items.delete_group": ("DELETE", f"/api/boards/{b}/groups/g1", None, {}, 204),
        "ops.apply_ops": ("POST", f"/api/boards/{b}/ops", {"ops": [
            {"op": "update", "kind": "note", "id": "n1", "fields": {"x": 5}}]}, {}, 200),
        # Past the gate the test client has no socket to hand over: the 400 that says so.
        "socket.board_socket": ("GET", f"/api/boards/{b}/socket", None, UPGRADE, 400),
        "export.import_text": ("POST", f"/api/boards/{b}/import-text", {"text": "a\nb"}, {},
                               200),
        "cursors.cursor": ("POST", f"/api/boards/{b}/cursor", {"x": 1, "y": 2}, tab, 204),
        # Organize is off in these apps (--no-ai): passing the gate means the 503 that says so.
        "organize.start": ("POST", f"/api/boards/{b}/organize", {}, {}, 503),
        "organize.cancel": ("POST", f"/api/boards/{b}/organize/nojob/cancel", None, {}, 404),
        "organize.sort": ("POST", f"/api/boards/{b}/organize/sort", {}, {}, 503),
        "organize.apply_preview": ("POST", f"/api/boards/{b}/organize/nojob/apply", None, {},
                                   404),
        "organize.undo": ("POST", f"/api/boards/{b}/organize/nojob/undo", None, {}, 404),
        "organize.suggest_title": ("POST", f"/api/boards/{b}/groups/g1/suggest-title", None,
                                   {}, 503),
        "boards.rename_board": ("PATCH", f"/api/boards/{b}", {"name": "Renamed"}, {}, 200),
        "links.links": ("GET", f"/api/boards/{b}/links", None, {}, 200),
        "links.rotate": ("POST", f"/api/boards/{b}/links/viewer/rotate", None, {}, 200),
        "links.qr": ("GET", f"/api/boards/{b}/links/viewer/qr.svg", None, {}, 200),
        "spotlight.lead": ("POST", f"/api/boards/{b}/spotlight",
                           {"view": {"x": 0, "y": 0, "w": 800, "h": 600}}, tab, 204),
        "timer.start_or_stop": ("POST", f"/api/boards/{b}/timer", {"seconds": 60}, {}, 200),
        "locks.lock": ("POST", f"/api/boards/{b}/lock", {"note_ids": ["n1"]}, {}, 200),
        "locks.unlock": ("POST", f"/api/boards/{b}/unlock", {"board": True}, {}, 200),
        "private.set_modes": ("PATCH", f"/api/boards/{b}/modes", {"private": True}, {}, 200),
        "private.set_me": ("PUT", f"/api/boards/{b}/me", {"name": "Ana"}, {}, 200),
        "votes.current": ("GET", f"/api/boards/{b}/vote", None, {}, 200),
        "votes.start": ("POST", f"/api/boards/{b}/vote", {"per_person": 3}, {}, 201),
        # The World runs a vote (owner-started) for these, and gives the caller a dot on n1.
        "votes.end": ("POST", f"/api/boards/{b}/vote/end", None, {}, 200),
        "votes.add_dot": ("POST", f"/api/boards/{b}/vote/dots", {"note_id": "n1"}, {}, 200),
        "votes.take_back": ("DELETE", f"/api/boards/{b}/vote/dots/n1", None, {}, 200),
    }
    if endpoint in ("votes.end", "votes.add_dot", "votes.take_back"):
        assert world.owner.post(f"/api/boards/{b}/vote", json={}).status_code == 201
        if endpoint == "votes.take_back" and who in ("owner", "facilitator", "editor"):
            # Voting needs a dot of the caller's own to take back: place it first.
            assert world.client_of[who].post(f"/api/boards/{b}/vote/dots",
                                             json={"note_id": "n1"}).status_code == 200
    method, path, body, headers, ok = table[endpoint]
    return {"method": method, "path": path, "body": body, "headers": headers, "ok": ok}


def may(who: str, least: str) -> bool:
    if least == "public":
        return True
    if who in ("nobody", "rotated"):
        return False
    return least == "signed_in" or RANK[who] >= RANK[least]


@pytest.mark.parametrize("endpoint", sorted(LEAST))
@pytest.mark.parametrize("who", WHO)
def test_role_matrix(tmp_path, endpoint, who):
    world = World(str(tmp_path / "m.db"))
    c = world.client(who)
    req = request_for(world, endpoint, who)
    before = world.owner.get(f"/api/boards/{world.b}").get_json()
    kwargs = {"headers": req["headers"]}
    if req["body"] is not None:
        kwargs["json"] = req["body"]
    r = c.open(req["path"], method=req["method"], **kwargs)
    if may(who, LEAST[endpoint]):
        assert r.status_code == req["ok"], (who, endpoint, r.get_data(as_text=True)[:300])
        return
    assert r.status_code in (401, 403), (who, endpoint, r.status_code)
    err = r.get_json()["error"]
    assert set(err) >= {"status", "code", "message"} and err["status"] == r.status_code
    if who == "nobody":
        assert r.status_code == 401
    if who == "rotated" and "board_id" in (c.application.url_map.bind("localhost")
                                           .match(req["path"].split("?")[0],
                                                  method=req["method"],
                                                  websocket="Upgrade" in req["headers"])[1]):
        assert err["code"] == "link_rotated", err
    after = world.owner.get(f"/api/boards/{world.b}").get_json()
    assert after["notes"] == before["notes"] and after["groups"] == before["groups"]
    assert after["board"]["name"] == before["board"]["name"]
