"""Organize runs from many boards take turns, first come, first served, and a waiting board
is told its place (issue 11: 10 boards at once used to wait silently)."""

from __future__ import annotations

import threading
import time

import pytest

from server import create_app
from server.organize.pipeline import Cancelled
from server.organize.queue import RunQueue
from tests.test_organize_api import FakeAI, GatedEmbedder, app, make_board, wait_job  # noqa: F401


def _until(pred, what: str, within: float = 10.0):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        got = pred()
        if got:
            return got
        time.sleep(0.01)
    raise AssertionError(f"never: {what}")


def test_runs_go_in_the_order_they_asked_and_waiting_ones_hear_their_place():
    q = RunQueue(1)
    order, heard = [], {t: [] for t in "abc"}
    gates = {t: threading.Event() for t in "abc"}

    def run(t):
        q.wait_turn(t, lambda place, ahead: heard[t].append((place, ahead)), lambda: False)
        order.append(t)
        gates[t].wait(10)
        q.done(t)

    threads = []
    for t in "abc":
        threads.append(threading.Thread(target=run, args=(t,)))
        threads[-1].start()
        _until(lambda t=t: t in order or heard[t], f"{t} queued or running")
    assert order == ["a"] and heard["b"] == [(1, 1)] and heard["c"] == [(2, 2)]
    gates["a"].set()
    _until(lambda: order == ["a", "b"], "b runs after a")
    _until(lambda: heard["c"][-1] == (1, 1), "c moves up to first in line")
    gates["b"].set()
    gates["c"].set()
    for th in threads:
        th.join(10)
    assert order == ["a", "b", "c"]
    assert heard["a"] == []  # nobody ahead: never told to wait


def test_a_cancelled_waiting_run_leaves_the_line_and_the_next_moves_up():
    q = RunQueue(1)
    q.wait_turn("first", lambda *a: None, lambda: False)
    cancel = threading.Event()
    out = {}

    def waiting():
        try:
            q.wait_turn("second", lambda *a: None, cancel.is_set)
        except Cancelled:
            out["second"] = "cancelled"

    th = threading.Thread(target=waiting)
    th.start()
    _until(lambda: q.waiting() == 1, "second waits")
    cancel.set()
    th.join(5)
    assert out == {"second": "cancelled"} and q.waiting() == 0
    q.done("first")
    q.wait_turn("third", lambda *a: None, lambda: False)  # free at once: nobody is ahead


def test_two_slots_let_two_run_at_once():
    q = RunQueue(2)
    told = []
    q.wait_turn("a", told.append, lambda: False)
    q.wait_turn("b", told.append, lambda: False)
    assert told == []
    with pytest.raises(ValueError):
        RunQueue(0)


@pytest.fixture
def held():
    return GatedEmbedder()


@pytest.fixture
def ai(held):  # test_organize_api's app fixture puts this AI in the app
    return FakeAI(embedder=held)


def test_a_board_behind_another_boards_run_says_its_place_and_runs_next(client, held):
    first, second, third = (make_board(client, n) for n in ("A", "B", "C"))
    a = client.post(f"/api/boards/{first}/organize", json={}).get_json()["job"]
    assert held.entered.wait(10)  # A's run holds the model servers
    b = client.post(f"/api/boards/{second}/organize", json={}).get_json()["job"]
    c = client.post(f"/api/boards/{third}/organize", json={}).get_json()["job"]

    def job(bid, j):
        return client.get(f"/api/boards/{bid}/organize/{j['id']}").get_json()["job"]

    jb = _until(lambda: (j := job(second, b))["queue"] and j, "B is told its place")
    assert (jb["state"], jb["stage"], jb["queue"]) == ("running", "queued",
                                                       {"place": 1, "ahead": 1})
    assert "Waiting for 1 Organize run on other boards" in jb["message"]
    jc = _until(lambda: (j := job(third, c))["queue"] and j, "C is told its place")
    assert jc["queue"] == {"place": 2, "ahead": 2}

    # Cancel takes C out of the line at once, without waiting for the model servers.
    assert client.post(f"/api/boards/{third}/organize/{c['id']}/cancel").status_code == 200
    assert wait_job(client, third, c["id"])["state"] == "cancelled"
    assert job(second, b)["queue"] == {"place": 1, "ahead": 1}

    held.release.set()
    assert wait_job(client, first, a["id"])["state"] == "done"
    done = wait_job(client, second, b["id"])
    assert done["state"] == "done" and done["queue"] is None and done["groups"] == 4


def test_one_run_at_once_per_chat_server_unless_set(db_path):
    from server.api.organize import organizer
    from server.llamafile.chat import LlamafileChat

    three = FakeAI()
    three.chat = LlamafileChat("http://127.0.0.1:1,http://127.0.0.1:2,http://127.0.0.1:3")
    for settings, ai, want in (({}, FakeAI(), 1), ({}, three, 3),
                               ({"ORGANIZE_AT_ONCE": "2"}, three, 2)):
        made = create_app({"DATABASE": db_path, "AI_ENABLED": True, "TESTING": True, **settings})
        made.extensions["herd.ai"] = ai
        with made.app_context():
            assert organizer().queue.slots == want


def test_an_app_without_redis_does_not_load_redis_py(tmp_path):
    """The shared line is chosen in organizer() only with --redis; the embedded default
    starts without importing the client it never uses."""
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys; from server import create_app; "
            f"app = create_app({{'DATABASE': {str(tmp_path / 'h.db')!r}, 'AI_ENABLED': False}}); "
            "from server.api.organize import organizer\n"
            "with app.app_context(): organizer()\n"
            "print('redis' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, cwd=Path(__file__).parents[1])
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
