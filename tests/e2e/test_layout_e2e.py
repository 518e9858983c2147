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
    page.evaluate("document.querySelector('.help-pop').scrollTop = 10000")
    assert page.evaluate("document.querySelector('.help-pop').scrollTop") > 0
