"""The workshop timer in real Chromium: started by one, counted down by all, stopped, over."""

from __future__ import annotations

import re

import pytest
from browser_helpers import people

pytestmark = pytest.mark.e2e


def shown(pg) -> str:
    return pg.locator("#timer-btn .timer-left").inner_text()


def test_a_timer_everyone_sees_counts_down_tops_up_stops_and_ends(browser, server):
    b = server.board("Timer")
    with people(browser, f"{server.base}/b/{b}") as (_, (p1, p2)):
        p1.click("#timer-btn")
        timer = p1.get_by_role("dialog", name="Timer")
        timer.get_by_role("button", name="5 min", exact=True).click()
        for pg in (p1, p2):
            pg.wait_for_function(
                "/^(5:00|4:5\\d)$/.test(document.querySelector('#timer-btn .timer-left')"
                ".textContent)")
        # Someone else adds a minute: everyone's countdown jumps up.
        p2.click("#timer-btn")
        p2.get_by_role("dialog", name="Timer").get_by_role("button", name="+1 minute").click()
        p1.wait_for_function(
            "/^(6:00|5:5\\d)$/.test(document.querySelector('#timer-btn .timer-left').textContent)")
        assert re.fullmatch(r"[56]:\d\d", shown(p2))
        p1.click("#timer-btn")
        p1.get_by_role("dialog", name="Timer").get_by_role("button", name="Stop timer").click()
        p2.wait_for_selector(".toast >> text=The timer was stopped.")
        assert shown(p1) == "" and shown(p2) == ""
        # A short one runs out: both see that time is up.
        p1.click("#timer-btn")
        dialog = p1.get_by_role("dialog", name="Timer")
        dialog.get_by_role("spinbutton", name="Minutes").fill("1")
        dialog.get_by_role("button", name="Start").click()
        p2.wait_for_function("document.querySelector('#timer-btn .timer-left').textContent")
        # Fast-forward: restart it with 1 second left through the API, as a top-up would.
        p1.evaluate(f"fetch('/api/boards/{b}/timer', {{method: 'POST', headers: "
                    "{'Content-Type': 'application/json'}, body: JSON.stringify({seconds: 1})})")
        for pg in (p1, p2):
            pg.wait_for_selector("#timer-btn.over >> text=Time's up")
            pg.wait_for_selector(".toast >> text=Time's up!")
