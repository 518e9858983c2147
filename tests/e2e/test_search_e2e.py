"""Search the board in real Chromium, from the keyboard alone: Ctrl+F, type, Enter and
Shift+Enter jump to each match in notes and frame titles (brought into view, marked, the
count right and said aloud), the buttons do the same, Esc closes on the match."""

from __future__ import annotations

import pytest
from test_board import note

pytestmark = pytest.mark.e2e


def in_view(pg, selector: str) -> bool:
    return pg.evaluate("""sel => { const r = document.querySelector(sel).getBoundingClientRect();
        return r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight; }""",
                       selector)


def test_search_jumps_to_each_match_and_closes_on_it(page, server, open_board):
    b = server.board("Search", groups=[
        {"id": "g", "title": "Coffee corner", "x": 1500, "y": 1500, "w": 500, "h": 300}],
        notes=[note("a", "Coffee machine is broken", 0, 0), note("t", "Tea", 300, 0),
               note("c", "More cafés nearby", 4000, 20)])
    open_board(page, b)
    page.evaluate("herd.setView({tx: 0, ty: 100, zoom: 1})")
    page.focus("#viewport")
    page.keyboard.press("Control+f")
    assert page.evaluate("document.activeElement.id") == "search-input"
    page.keyboard.type("coffee")
    page.wait_for_selector("#search-count >> text=1 of 2")
    assert page.locator(".search-hit").count() == 2  # the note and the frame title
    assert page.locator(".note[data-id='t'].search-hit").count() == 0

    page.keyboard.press("Enter")
    page.wait_for_selector("#search-count >> text=2 of 2")
    title = ".frame[data-id='g'] .frame-title"
    page.wait_for_selector(f"{title}.search-current")
    page.wait_for_function(f"""(() => {{ const r = document.querySelector("{title}")
        .getBoundingClientRect(); return r.left >= 0 && r.right <= innerWidth; }})()""")
    assert in_view(page, title)
    said = "document.querySelector('.board-tools [role=status].visually-hidden').textContent"
    assert page.evaluate(said) == "2 of 2: group “Coffee corner”"  # for a screen reader

    page.keyboard.press("Enter")  # round to the first again
    page.wait_for_selector("#search-count >> text=1 of 2")
    page.keyboard.press("Shift+Enter")
    page.wait_for_selector("#search-count >> text=2 of 2")

    # Accents and case aside; every word must be there.
    page.fill("#search-input", "CAFES near")
    page.wait_for_selector("#search-count >> text=1 of 1")
    page.wait_for_selector(".note[data-id='c'].search-current")
    page.wait_for_function("""(() => { const r = document.querySelector(".note[data-id='c']")
        .getBoundingClientRect(); return r.left >= 0 && r.right <= innerWidth; })()""")
    assert in_view(page, ".note[data-id='c']")
    page.fill("#search-input", "nothing like it")
    page.wait_for_selector("#search-count >> text=No matches")
    assert page.locator(".search-hit").count() == 0
    assert page.is_disabled("#search-next")

    # The buttons; a note typed by someone else while the bar is open is found too.
    page.fill("#search-input", "coffee")
    page.wait_for_selector("#search-count >> text=1 of 2")
    page.click("#search-next")
    page.wait_for_selector("#search-count >> text=2 of 2")
    server.api("POST", f"/api/boards/{b}/ops", {"ops": [
        {"op": "create", "kind": "note", "id": "late", "fields": {"text": "coffee beans",
                                                                 "x": 0, "y": 3000}}]})
    page.wait_for_selector("#search-count >> text=2 of 3")
    page.click("#search-prev")
    page.wait_for_selector("#search-count >> text=1 of 3")

    # Esc closes, clears the marks and leaves the keyboard on the match it was at.
    page.focus("#search-input")
    page.keyboard.press("Escape")
    assert page.is_hidden("#search-bar")
    assert page.locator(".search-hit").count() == 0
    assert page.evaluate("document.activeElement.dataset.key") == "note:a"


def test_the_toolbar_button_opens_and_closes_search(page, server, open_board):
    b = server.board("Search button", notes=[note("a", "Apple", 0, 0)])
    open_board(page, b)
    page.click("#search-btn")
    page.wait_for_selector("#search-bar:not([hidden])")
    assert page.get_attribute("#search-btn", "aria-expanded") == "true"
    page.keyboard.type("apple")
    page.wait_for_selector(".note[data-id='a'].search-current")
    page.click("#search-close")
    assert page.is_hidden("#search-bar")
    assert page.get_attribute("#search-btn", "aria-expanded") == "false"
