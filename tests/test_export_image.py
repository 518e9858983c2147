"""SVG and PNG exports: text fitted like the board does it, escaped, right-to-left aware."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
from export_samples import note, sample_snapshot
from PIL import Image

from server.errors import Invalid
from server.export import fonts, image, layout, png

SVG = "{http://www.w3.org/2000/svg}"


def char_width(text: str) -> float:
    """A fake font: every character is 0.6 of the font size wide."""
    return 0.6 * len(text)


def test_wrap_keeps_newlines_and_breaks_long_words():
    assert layout.wrap("aa bb cc\ndd", 5 * 0.6, char_width) == ["aa bb", "cc", "dd"]
    assert layout.wrap("abcdefghij", 4 * 0.6, char_width) == ["abcd", "efgh", "ij"]
    assert layout.wrap("", 10, char_width) == [""]
    assert layout.wrap("a\r\nb", 10, char_width) == ["a", "b"]


def test_fit_text_shrinks_then_cuts_with_an_ellipsis():
    size, lines = layout.fit_text("Short", 160, 120, char_width)
    assert size == layout.FONT_MAX and lines == ["Short"]
    size, lines = layout.fit_text("word " * 40, 160, 120, char_width)
    assert layout.FONT_MIN < size < layout.FONT_MAX
    assert len(lines) * size * layout.LINE_HEIGHT <= 120 - 2 * layout.NOTE_PAD
    size, lines = layout.fit_text("word " * 400, 160, 120, char_width)
    assert size == layout.FONT_MIN and lines[-1].endswith(layout.ELLIPSIS)
    inner = 160 - 2 * layout.NOTE_PAD
    assert all(char_width(line) * size <= inner for line in lines)


def test_is_rtl_by_first_strong_character():
    assert layout.is_rtl("שלום world") and layout.is_rtl("  123 مرحبا")
    assert not layout.is_rtl("hello שלום") and not layout.is_rtl("🎉 123")


def test_parse_view():
    assert layout.parse_view("-10,20.5,300,200") == (-10, 20.5, 300, 200)
    for bad in ("1,2,3", "0,0,-1,5", "a,b,c,d", "0,0,inf,5", "0,0,1e-300,1e-300",
                "0,0,1e7,10", f"{'9' * 400},0,10,10", "nan,0,10,10"):
        with pytest.raises(Invalid):
            layout.parse_view(bad)


def test_svg_escapes_text_and_marks_rtl_notes():
    snap = sample_snapshot()
    snap["notes"][0]["text"] = "bell\x07 & <script>alert(1)</script>"
    root = ET.fromstring(image.to_svg(snap))  # parses: escaped, no control characters
    texts = {"".join(t.itertext()): t for t in root.iter(f"{SVG}text")}
    assert any("<script>" in k for k in texts)
    rtl = [t for k, t in texts.items() if "שלום" in k or "مرحبا" in k]
    assert len(rtl) == 2 and all(t.get("direction") == "rtl" for t in rtl)
    assert not list(root.iter(f"{SVG}script"))


def test_svg_view_keeps_only_what_it_shows():
    root = ET.fromstring(image.to_svg(sample_snapshot(), (0, 0, 400, 210)))
    assert root.get("viewBox") == "0 0 400 210"
    assert len(root.findall(f".//{SVG}g[@class='note']")) == 3  # n1, n2, n3 touch it
    assert len(root.findall(f".//{SVG}g[@class='group']")) == 1


def test_empty_board_and_empty_view_say_so():
    empty = {"board": {"name": "e"}, "notes": [], "groups": []}
    assert b"This board is empty." in image.to_svg(empty)
    assert b"Nothing on the board in this view." in image.to_svg(
        sample_snapshot(), (5000, 5000, 100, 100))
    assert Image.open(io.BytesIO(image.to_png(empty))).size == (960, 480)


def dark_pixels(img: Image.Image, box: tuple[int, int, int, int]) -> int:
    return sum(img.crop(box).convert("L").histogram()[:100])


def test_png_draws_readable_text_inside_each_note():
    snap = {"board": {"name": "b"}, "groups": [],
            "notes": [note("a", "Ship faster", 0, 0), note("b", "", 200, 0),
                      note("c", "مرحبا بالعالم", 400, 0, color="blue")]}
    img = Image.open(io.BytesIO(image.to_png(snap)))
    assert img.size == ((560 + 80) * 2, (120 + 80) * 2)
    ox = oy = 40 * 2  # the margin, in pixels

    def note_box(x: int) -> tuple[int, int, int, int]:
        return ox + x * 2 + 10, oy + 10, ox + (x + 160) * 2 - 10, oy + 2 * 120 - 10

    assert dark_pixels(img, note_box(0)) > 200  # text is there...
    assert dark_pixels(img, note_box(200)) == 0  # ...and only where there is some
    left, top, right, bottom = note_box(400)
    mid = (left + right) // 2
    # Right-to-left text hangs from the right edge.
    assert dark_pixels(img, (mid, top, right, bottom)) > dark_pixels(img, (left, top, mid,
                                                                           bottom))


def test_png_of_a_huge_board_stays_within_limits():
    rect = (0.0, 0.0, 100_000.0, 400.0)
    s = png.pick_scale(rect)
    assert 100_000 * s <= png.MAX_SIDE
    assert png.pick_scale((0, 0, 100, 100)) == png.DEFAULT_SCALE
    s = png.pick_scale((0, 0, 8_000, 8_000))
    assert (8_000 * s) ** 2 <= png.MAX_PIXELS * 1.0001


def test_tiny_text_is_drawn_as_bars_not_smudges():
    snap = {"board": {"name": "b"}, "groups": [], "notes": [note("a", "some words", 0, 0)]}
    img = Image.open(io.BytesIO(png.render(image.board_scene(snap), scale=0.1)))
    assert img.size == (24, 20)  # 240 x 200 board units at 0.1
    assert (154, 154, 144) in {c for _, c in img.convert("RGB").getcolors()}


def test_fonts_fall_back_to_pillows_default(monkeypatch, tmp_path):
    fonts.font.cache_clear()
    monkeypatch.setattr(fonts, "REGULAR", tmp_path / "missing.ttf")
    try:
        assert fonts.font(12).getlength("abc") > 0
    finally:
        fonts.font.cache_clear()
