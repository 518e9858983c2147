"""Locks in real Chromium: the facilitator locks a note and then the board, an editor's drag
is refused (nothing moves, on their page or on the server), one click unlocks."""

from __future__ import annotations

import pytest
from browser_helpers import people

pytestmark = pytest.mark.e2e

NOTES = [{"id": "n1", "text": "keep me", "x": 80, "y": 140},
         {"id": "n2", "text": "free", "x": 400, "y": 140}]


def drag(pg, note: str, dy: float = 200) -> None:
    box = pg.locator(f".note[data-id='{note}']").bounding_box()
    # Near the top: a toast at the bottom of the window may cover the rest of a low note.
    pg.mouse.move(box["x"] + 50, box["y"] + 25)
    pg.mouse.down()
    pg.mouse.move(box["x"] + 60, box["y"] + 25 + dy, steps=8)
    pg.mouse.up()
    pg.wait_for_function("!window.herd.busy()")


def test_a_locked_note_and_board_refuse_an_editors_drag_and_unlock_in_one_click(browser,
                                                                                  server):
    b = server.board("Locks", notes=[dict(n) for n in NOTES])
    links = server.api("GET", f"/api/boards/{b}/links")
    url = f"{server.base}/b/{b}"
    with people(browser, url, count=1, link=links["facilitator"]) as (_, (fac,)), \
            people(browser, url, count=1, link=links["editor"]) as (_, (ed,)):
        ed.click("#menu-btn")
        assert ed.get_by_role("menuitem", name="Lock the board").count() == 0
        ed.keyboard.press("Escape")
        fac.click(".note[data-id='n1']")
        fac.click("#sel-lock")
        ed.wait_for_selector(".note[data-id='n1'] .lock-badge")
        drag(ed, "n1")
        ed.wait_for_selector(".toast >> text=The facilitator locked that")
        assert server.notes(b)["n1"]["y"] == 140
        assert ed.evaluate("window.herd.model.notes.get('n1').y") == 140
        drag(ed, "n2")  # an unlocked note still moves
        assert server.notes(b)["n2"]["y"] > 240

        fac.click(".note[data-id='n1'] .lock-badge")  # one click unlocks
        ed.wait_for_function("!document.querySelector(\".note[data-id='n1'] .lock-badge\")")
        drag(ed, "n1")
        assert server.notes(b)["n1"]["y"] > 240

        fac.click("#menu-btn")
        fac.get_by_role("menuitem", name="Lock the board").click()
        ed.wait_for_selector("#board-locked:not([hidden])")
        y = server.notes(b)["n2"]["y"]
        drag(ed, "n2")
        assert server.notes(b)["n2"]["y"] == y
        ed.keyboard.press("n")  # no new notes either
        ed.wait_for_function("!window.herd.busy()")
        assert len(server.notes(b)) == 2
        fac.click("#board-locked")  # one click on the lock unlocks the board
        ed.wait_for_selector("#board-locked", state="hidden")
        drag(ed, "n2", dy=-150)
        assert server.notes(b)["n2"]["y"] < y


def test_an_unlocked_frame_dragged_over_a_locked_note_leaves_its_group(browser, server):
    """The lock gap: the frame moves, the locked note it now covers keeps its group (the page
    sends no change for it, and the server would keep it anyway)."""
    b = server.board("Lock gap", notes=[{"id": "L", "text": "locked", "x": 80, "y": 140}],
                     groups=[{"id": "ga", "title": "Home", "x": 20, "y": 80, "w": 500,
                              "h": 400},
                             {"id": "gb", "title": "Sweeper", "x": 700, "y": 80, "w": 260,
                              "h": 220}])
    links = server.api("GET", f"/api/boards/{b}/links")
    url = f"{server.base}/b/{b}"
    assert server.notes(b)["L"]["group_id"] == "ga"
    server.api("POST", f"/api/boards/{b}/lock", {"note_ids": ["L"]})
    with people(browser, url, count=1, link=links["editor"]) as (_, (ed,)):
        ed.wait_for_selector(".note[data-id='L'] .lock-badge")
        head = ed.locator(".frame[data-id='gb'] .frame-title").bounding_box()
        note = ed.locator(".note[data-id='L']").bounding_box()
        ed.mouse.move(head["x"] + 20, head["y"] + head["height"] / 2)
        ed.mouse.down()
        # Drop the frame's body over the locked note (the title sits just above the body).
        dx, dy = note["x"] - 40 - head["x"], note["y"] - 30 - head["y"]
        ed.mouse.move(head["x"] + 20 + dx, head["y"] + head["height"] / 2 + dy, steps=10)
        ed.mouse.up()
        ed.wait_for_function("!window.herd.busy()")
        groups = {g["id"]: g for g in server.snapshot(b)["groups"]}
        assert groups["gb"]["x"] < 300  # the frame moved: nothing refused it
        assert ed.locator(".toast >> text=The facilitator locked that").count() == 0
        assert server.notes(b)["L"]["group_id"] == "ga"
        assert ed.evaluate("window.herd.model.notes.get('L').group_id") == "ga"
