"""A participant on a phone (390 px wide, touch, mobile): the header and toolbars fit without
overlapping and every control is a 44 px target; with an editor link they add a note with
"+" and with a tap, type it, recolour it, drag it with a finger, pinch, and vote by tap."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from browser_helpers import TEST_CONTEXT, people
from test_board import note

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True,
         "device_scale_factor": 3}
# Every control of the header and the floating bars that a finger may tap, as laid out.
BOXES = """() => [...document.querySelectorAll(
    '.topbar button, .topbar a, .toolbar button, .zoombar button, .selbar button')]
  .filter(e => e.checkVisibility())
  .map(e => { const r = e.getBoundingClientRect();
    return {id: e.id || e.getAttribute('aria-label') || e.className, x: r.x, y: r.y,
            w: r.width, h: r.height}; })"""


@contextlib.contextmanager
def phone(browser, url: str) -> Iterator:
    """A phone's browser with the board open through `url` (a share link), live."""
    ctx = browser.new_context(**PHONE, **TEST_CONTEXT)
    try:
        pg = ctx.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.goto(url)
        pg.wait_for_function("window.herd?.model && window.herd.connection === 'live'")
        yield ctx, pg
        assert not errors, f"script errors on the phone: {errors}"
    finally:
        ctx.close()


def overlapping(boxes: list[dict]) -> list[tuple[str, str]]:
    out = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if (a["x"] < b["x"] + b["w"] - 0.5 and b["x"] < a["x"] + a["w"] - 0.5
                    and a["y"] < b["y"] + b["h"] - 0.5 and b["y"] < a["y"] + a["h"] - 0.5):
                out.append((a["id"], b["id"]))
    return out


def check_layout(pg, where: str) -> None:
    """Every control of the header and the bars is on screen, at least 44 px each way, and
    overlaps no other."""
    boxes = pg.evaluate(BOXES)
    assert len(boxes) >= 8, f"{where}: {boxes}"
    width, height = pg.viewport_size["width"], pg.viewport_size["height"]
    off = [b for b in boxes if b["x"] < 0 or b["y"] < 0 or b["x"] + b["w"] > width + 0.5
           or b["y"] + b["h"] > height + 0.5]
    assert not off, f"{where}: off screen: {off}"
    small = [b for b in boxes if b["w"] < 44 or b["h"] < 44]
    assert not small, f"{where}: under 44 px: {small}"
    bad = overlapping(boxes)
    assert not bad, f"{where}: overlapping {bad}"


def tap(pg, selector: str) -> None:
    target = pg.locator(selector)
    target.wait_for(state="visible")  # a bar may still be opening on a loaded machine
    box = target.bounding_box()
    assert box, selector
    pg.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def finger_drag(ctx, pg, x: float, y: float, dx: float, dy: float, steps: int = 10) -> None:
    """One finger down at (x, y), moved by (dx, dy), lifted: real touch events, through CDP."""
    cdp = ctx.new_cdp_session(pg)
    send = lambda kind, px, py: cdp.send("Input.dispatchTouchEvent", {  # noqa: E731
        "type": kind, "touchPoints": [] if kind == "touchEnd" else [{"x": px, "y": py, "id": 1}]})
    send("touchStart", x, y)
    for i in range(1, steps + 1):
        send("touchMove", x + dx * i / steps, y + dy * i / steps)
    send("touchEnd", x + dx, y + dy)
    cdp.detach()


def test_the_header_and_bars_fit_a_phone_with_44px_targets(browser, server):
    b = server.board("Sprint 14 retrospective with a long name",
                     notes=[note("a", "Apple", 40, 200)])
    links = server.api("GET", f"/api/boards/{b}/links")
    for role in ("editor", "facilitator", "viewer"):
        with phone(browser, links[role]) as (_, pg):
            pg.wait_for_selector("#presence:not([hidden])")
            assert pg.evaluate("matchMedia('(pointer: coarse)').matches")
            check_layout(pg, role)
            # Two rows at most: the search bar and the banners sit just below them.
            assert pg.evaluate("document.querySelector('.topbar').getBoundingClientRect()"
                               ".bottom") <= 106, role
            if role != "viewer":
                tap(pg, ".note[data-id='a']")
                pg.wait_for_selector("#selbar:not([hidden])")
                check_layout(pg, f"{role} with a note selected")
    # A tablet, upright and sideways, run by its facilitator.
    with phone(browser, links["facilitator"]) as (_, pg):
        for width, height in ((768, 1024), (1024, 768)):
            pg.set_viewport_size({"width": width, "height": height})
            check_layout(pg, f"facilitator on a {width} px tablet")
    # The same on a Pixel 7 and on the narrowest common phone.
    with phone(browser, links["editor"]) as (_, pg):
        for width, height in ((412, 915), (360, 740)):
            pg.set_viewport_size({"width": width, "height": height})
            check_layout(pg, f"editor at {width} px")


def test_a_phone_participant_adds_types_recolours_drags_and_votes(browser, server, wait):
    b = server.board("Phone", notes=[note("far", "Already here", 40, 600)])
    links = server.api("GET", f"/api/boards/{b}/links")
    with phone(browser, links["editor"]) as (ctx, pg):
        pg.evaluate("herd.setView({tx: 0, ty: 0, zoom: 1})")
        assert pg.locator("#add-note").is_visible()
        assert pg.get_attribute("#viewport", "aria-label").count("Tap") == 1

        # "+" makes a note and opens it for typing.
        tap(pg, "#add-note")
        pg.wait_for_selector(".note.editing textarea")
        pg.keyboard.type("From the plus button")
        pg.touchscreen.tap(60, 250)  # a tap on the empty canvas ends the edit, adds nothing
        wait(lambda: any(n["text"] == "From the plus button"
                         for n in server.notes(b).values()), what="the + note on the server")
        assert len(server.notes(b)) == 2

        # A tap on the empty canvas (nothing selected) makes a note right there.
        pg.wait_for_function("!herd.busy() && !herd.editing")
        # The note just made stays selected: the next tap only lets go of it.
        pg.touchscreen.tap(280, 250)
        pg.wait_for_function("herd.selection.size === 0")
        assert len(server.notes(b)) == 2 and not pg.locator(".note.editing").count()
        pg.touchscreen.tap(280, 250)
        pg.wait_for_selector(".note.editing textarea")
        pg.keyboard.type("From a tap")
        pg.locator(".note.editing textarea").evaluate("t => t.blur()")
        tapped = wait(lambda: next((n for n in server.notes(b).values()
                                    if n["text"] == "From a tap"), None), what="the tapped note")
        assert abs(tapped["x"] + tapped["w"] / 2 - 280) < 2
        nid = tapped["id"]

        # Recolour it from the selection bar, and edit it with a second tap.
        pg.evaluate(f"herd.select(['note:{nid}'])")
        tap(pg, "#selbar .swatch[data-color='green']")
        wait(lambda: server.notes(b)[nid]["color"] == "green", what="the green note")
        tap(pg, f".note[data-id='{nid}']")
        pg.wait_for_selector(f".note[data-id='{nid}'].editing textarea")
        pg.keyboard.press("End")
        pg.keyboard.type(", edited")
        pg.locator(".note.editing textarea").evaluate("t => t.blur()")
        wait(lambda: server.notes(b)[nid]["text"] == "From a tap, edited", what="the edit")

        # A finger drags it 120 px right and 60 down.
        before = server.notes(b)[nid]
        box = pg.locator(f".note[data-id='{nid}']").bounding_box()
        finger_drag(ctx, pg, box["x"] + 30, box["y"] + 30, 120, 60)
        after = wait(lambda: (n := server.notes(b)[nid]) and n["x"] != before["x"] and n,
                     what="the dragged note")
        assert (after["x"] - before["x"], after["y"] - before["y"]) == (120, 60)

        # A finger on the empty canvas pans; it adds nothing.
        count, view = len(server.notes(b)), pg.evaluate("herd.view")
        pg.evaluate("herd.clearSelection()")
        finger_drag(ctx, pg, 300, 700, -80, -40)
        moved = pg.evaluate("herd.view")
        assert (moved["tx"] - view["tx"], moved["ty"] - view["ty"]) == (-80, -40)
        assert len(server.notes(b)) == count

        # Two fingers pinch the board larger around where they are.
        cdp = ctx.new_cdp_session(pg)
        for kind, spread in [("touchStart", 40), *[("touchMove", s) for s in range(50, 130, 10)],
                             ("touchEnd", 120)]:
            points = [{"x": 190 + d, "y": 290, "id": i} for i, d in ((1, -spread), (2, spread))]
            cdp.send("Input.dispatchTouchEvent",
                     {"type": kind, "touchPoints": [] if kind == "touchEnd" else points})
        cdp.detach()
        pg.wait_for_function("herd.view.zoom > 2")
        assert len(server.notes(b)) == count  # a pinch adds nothing either

        # A vote: a tap on a note is a dot; the timer and the banner are on screen.
        pg.evaluate("herd.setView({tx: 0, ty: 0, zoom: 1})")
        server.api("POST", f"/api/boards/{b}/vote", {"per_person": 2})
        server.api("POST", f"/api/boards/{b}/timer", {"seconds": 300})
        pg.wait_for_selector("#vote-banner:not([hidden]) >> text=2 of 2 votes left")
        pg.wait_for_selector("#timer-btn.running")
        tap(pg, ".note[data-id='far']")
        pg.wait_for_selector("#vote-banner >> text=1 of 2 votes left")
        assert pg.locator(".note[data-id='far'] .vote-dots").inner_text() == "●"
        dot = pg.locator(".note[data-id='far'] .vote-dots").bounding_box()
        assert dot and dot["width"] >= 32 and dot["height"] >= 32
        tap(pg, ".note[data-id='far'] .vote-dots")  # a tap on your dot takes it back
        pg.wait_for_selector("#vote-banner >> text=2 of 2 votes left")
        tap(pg, ".note[data-id='far']")
        pg.wait_for_selector("#vote-banner >> text=1 of 2 votes left")
        for sel in ("#vote-banner", "#timer-btn"):
            box = pg.locator(sel).bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, sel
        check_layout(pg, "during a vote")


def test_a_phone_follows_the_spotlight_and_sees_its_banner(browser, server):
    b = server.board("Spot", notes=[note("a", "A", 3000, 3000)])
    links = server.api("GET", f"/api/boards/{b}/links")
    url = f"{server.base}/b/{b}"
    with people(browser, url, count=1, link=links["facilitator"]) as (_, (fac,)), \
            phone(browser, links["editor"]) as (_, pg):
        fac.evaluate("herd.setView({tx: -2900, ty: -2900, zoom: 1})")
        fac.evaluate("herd.spotlight.lead()")
        pg.wait_for_selector("#spotlight-banner:not([hidden])")
        box = pg.locator("#spotlight-banner").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390
        stop = pg.get_by_role("button", name="Stop following").bounding_box()
        assert stop and stop["width"] >= 44 and stop["height"] >= 44
        pg.wait_for_function("document.querySelector(\".note[data-id='a']\")"
                             ".getBoundingClientRect().left < 390")


def test_the_empty_board_hint_says_tap_on_a_touch_screen(browser, server):
    b = server.board("Empty")
    links = server.api("GET", f"/api/boards/{b}/links")
    with phone(browser, links["editor"]) as (_, pg):
        hint = pg.locator("#empty-hint")
        assert hint.is_visible()
        assert "Tap" in hint.inner_text() and "Double-click" not in hint.inner_text()


def test_a_tap_inside_a_template_frame_adds_a_note_to_it(browser, server, wait):
    b = server.api("POST", "/api/boards", {"name": "Retro", "template": "retrospective"})["id"]
    frames = {g["title"]: g for g in server.snapshot(b)["groups"]}
    links = server.api("GET", f"/api/boards/{b}/links")
    with phone(browser, links["editor"]) as (ctx, pg):
        went = frames["Went well"]
        pg.evaluate(f"herd.setView({{tx: {-went['x'] + 20}, ty: {-went['y'] + 120}, zoom: 0.7}})")
        pg.touchscreen.tap(150, 300)
        pg.wait_for_selector(".note.editing textarea")
        pg.keyboard.type("Pairing helped")
        pg.locator(".note.editing textarea").evaluate("t => t.blur()")
        made = wait(lambda: next(iter(server.notes(b).values()), None), what="the note")
        assert made["text"] == "Pairing helped" and made["group_id"] == went["id"]
        # A finger on the frame's body pans rather than dragging the frame away.
        ty = pg.evaluate("herd.view.ty")
        finger_drag(ctx, pg, 200, 500, 0, -100)
        assert pg.evaluate("herd.view.ty") == ty - 100
        pg.wait_for_function("!herd.busy()")
        assert all((g["x"], g["y"]) == (frames[g["title"]]["x"], frames[g["title"]]["y"])
                   for g in server.snapshot(b)["groups"])
