"""Zoom and reading, and light/dark (issue 13): wheel zoom in proportional steps, coloured
blocks with readable frame titles when zoomed far out, words kept whole, and colours that
keep their contrast in both themes."""

from __future__ import annotations

import re

import pytest
from test_board import note

pytestmark = pytest.mark.e2e


def rgb(css: str, under: tuple[float, float, float] = (255, 255, 255)) -> tuple[float, ...]:
    """An rgb()/rgba() colour as opaque rgb, blended over `under` when translucent."""
    parts = [float(v) for v in re.findall(r"[\d.]+", css)]
    r, g, b = parts[:3]
    a = parts[3] if len(parts) > 3 else 1.0
    return tuple(c * a + u * (1 - a) for c, u in zip((r, g, b), under, strict=True))


def contrast(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    def lum(c):
        lin = [(v / 255) / 12.92 if v / 255 <= 0.03928 else ((v / 255 + 0.055) / 1.055) ** 2.4
               for v in c]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_ctrl_wheel_zooms_in_steps_proportional_to_the_delta(page, server, open_board):
    open_board(page, server.board("Zoom", notes=[note("a", "A", 0, 0)]))
    page.evaluate("herd.zoomTo(1)")
    page.mouse.move(640, 400)
    page.keyboard.down("Control")
    page.mouse.wheel(0, -100)  # one mouse notch
    page.wait_for_function("herd.view.zoom > 1")
    one = page.evaluate("herd.view.zoom")
    page.mouse.wheel(0, -100)
    page.wait_for_function(f"herd.view.zoom > {one}")
    two = page.evaluate("herd.view.zoom")
    page.keyboard.up("Control")
    assert 1.1 < one < 1.3, f"one notch is a step, not a jump (got {one:.2f})"
    assert abs(two - one * one) < 0.01, "the second notch is the same step again"


def test_far_out_notes_are_blocks_and_frame_titles_stay_readable(page, server, open_board):
    b = server.board("Far", groups=[{"id": "g", "title": "Fruit", "x": 0, "y": 0, "w": 1200,
                                     "h": 800}],
                     notes=[note("a", "Internationalization", 100, 100)])
    open_board(page, b)
    page.evaluate("herd.zoomTo(1)")
    # Words stay whole while a smaller font holds them.
    lines = page.evaluate("""() => {
        const t = document.querySelector(".note[data-id='a'] .note-text");
        const r = document.createRange(); r.selectNodeContents(t);
        return {lines: new Set([...r.getClientRects()].map(x => Math.round(x.top))).size,
                broken: t.classList.contains('break'),
                wide: t.scrollWidth > t.clientWidth + 1}; }""")
    assert lines == {"lines": 1, "broken": False, "wide": False}
    page.evaluate("herd.zoomTo(0.2)")
    page.wait_for_selector(".layer.far", state="attached")
    assert page.evaluate("getComputedStyle(document.querySelector('.note-text')).visibility") \
        == "hidden"
    title = page.locator(".frame[data-id='g'] .frame-title").bounding_box()
    frame = page.locator(".frame[data-id='g']").bounding_box()
    assert title["height"] >= 20, f"title {title['height']:.0f}px tall on screen at 20%"
    assert frame["y"] <= title["y"], "drawn inside its frame"
    assert title["x"] + title["width"] <= frame["x"] + frame["width"] + 1


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_colours_keep_their_contrast_in_both_themes(page, server, open_board, scheme):
    page.emulate_media(color_scheme=scheme)
    b = server.board("Colours", groups=[{"id": "g", "title": "", "x": 0, "y": 0, "w": 900,
                                         "h": 400}],
                     notes=[note(c, c, 40 + 100 * i, 60, color=c, w=90, h=90) for i, c in
                            enumerate(["yellow", "orange", "pink", "purple", "blue", "green",
                                       "gray", "white"])])
    open_board(page, b)
    css = page.evaluate("""() => { const s = getComputedStyle(document.documentElement);
        const v = n => s.getPropertyValue(n).trim();
        const probe = c => { const d = document.createElement('div'); d.style.color = c;
            document.body.append(d); const out = getComputedStyle(d).color; d.remove();
            return out; };
        const dark = matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
        return {bg: probe(v('--bg')), panel: probe(v('--panel')),
                line: probe(v('--frame-line')), focus: probe(v('--focus')),
                ring: probe(v('--swatch-ring')),
                dark: document.documentElement.dataset.theme || dark,
                notes: [...document.querySelectorAll('.note')].map(n => [
                    getComputedStyle(n).backgroundColor,
                    getComputedStyle(n.querySelector('.note-text')).color])}; }""")
    assert css["dark"] == scheme
    bg, panel = rgb(css["bg"]), rgb(css["panel"])
    for back, text in css["notes"]:
        assert contrast(rgb(back), rgb(text)) >= 7, f"note text on {back} in {scheme}"
    assert contrast(rgb(css["line"]), bg) >= 3, "frame edges against the canvas"
    assert contrast(rgb(css["focus"]), bg) >= 3, "focus ring against the canvas"
    assert contrast(rgb(css["ring"], under=panel), panel) >= 3, "swatch edges on the bar"
    title = page.locator(".frame-title.placeholder")
    fg = page.evaluate("getComputedStyle(document.querySelector('.frame-title')).color")
    tb = page.evaluate("getComputedStyle(document.querySelector('.frame-title')).backgroundColor")
    assert title.count() == 1 and contrast(rgb(fg), rgb(tb)) >= 4.5, "an untitled frame's title"


def test_the_dark_mode_toggle_overrides_the_system_and_is_remembered(page, server):
    page.emulate_media(color_scheme="light")
    server.login(page)  # the owner, as the person who started Herd
    page.goto(server.base + "/")
    toggle = page.get_by_role("button", name="Dark mode")
    assert toggle.get_attribute("aria-pressed") == "false"
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    dark_bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert contrast(rgb(dark_bg), (0, 0, 0)) < 2, f"a dark page, not {dark_bg}"
    page.reload()
    assert page.get_by_role("button", name="Dark mode").get_attribute("aria-pressed") == "true"
    page.get_by_role("button", name="Dark mode").click()
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != dark_bg
