"""Organize on the board, in Chromium: options popover, progress, glide, toast with Undo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from browser_helpers import paste, people

pytestmark = pytest.mark.e2e

SEED = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "seed-ideas.json"
SEED_WORDS = ["pasta", "thomas dolby", "alpha", "apples", "cats", "pears", "meters", "brick",
              "dogs", "beta", "howard jones", "concrete", "asphalt", "milk", "rebar",
              "gillian gilbert", "hamsters", "bread", "butter", "wendy carlos", "gamma", "birds",
              "bananas", "rick wakeman", "inches", "glass", "feet", "gary numan", "miles",
              "lumber", "kilometers", "geoff downes"]


def test_organize_without_ai_says_why_and_changes_nothing(page, server, open_board):
    b = server.board("No AI", notes=[{"id": "a", "text": "apples", "x": 0, "y": 0}])
    open_board(page, b)
    page.wait_for_selector("#ai-status[data-state=off]")
    assert page.locator("#ai-status").inner_text() == "AI off"
    page.get_by_role("button", name="Organize notes into groups").click()
    page.get_by_role("dialog", name="Organize").get_by_role("button", name="Organize").click()
    toast = page.wait_for_selector(".toast.error")
    assert "--no-ai" in toast.inner_text()
    snap = server.snapshot(b)
    assert snap["groups"] == [] and snap["notes"][0]["x"] == 0
    # The AI status popover explains it too.
    page.get_by_role("button", name="AI off").click()  # named by what it shows
    page.wait_for_selector(".ai-pop >> text=Local AI is off")


@pytest.mark.integration
def test_organize_with_the_local_models_in_two_browsers_then_undo(browser, ai_server):
    srv = ai_server
    b = srv.board("Seed ideas")
    words = [n["text"] for n in json.loads(SEED.read_text())["notes"]] if SEED.exists() \
        else SEED_WORDS
    with people(browser, f"{srv.base}/b/{b}", width=1280) as (_, (p1, p2)):
        p1.wait_for_selector("#ai-status[data-state=ready]")
        p1.mouse.move(640, 400)
        paste(p1, "\n".join(f"- {w}" for w in words))
        p2.wait_for_function(f"window.herd.model.notes.size === {len(words)}")
        p1.wait_for_function("!window.herd.busy()")
        before = {n["id"]: (n["x"], n["y"]) for n in srv.snapshot(b)["notes"]}

        p1.get_by_role("button", name="Organize notes into groups").click()
        p1.get_by_role("dialog", name="Organize").get_by_role("button", name="Organize").click()
        for pg in (p1, p2):
            pg.wait_for_selector(".toast >> text=/Organized \\d+ notes into \\d+ groups/",
                                 timeout=120_000)
            pg.wait_for_function("window.herd.model.groups.size >= 2")
        titles = p2.locator(".frame-title").all_inner_texts()
        assert len(titles) >= 2 and all(t.strip() for t in titles)
        # The one who asked is shown the whole result: every new frame's title is on screen.
        p1.wait_for_function("""() => [...document.querySelectorAll('.frame-title')].every(t => {
            const r = t.getBoundingClientRect();
            return r.width > 0 && r.left >= 0 && r.top >= 0 && r.right <= innerWidth
                && r.bottom <= innerHeight; })""", timeout=30_000)
        snap = srv.snapshot(b)
        assert all(n["group_id"] for n in snap["notes"])

        # "Rename with AI" from a frame's menu, in the other browser: a fresh label is applied.
        p2.evaluate("window.herd.fit()")
        frame = p2.locator(".frame").first
        frame.locator(".frame-title").hover()
        frame.get_by_role("button", name="Group options").click()
        with p2.expect_response(lambda r: r.url.endswith("/suggest-title")) as info:
            p2.get_by_role("menuitem", name="Rename with AI").click()
        assert info.value.status == 200
        title = info.value.json()["title"]
        assert 0 < len(title.split()) <= 4
        gid = frame.get_attribute("data-id")
        p1.wait_for_function("([g, t]) => window.herd.model.groups.get(g)?.title === t",
                             arg=[gid, title])
        assert p2.locator(".toast.error").count() == 0

        p1.locator(".toast").filter(has_text="Organized").get_by_role("button", name="Undo").click()
        for pg in (p1, p2):
            pg.wait_for_function("window.herd.model.groups.size === 0")
            pg.wait_for_function(
                "pos => Object.entries(pos).every(([id, [x, y]]) => {"
                " const n = window.herd.model.notes.get(id); return n.x === x && n.y === y; })",
                arg=before)
        assert {n["id"]: (n["x"], n["y"]) for n in srv.snapshot(b)["notes"]} == before


@pytest.mark.integration
def test_ctrl_z_takes_back_an_organize_and_ctrl_shift_z_brings_it_again(browser, ai_server):
    srv = ai_server
    b = srv.board("Undo by keys")
    with people(browser, f"{srv.base}/b/{b}", count=1, width=1280) as (_, (pg,)):
        pg.wait_for_selector("#ai-status[data-state=ready]")
        pg.mouse.move(640, 400)
        paste(pg, "\n".join(f"- {w}" for w in SEED_WORDS[:16]))
        pg.wait_for_function("window.herd.model.notes.size === 16 && !window.herd.busy()")
        before = {n["id"]: (n["x"], n["y"], n["group_id"]) for n in srv.snapshot(b)["notes"]}
        pg.get_by_role("button", name="Organize notes into groups").click()
        pg.get_by_role("dialog", name="Organize").get_by_role("button", name="Organize").click()
        pg.wait_for_selector(".toast >> text=/Organized \\d+ notes into \\d+ groups/",
                             timeout=120_000)
        after = {n["id"]: (n["x"], n["y"], n["group_id"]) for n in srv.snapshot(b)["notes"]}
        assert after != before
        pg.locator("#viewport").click(position={"x": 5, "y": 300})  # focus the board
        pg.keyboard.press("Control+z")
        pg.wait_for_function("window.herd.model.groups.size === 0 && !window.herd.busy()")
        notes = lambda: {n["id"]: (n["x"], n["y"], n["group_id"])  # noqa: E731
                         for n in srv.snapshot(b)["notes"]}
        assert notes() == before
        pg.keyboard.press("Control+Shift+z")
        pg.wait_for_function("window.herd.model.groups.size > 0 && !window.herd.busy()")
        assert notes() == after
