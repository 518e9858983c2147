"""The board's floating bars at narrow widths, and the shortcuts sheet in a short window."""

from __future__ import annotations

import pytest
from test_board import note

pytestmark = pytest.mark.e2e

BARS = """() => {
  const els = [...document.querySelectorAll('.topbar > *, .toolbar, .zoombar, .selbar')]
    .filter(e => !e.hidden && e.getClientRects().length && getComputedStyle(e).display !== 'none');
  return els.map(e => { const r = e.getBoundingClientRect();
    return {what: e.id || e.className, x: r.left, y: r.top, r: r.right, b: r.bottom}; });
}"""


@pytest.mark.parametrize("width", [768, 900, 1280])
def test_toolbars_never_overlap(page, server, open_board, width):
    b = server.board("A board with a long name for the header to hold at narrow widths",
                     notes=[note("a", "A", 0, 0)])
    page.set_viewport_size({"width": width, "height": 700})
    open_board(page, b)
    page.wait_for_selector("#presence:not([hidden])")
    page.click(".note[data-id='a']")  # the selection bar too
    page.wait_for_selector("#selbar:not([hidden])")
    boxes = page.evaluate(BARS)
    assert len(boxes) >= 8
    for i, a in enumerate(boxes):
        assert a["x"] >= 0 and a["r"] <= width, f"{a['what']} leaves the window at {width}px"
        for c in boxes[i + 1:]:
            apart = a["r"] <= c["x"] or c["r"] <= a["x"] or a["b"] <= c["y"] or c["b"] <= a["y"]
            assert apart, f"{a['what']} overlaps {c['what']} at {width}px"


def test_the_shortcuts_sheet_scrolls_inside_a_short_window(page, server, open_board):
    page.set_viewport_size({"width": 900, "height": 420})
    open_board(page, server.board("Short"))
    page.keyboard.press("?")
    sheet = page.wait_for_selector(".help-pop")
    box = sheet.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 420
    assert page.evaluate("(() => { const p = document.querySelector('.help-pop');"
                         " return p.scrollHeight > p.clientHeight; })()")
    # It has focus, so the keyboard scrolls it; Esc closes it.
    assert page.evaluate("document.activeElement.classList.contains('help-pop')")
    page.keyboard.press("End")
    page.wait_for_function("document.querySelector('.help-pop').scrollTop > 0")
    page.keyboard.press("Escape")
    page.wait_for_selector(".help-pop", state="detached")


def test_a_note_made_away_from_the_pointer_goes_to_a_free_spot_near_the_centre(
        page, server, open_board, wait):
    # A block of notes round the middle of the view; the pointer never touches the canvas.
    crowd = [note(f"n{i}{j}", "x", -250 + 170 * i, -190 + 130 * j)
             for i in range(3) for j in range(3)]
    b = server.board("Crowded", notes=crowd)
    open_board(page, b)
    page.evaluate("herd.setView({tx: 640, ty: 400, zoom: 1})")  # board (0, 0) mid-window
    page.get_by_role("button", name="Add a note", exact=True).focus()
    page.keyboard.press("Enter")  # the toolbar button, from the keyboard
    page.wait_for_selector(".note-edit:focus")
    page.keyboard.type("new")
    page.keyboard.press("Escape")
    notes = wait(lambda: len(n := server.notes(b)) == 10 and n, what="the new note")
    new = next(n for n in notes.values() if n["text"] == "new")
    for other in notes.values():
        if other is not new:
            apart = (new["x"] + new["w"] <= other["x"] or other["x"] + other["w"] <= new["x"]
                     or new["y"] + new["h"] <= other["y"] or other["y"] + other["h"] <= new["y"])
            assert apart, f"the new note lies under {other['id']}"
    assert abs(new["x"] + 80) < 600 and abs(new["y"] + 60) < 450, "near the centre"
