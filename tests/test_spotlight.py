"""Spotlight: one leader per board, followed live, taken over, stopped, and forgotten."""

from __future__ import annotations

import pytest

from server import spotlight as spot_mod
from server.spotlight import Spotlights

VIEW = {"x": -100, "y": 50, "w": 1600, "h": 900}


@pytest.fixture
def board(client):
    return client.post("/api/boards", json={"name": "workshop"}).get_json()["id"]


def post(client, board, body, who="lead-tab"):
    return client.post(f"/api/boards/{board}/spotlight", json=body,
                       headers={"X-Herd-Client": who} if who else {})


def test_leading_reaches_everyone_and_a_joiner_can_ask(client, board):
    sub = client.application.extensions["herd.live"].subscribe(board)
    sub.get(1)  # presence
    assert client.get(f"/api/boards/{board}/spotlight").get_json() == {"spotlight": None}
    assert post(client, board, {"view": VIEW, "name": "Priya"}).status_code == 204
    want = {"by": "lead-tab", "name": "Priya",
            "view": {"x": -100.0, "y": 50.0, "w": 1600.0, "h": 900.0}}
    assert sub.get(1) == {"type": "spotlight", "spotlight": want}
    assert client.get(f"/api/boards/{board}/spotlight").get_json() == {"spotlight": want}
    # Someone else takes over; only the leader can stop it.
    assert post(client, board, {"view": VIEW}, who="other-tab").status_code == 204
    assert sub.get(1)["spotlight"]["by"] == "other-tab"
    resp = post(client, board, {"stop": True})
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "conflict"
    assert post(client, board, {"stop": True}, who="other-tab").status_code == 204
    assert sub.get(1) == {"type": "spotlight", "spotlight": None}
    assert client.get(f"/api/boards/{board}/spotlight").get_json() == {"spotlight": None}
    sub.close()


def test_a_spotlight_nobody_confirms_is_over():
    now = [0.0]
    spots = Spotlights(lambda b, ev: None, clock=lambda: now[0])
    spots.lead("b", "tab", "Ada", dict(VIEW))
    now[0] += spot_mod.EXPIRES - 1
    assert spots.current("b") is not None
    spots.lead("b", "tab", "Ada", dict(VIEW))  # the leader's heartbeat
    now[0] += spot_mod.EXPIRES + 1
    assert spots.current("b") is None


@pytest.mark.parametrize("body, who", [
    ({"view": VIEW}, None),
    ({"view": {"x": 0, "y": 0, "w": 0, "h": 10}}, "tab"),
    ({"view": {"x": 0, "y": 0, "w": 10}}, "tab"),
    ({"view": [0, 0, 10, 10]}, "tab"),
    ({"view": VIEW, "name": ["x"]}, "tab"),
    ({"view": VIEW, "colour": "red"}, "tab"),
    ({"stop": False}, "tab"),
])
def test_bad_spotlights_get_the_one_error_shape(client, board, body, who):
    resp = post(client, board, body, who)
    assert resp.status_code == 400
    assert resp.get_json()["error"]["message"]
    assert client.get(f"/api/boards/{board}/spotlight").get_json() == {"spotlight": None}


def test_no_spotlight_on_a_board_that_does_not_exist(client):
    assert post(client, "nope", {"view": VIEW}).status_code == 404
    assert client.get("/api/boards/nope/spotlight").status_code == 404
