"""Other people's pointers in real Chromium: seen moving, the right size, gone when they leave."""

from __future__ import annotations

import pytest
from browser_helpers import people

pytestmark = pytest.mark.e2e


def board_point(pg, x: float, y: float) -> dict:
    """Where the screen point (x, y) of this page is on the board."""
    return pg.evaluate(
        "([x, y]) => { const v = window.herd.view;"
        " const r = window.herd.viewport.getBoundingClientRect();"
        " return {x: (x - r.left - v.tx) / v.zoom, y: (y - r.top - v.ty) / v.zoom}; }", [x, y])


def test_a_pointer_is_seen_by_the_other_browser_and_leaves_with_its_page(browser, server):
    b = server.board("Pointers", notes=[{"id": "a", "text": "Here", "x": 0, "y": 0}])
    with people(browser, f"{server.base}/b/{b}") as (_, (p1, p2)):
        p2.evaluate("window.herd.zoomTo(2)")  # the other person is zoomed in
        who = p1.evaluate("window.herd.clientId")
        p1.mouse.move(500, 400)
        p1.mouse.move(640, 420, steps=8)
        where = board_point(p1, 640, 420)
        sel = f".cursor[data-client='{who}']"
        p2.wait_for_function(
            "([sel, x, y]) => { const c = document.querySelector(sel); return c &&"
            " Math.abs(parseFloat(c.style.getPropertyValue('--x')) - x) <= 1 &&"
            " Math.abs(parseFloat(c.style.getPropertyValue('--y')) - y) <= 1; }",
            arg=[sel, where["x"], where["y"]])
        # Drawn at the same size on screen whatever the zoom.
        box = p2.locator(sel).bounding_box()
        assert box and 14 <= box["width"] <= 24
        # Our own pointer is never drawn for ourselves.
        assert p1.locator(".cursor").count() == 0
        p1.close()  # pagehide says "gone"
        p2.wait_for_selector(sel, state="detached")


def test_a_name_set_from_the_presence_chip_shows_beside_the_pointer(browser, server, open_board):
    b = server.board("Names")
    with people(browser, f"{server.base}/b/{b}") as ((c1, _), (p1, p2)):
        who = p1.evaluate("window.herd.clientId")
        sel = f".cursor[data-client='{who}'] .cursor-name"
        p1.mouse.move(400, 300)
        p1.mouse.move(420, 310, steps=3)
        # Before choosing a name: a stable guest name.
        p2.wait_for_selector(f"{sel} >> text=/^Guest /")
        p1.click("#presence")
        box = p1.get_by_role("textbox", name="Your name")
        box.fill("Ada <b>Lovelace</b>")
        box.press("Enter")
        p1.mouse.move(450, 330, steps=3)  # back on the canvas from the header
        p2.wait_for_selector(f"{sel} >> text=Ada <b>Lovelace</b>")  # as text, not HTML
        assert p2.locator(f"{sel} b").count() == 0
        # Kept in the browser: a new tab of the same person comes back with it.
        p1b = c1.new_page()
        open_board(p1b, b)
        p1b.click("#presence")
        assert p1b.get_by_role("textbox", name="Your name").input_value() == "Ada <b>Lovelace</b>"


def test_what_someone_selects_is_outlined_in_their_colour_for_the_others(
        browser, server, open_board):
    b = server.board("Selections", notes=[{"id": "a", "text": "Mine", "x": 0, "y": 0},
                                          {"id": "b", "text": "Free", "x": 300, "y": 0}])
    with people(browser, f"{server.base}/b/{b}") as ((_, c2), (p1, p2)):
        p1.click(".note[data-id='a']")
        p2.wait_for_selector(".note[data-id='a'].peer-sel")
        assert p2.locator(".note[data-id='b'].peer-sel").count() == 0
        assert p1.locator(".peer-sel").count() == 0  # never our own
        # Someone who joins now sees it too, though nothing moved since.
        p3 = c2.new_page()
        open_board(p3, b)
        p3.wait_for_selector(".note[data-id='a'].peer-sel")
        p3.close()
        # Selecting something else moves the outline; the pointer moving on does not take it
        # away; a click on empty canvas does.
        p1.click(".note[data-id='b']")
        p2.wait_for_selector(".note[data-id='b'].peer-sel")
        p2.wait_for_selector(".note[data-id='a'].peer-sel", state="detached")
        who = p1.evaluate("window.herd.clientId")
        p1.mouse.move(900, 500, steps=5)
        p2.wait_for_function(
            "who => { const c = document.querySelector(`.cursor[data-client='${who}']`);"
            " return c && parseFloat(c.style.getPropertyValue('--x')) > 0; }", arg=who)
        assert p2.locator(".note[data-id='b'].peer-sel").count() == 1
        p1.mouse.click(150, 600)
        p2.wait_for_selector(".peer-sel", state="detached")
