"""Other people's pointers: batched per board, never stored, bounded, with clear errors."""

from __future__ import annotations

import pytest

from server import cursors as cursors_mod
from server.cursors import CursorRelay


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def relay() -> tuple[CursorRelay, list, Clock]:
    sent: list = []
    clock = Clock()
    return CursorRelay(lambda b, ev: sent.append((b, ev)), clock=clock, background=False), \
        sent, clock


def test_many_moves_become_one_event_per_board_with_the_latest_positions():
    r, sent, _ = relay()
    for i in range(50):  # 50 people, each moving 10 times within one interval
        for step in range(10):
            r.move("b1", f"c{i:02d}", i * 10 + step, -step)
    r.move("b2", "solo", 5, 5)
    assert r.flush() == 2
    events = dict(sent)
    assert len(sent) == 2
    assert len(events["b1"]["moved"]) == 50
    assert events["b1"]["moved"]["c07"] == [79, -9, ""]  # only where it ended up
    assert events["b2"] == {"type": "cursors", "moved": {"solo": [5, 5, ""]}, "gone": []}
    assert r.flush() == 0  # nothing new, nothing sent


def test_leaving_is_announced_once_and_a_silent_pointer_is_forgotten():
    r, sent, clock = relay()
    r.move("b", "alice", 1, 2)
    r.move("b", "bob", 3, 4)
    r.flush()
    r.leave("b", "alice")
    r.leave("b", "alice")  # twice: still one "gone"
    r.flush()
    assert sent[-1][1] == {"type": "cursors", "moved": {}, "gone": ["alice"]}
    clock.now += cursors_mod.FORGET_AFTER + 1  # bob's tab died without a word
    r.flush()
    assert sent[-1][1]["gone"] == ["bob"] and r.count("b") == 0


def test_selections_travel_apart_from_pointer_moves_and_go_with_the_tab():
    r, sent, _ = relay()
    r.move("b", "ada", 1, 1, "Ada")
    r.select("b", "ada", ["note:n1", "group:g1"])
    r.flush()
    assert sent[-1][1] == {"type": "cursors", "moved": {"ada": [1, 1, "Ada"]}, "gone": [],
                           "selected": {"ada": ["note:n1", "group:g1"]}}
    for i in range(5):  # moving the pointer does not resend the selection
        r.move("b", "ada", i, i)
    r.flush()
    assert "selected" not in sent[-1][1]
    r.move("b", "ada", None, None)  # the pointer left the canvas; the selection stays
    r.flush()
    assert sent[-1][1]["moved"] == {"ada": [None, None, "Ada"]}
    assert r.peers("b") == {"ada": {"x": None, "y": None, "name": "Ada",
                                    "sel": ["note:n1", "group:g1"]}}
    r.leave("b", "ada")
    r.flush()
    assert sent[-1][1] == {"type": "cursors", "moved": {}, "gone": ["ada"]}
    assert r.peers("b") == {}


def test_a_board_shows_at_most_max_per_board_pointers(monkeypatch):
    monkeypatch.setattr(cursors_mod, "MAX_PER_BOARD", 3)
    r, _, _ = relay()
    assert all(r.move("b", f"c{i}", 0, 0) for i in range(3))
    assert not r.move("b", "late", 0, 0)
    assert r.move("b", "c1", 9, 9)  # those already shown keep moving
    r.leave("b", "c0")
    assert r.move("b", "late", 0, 0)


# -- over HTTP ------------------------------------------------------------------------------


@pytest.fixture
def board(client):
    return client.post("/api/boards", json={"name": "pointers"}).get_json()["id"]


def post(client, board, body, who="tab-1"):
    headers = {"X-Herd-Client": who} if who else {}
    return client.post(f"/api/boards/{board}/cursor", json=body, headers=headers)


def test_a_pointer_reaches_the_others_through_the_live_stream(client, board):
    hub = client.application.extensions["herd.live"]
    sub = hub.subscribe(board)
    assert sub.get(1)["type"] == "presence"
    assert post(client, board, {"x": 120.5, "y": -40, "name": " Ada\n Lovelace "}).status_code \
        == 204
    ev = sub.get(5)  # the background flusher sends it within an interval
    assert ev == {"type": "cursors", "moved": {"tab-1": [120.5, -40.0, "Ada Lovelace"]},
                  "gone": []}
    assert post(client, board, {"gone": True}).status_code == 204
    assert sub.get(5) == {"type": "cursors", "moved": {}, "gone": ["tab-1"]}
    sub.close()
    # Never stored: the board's event log and seq did not move.
    assert client.get(f"/api/boards/{board}").get_json()["seq"] == 0


def test_a_tab_that_joins_reads_everyone_s_pointer_and_selection(client, board):
    assert post(client, board, {"x": 5, "y": 6, "name": "Ada", "sel": ["note:a"]}).status_code \
        == 204
    assert post(client, board, {"sel": ["group:g"]}, who="tab-2").status_code == 204
    assert post(client, board, {"away": True}, who="tab-2").status_code == 204
    got = client.get(f"/api/boards/{board}/cursors").get_json()["cursors"]
    assert got == {"tab-1": {"x": 5.0, "y": 6.0, "name": "Ada", "sel": ["note:a"]},
                   "tab-2": {"x": None, "y": None, "name": "", "sel": ["group:g"]}}
    assert client.get("/api/boards/nope/cursors").status_code == 404


@pytest.mark.parametrize("body, who, status", [
    ({"x": 1, "y": 2}, None, 400),                  # whose pointer?
    ({"x": 1, "y": 2}, "bad id with spaces", 400),
    ({"x": 1}, "tab", 400),
    ({"x": "1", "y": 2}, "tab", 400),
    ({"x": 1e308, "y": 2}, "tab", 400),
    ({"x": 1, "y": 2, "note": "a"}, "tab", 400),
    ({"gone": False}, "tab", 400),
    ({"gone": True, "x": 1}, "tab", 400),
    ({"x": 1, "y": 2, "name": 7}, "tab", 400),
    ({"x": 1, "y": 2, "name": "x" * 41}, "tab", 400),
    ({"name": "Ada"}, "tab", 400),
    ({"away": False}, "tab", 400),
    ({"away": True, "x": 1, "y": 2}, "tab", 400),
    ({"sel": "note:a"}, "tab", 400),
    ({"sel": ["frame:a"]}, "tab", 400),
    ({"sel": ["note:" + "x" * 100]}, "tab", 400),
])
def test_bad_pointers_get_the_one_error_shape(client, board, body, who, status):
    resp = post(client, board, body, who)
    assert resp.status_code == status
    err = resp.get_json()["error"]
    assert err["status"] == status and err["message"]
    assert client.application.extensions["herd.cursors"].count(board) == 0


def test_a_pointer_on_a_board_that_does_not_exist_is_a_404(client):
    resp = post(client, "nope", {"x": 1, "y": 2})
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"
