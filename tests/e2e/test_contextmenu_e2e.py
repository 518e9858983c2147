"""The context menu on notes, frames and the canvas (issue 13): the common actions, each
with its shortcut shown, by right click or from the keyboard."""

from __future__ import annotations

import pytest
from test_board import center, note, settled

pytestmark = pytest.mark.e2e


def menu_items(pg) -> list[str]:
    return pg.locator(".context-menu [role=menuitem]").all_inner_texts()


def test_context_menus_on_a_note_a_frame_and_the_canvas(page, server, open_board, wait):
    b = server.board("Menus", groups=[{"id": "g", "title": "Fruit", "x": 0, "y": 0,
                                       "w": 600, "h": 400}],
                     notes=[note("a", "Apple", 50, 50)])
    open_board(page, b)

    page.click(".note[data-id='a']", button="right")
    items = menu_items(page)
    assert any(i.startswith("Duplicate") and "Ctrl+D" in i for i in items)
    assert any(i.startswith("Delete") for i in items)
    page.get_by_role("menuitem", name="Duplicate").click()
    wait(lambda: len(server.notes(b)) == 2, what="duplicated from the menu")
    settled(page)

    box = page.locator(".frame[data-id='g']").bounding_box()
    page.mouse.click(box["x"] + box["width"] - 30, box["y"] + box["height"] - 30, button="right")
    assert any(i.startswith("Rename") for i in menu_items(page))
    page.keyboard.press("Escape")
    assert page.locator(".context-menu").count() == 0

    x, y = 1000, 600  # empty canvas
    page.mouse.click(x, y, button="right")
    assert any(i.startswith("Add a note here") and "N" in i for i in menu_items(page))
    page.get_by_role("menuitem", name="Add a note here").click()
    page.wait_for_selector(".note-edit:focus")
    page.keyboard.type("Here")
    page.keyboard.press("Escape")
    wait(lambda: any(n["text"] == "Here" for n in server.notes(b).values()), what="new note")
    cx, cy = center(page, ".note:has-text('Here')")
    assert abs(cx - x) < 5 and abs(cy - y) < 5, "made where the menu was opened"


def test_the_context_menu_from_the_keyboard(page, server, open_board):
    b = server.board("Keys", notes=[note("a", "Apple", 50, 50)])
    open_board(page, b)
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.dataset.key") == "note:a"
    page.keyboard.press("Shift+F10")
    page.wait_for_selector(".context-menu [role=menuitem]:focus")
    first = page.evaluate("document.activeElement.textContent")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.textContent") != first
    page.keyboard.press("Escape")
    assert page.locator(".context-menu").count() == 0
    assert page.evaluate("document.activeElement.dataset.key") == "note:a", "focus goes back"
