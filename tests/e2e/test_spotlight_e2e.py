"""Spotlight in real Chromium: one person leads, the other's view follows until they look away."""

from __future__ import annotations

import pytest
from browser_helpers import people

pytestmark = pytest.mark.e2e

CENTRE = ("() => { const r = window.herd.visibleRect();"
          " return [r.x + r.w / 2, r.y + r.h / 2]; }")


def same_centre(follower, leader) -> None:
    """Wait until the follower's view is centred where the leader's is."""
    lx, ly = leader.evaluate(CENTRE)
    follower.wait_for_function(
        "([x, y]) => { const r = window.herd.visibleRect();"
        " return Math.abs(r.x + r.w / 2 - x) < 2 && Math.abs(r.y + r.h / 2 - y) < 2; }",
        arg=[lx, ly])


def pan(pg, dx: int, dy: int) -> None:
    """Drag the empty canvas with the hand tool."""
    pg.mouse.move(150, 600)
    pg.mouse.down()
    pg.mouse.move(150 + dx, 600 + dy, steps=6)
    pg.mouse.up()


def test_followers_see_what_the_leader_sees_until_they_look_for_themselves(
        browser, server, open_board):
    b = server.board("Spotlight", notes=[{"id": "a", "text": "Look here", "x": 0, "y": 0}])
    with people(browser, f"{server.base}/b/{b}") as ((_, c2), (p1, p2)):
        p1.evaluate("localStorage.setItem('herd.name', 'Priya')")
        p1.click("#presence")
        p1.get_by_role("button", name="Spotlight me: everyone follows my view").click()
        p1.wait_for_selector("#spotlight-banner >> text=You are leading")
        p2.wait_for_selector("#spotlight-banner >> text=Following Priya's view")
        same_centre(p2, p1)
        pan(p1, 300, -120)  # the leader moves: the follower comes along
        same_centre(p2, p1)
        # Someone joining now follows too.
        p3 = c2.new_page()
        open_board(p3, b)
        p3.wait_for_selector("#spotlight-banner >> text=Following Priya's view")
        same_centre(p3, p1)
        p3.close()
        # The follower looks around by themselves: no longer following.
        pan(p2, -200, 0)
        p2.wait_for_selector("#spotlight-banner", state="hidden")
        mine = p2.evaluate(CENTRE)
        pan(p1, 100, 100)
        p1.wait_for_function("!window.herd.busy()")
        p2.wait_for_timeout(600)  # a follow would have arrived by now
        assert p2.evaluate(CENTRE) == mine
        # The leader stops; a fresh spotlight is followed again.
        p1.get_by_role("button", name="Stop spotlight").click()
        p1.wait_for_selector("#spotlight-banner", state="hidden")
        p1.click("#presence")
        p1.get_by_role("button", name="Spotlight me: everyone follows my view").click()
        p2.wait_for_selector("#spotlight-banner >> text=Following Priya's view")
        same_centre(p2, p1)
