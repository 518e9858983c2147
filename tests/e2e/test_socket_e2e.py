"""The board socket in real Chromium: a page sends its batches on /api/boards/<id>/socket once
it is open, others see them live, and without it the same edits go over HTTP."""

from __future__ import annotations

import pytest
from browser_helpers import TEST_CONTEXT, people, record_batches

pytestmark = pytest.mark.e2e


def drag_note(pg, note_id: str, dx: float, dy: float) -> None:
    box = pg.locator(f".note[data-id='{note_id}']").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    pg.mouse.move(x, y)
    pg.mouse.down()
    pg.mouse.move(x + dx, y + dy, steps=12)
    pg.mouse.up()
    pg.wait_for_function("!window.herd.busy()")


def test_a_drag_goes_on_the_board_socket_and_the_other_person_sees_it(browser, server, wait):
    b = server.board("Socket", notes=[{"id": "a", "text": "Drag me", "x": 0, "y": 0}])
    with people(browser, f"{server.base}/b/{b}") as (_, (p1, p2)):
        p1.wait_for_function("window.herd.socket?.isOpen()")
        batches = record_batches(p1)
        drag_note(p1, "a", 150, 90)
        x = server.notes(b)["a"]["x"]
        assert x > 100, server.notes(b)["a"]
        # Every position of the drag and its release went on the socket, none over HTTP.
        assert batches() and set(batches()) == {"socket"}, batches()
        wait(lambda: p2.evaluate("window.herd.model.notes.get('a').x") == x,
             what="the other page sees the move")


def test_without_the_socket_the_same_edits_go_over_http(browser, server, wait):
    b = server.board("No socket", notes=[{"id": "a", "text": "Drag me", "x": 0, "y": 0}])
    context = browser.new_context(viewport={"width": 1200, "height": 800}, **TEST_CONTEXT)
    try:
        pg = context.new_page()
        # A proxy that will not pass WebSockets: every attempt is refused at once.
        pg.route_web_socket("**/socket*", lambda ws: ws.close())
        server.login(pg)
        pg.goto(f"{server.base}/b/{b}")
        pg.wait_for_function("window.herd?.model && window.herd.connection === 'live'")
        batches = record_batches(pg)
        drag_note(pg, "a", 150, 90)
        wait(lambda: server.notes(b)["a"]["x"] > 100, what="the move saved over HTTP")
        assert batches() and set(batches()) == {"http"}, batches()
        assert pg.evaluate("window.herd.socket.isOpen()") is False
    finally:
        context.close()
