"""A browser that loses the server reconnects and catches up without reloading."""

from __future__ import annotations

import pytest
from browser_helpers import people

pytestmark = pytest.mark.e2e


def test_reconnects_and_catches_up_without_reload(page, server_process):
    srv = server_process.start()
    b = srv.board("Reconnect", notes=[{"id": "a", "text": "A", "x": 0, "y": 0}])
    srv.login(page)
    page.goto(f"{srv.base}/b/{b}")
    page.wait_for_function("window.herd?.model && window.herd.connection === 'live'")
    page.evaluate("window.__sameDocument = true")

    server_process.stop()
    page.wait_for_function("window.herd.connection !== 'live'")
    page.wait_for_selector("#conn:not(:empty)")

    srv = server_process.start()
    # Written right after the restart, possibly before the browser is back: either way it
    # arrives, from the event log (Last-Event-ID) or live.
    srv.api("POST", f"/api/boards/{b}/ops", {"ops": [
        {"op": "update", "kind": "note", "id": "a", "fields": {"x": 321, "text": "moved"}},
        {"op": "create", "kind": "note", "id": "z", "fields": {"text": "new", "x": 0, "y": 300}},
    ]})
    page.wait_for_function("window.herd.connection === 'live'", timeout=30_000)
    page.wait_for_function("window.herd.model.notes.get('a')?.x === 321", timeout=30_000)
    page.wait_for_selector(".note[data-id='z'] >> text=new")
    assert page.locator(".note[data-id='a'] .note-text").inner_text() == "moved"
    assert page.evaluate("window.__sameDocument") is True
    page.wait_for_selector("#conn:empty", state="attached")


def test_too_far_behind_gets_resync_and_refetches(page, server_process):
    srv = server_process.start()
    b = srv.board("Resync", notes=[{"id": "a", "text": "A", "x": 0, "y": 0}])
    srv.login(page)
    page.goto(f"{srv.base}/b/{b}")
    page.wait_for_function("window.herd?.model && window.herd.connection === 'live'")
    page.evaluate("window.__sameDocument = true")
    fetches = []
    page.on("request", lambda r: fetches.append(r.url)
            if r.method == "GET" and r.url.endswith(f"/api/boards/{b}") else None)

    # Keep the browser away while more changes happen than the server keeps (1,000 events).
    page.route("**/events*", lambda route: route.abort())
    server_process.stop()
    srv = server_process.start()
    for i in range(1, 1101):  # the log is pruned every 50 events to the last 1,000
        srv.api("POST", f"/api/boards/{b}/ops", {"ops": [
            {"op": "update", "kind": "note", "id": "a", "fields": {"x": i}}]})
    page.unroute("**/events*")

    page.wait_for_function("window.herd.model.notes.get('a')?.x === 1100", timeout=60_000)
    page.wait_for_function("window.herd.connection === 'live'")
    assert fetches, "the board was refetched after resync"
    assert page.evaluate("window.__sameDocument") is True


def test_a_board_deleted_while_the_browser_was_away_says_so(page, server_process):
    srv = server_process.start()
    b = srv.board("Gone", notes=[{"id": "a", "text": "A", "x": 0, "y": 0}])
    srv.login(page)
    page.goto(f"{srv.base}/b/{b}")
    page.wait_for_function("window.herd?.model && window.herd.connection === 'live'")
    server_process.stop()
    page.wait_for_function("window.herd.connection !== 'live'")
    srv = server_process.start()
    srv.api("DELETE", f"/api/boards/{b}")  # the board_deleted event had no one to reach
    page.wait_for_selector("#board-missing >> text=This board was deleted", timeout=30_000)


def test_after_a_restart_a_stale_timer_and_spotlight_are_not_kept(browser, server_process):
    """Timer, spotlight and pointers live in the server's memory and are never replayed: a
    browser that comes back reads them again instead of counting down a timer that is gone."""
    srv = server_process.start()
    b = srv.board("Restart")
    with people(browser, f"{srv.base}/b/{b}", count=1) as (_, (page,)):
        srv.api("POST", f"/api/boards/{b}/timer", {"seconds": 600})
        page.wait_for_function("document.querySelector('#timer-btn .timer-left').textContent")
        server_process.stop()
        page.wait_for_function("window.herd.connection !== 'live'")
        srv = server_process.start()
        page.wait_for_function("window.herd.connection === 'live'", timeout=30_000)
        page.wait_for_function(
            "!document.querySelector('#timer-btn .timer-left').textContent", timeout=10_000)
