"""Start from a template in real Chromium: the start page offers the templates the server
lists, the board opens with its frames, the timer offers the template's suggestion prefilled,
and a facilitator who did not make the board is offered it too."""

from __future__ import annotations

import pytest
from browser_helpers import people

pytestmark = pytest.mark.e2e


def left_to_right(pg) -> list[str]:
    """The frame titles on screen, from left to right."""
    return pg.evaluate("""[...document.querySelectorAll('.frame-title')]
        .sort((a, b) => a.getBoundingClientRect().x - b.getBoundingClientRect().x)
        .map(t => t.textContent)""")


def test_a_retrospective_board_has_its_frames_and_suggested_timer(page, server, browser):
    server.login(page)
    page.goto(server.base + "/")
    choice = page.get_by_role("group", name="Start from")
    for name in ("Empty board", "Retrospective", "Affinity map", "Lean Coffee",
                 "Start, Stop, Continue"):
        choice.get_by_role("radio", name=name).wait_for()
    assert choice.get_by_role("radio", name="Empty board").is_checked()
    # From the keyboard: the radios are one Tab stop, the arrows pick.
    page.fill("#new-name", "Sprint 14 retro")
    page.keyboard.press("Tab")  # the New board button
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")
    assert choice.get_by_role("radio", name="Retrospective").is_checked()
    page.click("button[type=submit]")
    page.wait_for_url("**/b/*")
    b = page.url.rsplit("/", 1)[1]
    page.wait_for_function("window.herd?.model && window.herd.connection === 'live'")
    titles = left_to_right(page)
    assert titles == ["Went well", "To improve", "Actions"]
    for t in titles:  # fitted into view on opening
        box = page.locator(f".frame-title >> text={t}").bounding_box()
        assert box and 0 <= box["x"] and box["x"] + box["width"] <= 1280
    assert server.snapshot(b)["board"]["name"] == "Sprint 14 retro"

    page.click("#timer-btn")
    pop = page.get_by_role("dialog", name="Timer")
    assert pop.get_by_label("Minutes").input_value() == "10"
    pop.get_by_role("button", name="Suggested: 10:00").click()
    page.wait_for_selector("#timer-btn.running")
    assert server.api("GET", f"/api/boards/{b}/timer")["timer"]["seconds"] == 600

    # A facilitator on another machine is offered the same suggestion.
    server.api("POST", f"/api/boards/{b}/timer", {"stop": True})
    links = server.api("GET", f"/api/boards/{b}/links")
    with people(browser, f"{server.base}/b/{b}", count=1, link=links["facilitator"]) as (_, (f,)):
        f.click("#timer-btn")
        f.get_by_role("dialog", name="Timer").get_by_role(
            "button", name="Suggested: 10:00").wait_for()


def test_an_empty_board_offers_no_suggestion_and_is_named_by_the_template(page, server):
    server.login(page)
    page.goto(server.base + "/")
    page.get_by_role("radio", name="Lean Coffee").check()
    page.click("button[type=submit]")  # no name typed: the template's name
    page.wait_for_url("**/b/*")
    page.wait_for_selector("#board-name >> text=Lean Coffee")
    assert left_to_right(page) == ["To discuss", "Discussing", "Done"]

    page.goto(server.base + "/")
    page.fill("#new-name", "Blank")
    page.click("button[type=submit]")
    page.wait_for_url("**/b/*")
    page.wait_for_function("window.herd?.model")
    assert page.locator(".frame").count() == 0
    page.click("#timer-btn")
    pop = page.get_by_role("dialog", name="Timer")
    pop.get_by_role("button", name="5 min", exact=True).wait_for()
    assert pop.get_by_role("button", name="Suggested").count() == 0
    assert pop.get_by_label("Minutes").input_value() == ""
