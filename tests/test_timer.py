"""The workshop timer: one per board, told to everyone as time left, never as a clock time."""

from __future__ import annotations

import pytest

from server.timer import Timers


@pytest.fixture
def board(client):
    return client.post("/api/boards", json={"name": "workshop"}).get_json()["id"]


def test_start_tells_everyone_the_time_left_and_stop_ends_it(client, board):
    sub = client.application.extensions["herd.live"].subscribe(board)
    sub.get(1)  # presence
    assert client.get(f"/api/boards/{board}/timer").get_json() == {"timer": None}
    resp = client.post(f"/api/boards/{board}/timer", json={"seconds": 300, "name": "Priya"},
                       headers={"X-Herd-Client": "tab-1"})
    assert resp.status_code == 200
    ev = sub.get(1)
    assert ev["type"] == "timer" and ev["timer"]["seconds"] == 300.0
    assert 299 <= ev["timer"]["remaining"] <= 300
    assert ev["timer"]["by"] == "tab-1" and ev["timer"]["name"] == "Priya"
    now = client.get(f"/api/boards/{board}/timer").get_json()["timer"]
    assert now["remaining"] <= ev["timer"]["remaining"]
    assert client.post(f"/api/boards/{board}/timer", json={"stop": True}).get_json() == \
        {"timer": None}
    assert sub.get(1) == {"type": "timer", "timer": None}
    resp = client.post(f"/api/boards/{board}/timer", json={"stop": True})
    assert resp.status_code == 409
    sub.close()


def test_a_finished_timer_is_forgotten_and_cannot_be_stopped():
    now = [100.0]
    sent = []
    timers = Timers(lambda b, ev: sent.append(ev), clock=lambda: now[0])
    timers.start("b", 60, "tab", "")
    now[0] += 30
    assert timers.current("b")["remaining"] == 30
    now[0] += 31
    assert timers.current("b") is None
    timers.start("b", 60, "tab", "")
    now[0] += 61
    assert not timers.stop("b")  # already over: nobody is told it stopped
    assert sent[-1]["timer"] is not None


@pytest.mark.parametrize("body", [
    {"seconds": 0}, {"seconds": -5}, {"seconds": 4 * 3600 + 1}, {"seconds": "60"},
    {"seconds": True}, {"seconds": 60, "name": 3}, {"minutes": 5}, {"stop": False}, {},
])
def test_bad_timers_get_the_one_error_shape(client, board, body):
    resp = client.post(f"/api/boards/{board}/timer", json=body)
    assert resp.status_code == 400 and resp.get_json()["error"]["message"]
    assert client.get(f"/api/boards/{board}/timer").get_json() == {"timer": None}


def test_no_timer_on_a_board_that_does_not_exist(client):
    assert client.post("/api/boards/nope/timer", json={"seconds": 60}).status_code == 404
    assert client.get("/api/boards/nope/timer").status_code == 404
