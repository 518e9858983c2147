"""Markdown and CSV exports: headings and rows in reading order, tricky text intact."""

from __future__ import annotations

import csv
import io

import pytest
from export_samples import TRICKY, sample_snapshot

from server.export import csvfile, markdown, textimport
from server.export.order import reading_order


def test_reading_order_rows_tolerate_small_nudges():
    items = [{"id": "c", "x": 0, "y": 130}, {"id": "b", "x": 200, "y": 0},
             {"id": "a", "x": 0, "y": 8}]
    assert [i["id"] for i in reading_order(items)] == ["a", "b", "c"]


def test_markdown_groups_top_down_then_ungrouped():
    md = markdown.to_markdown(sample_snapshot())
    headings = [line for line in md.splitlines() if line.startswith("# ")]
    assert headings == ['# Top "group"', "# Later, lower group", "# Ungrouped"]
    top = md.split("# Later")[0]
    assert "- Commas, commas, and more commas\n- She said \"quote me\" and left\n" in top


def test_markdown_multiline_note_stays_one_item():
    md = markdown.to_markdown(sample_snapshot())
    assert "- First line\n  second line\n  fourth line after a blank\n" in md
    assert "- Windows\n  line ends" in md


def test_markdown_keeps_emoji_rtl_verbatim_and_escapes_html():
    md = markdown.to_markdown(sample_snapshot())
    for text in (TRICKY[3], TRICKY[4], TRICKY[5]):
        assert f"- {text}\n" in md
    assert "- &lt;img src=x onerror=alert(1)> & friends\n" in md
    assert "<img" not in md
    # A note pointing at a group that no longer exists is listed as ungrouped.
    assert md.index("&lt;img") > md.index("# Ungrouped")


@pytest.mark.parametrize("text, written", [
    ("<script>alert(1)</script>", "&lt;script>alert(1)&lt;/script>"),
    ("<!-- hidden -->", "&lt;!-- hidden -->"),
    ("<https://example.com>", "&lt;https://example.com>"),  # an autolink is markup too
    ("&lt;b&gt; typed as entities", "&amp;lt;b&amp;gt; typed as entities"),
    ("a < b && c > d, R&D", "a < b && c > d, R&D"),  # nothing a viewer would turn into HTML
])
def test_markdown_escapes_only_what_a_viewer_would_read_as_html(text, written):
    assert markdown.escape(text) == written
    assert textimport.unescape(written) == text
    snap = sample_snapshot()
    snap["groups"][1]["title"] = text
    assert markdown.to_markdown(snap).startswith(f"# {written}\n")


def test_markdown_empty_group_and_empty_board():
    snap = sample_snapshot()
    snap["notes"] = []
    assert markdown.to_markdown(snap) == '# Top "group"\n\n# Later, lower group\n'
    snap["groups"] = []
    assert markdown.to_markdown(snap) == ""


def parse_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_has_bom_header_and_one_row_per_note():
    data = csvfile.to_csv(sample_snapshot())
    assert data.startswith(b"\xef\xbb\xbf")
    rows = parse_csv(data)
    assert rows[0] == ["group", "text", "colour", "x", "y", "created"]
    assert len(rows) == 1 + len(sample_snapshot()["notes"])


def test_csv_round_trips_commas_quotes_newlines_emoji_rtl():
    rows = parse_csv(csvfile.to_csv(sample_snapshot()))[1:]
    assert sorted(r[1] for r in rows) == sorted(TRICKY)
    first = rows[0]
    assert first == ['Top "group"', TRICKY[0], "pink", "20", "40", "2026-11-23T10:00:00.000Z"]
    by_text = {r[1]: r for r in rows}
    assert by_text[TRICKY[3]][0] == "Later, lower group"
    assert by_text[TRICKY[4]][0] == ""  # ungrouped


def test_csv_neutralises_formulas():
    snap = sample_snapshot()
    snap["notes"][0]["text"] = "=HYPERLINK(\"http://evil\")"
    snap["notes"][1]["text"] = "@cmd"
    texts = [r[1] for r in parse_csv(csvfile.to_csv(snap))[1:]]
    assert "'=HYPERLINK(\"http://evil\")" in texts and "'@cmd" in texts


@pytest.mark.parametrize("text", [
    "=1+1", "+1", "-1+2", "@SUM(A1)", "\t=1", "\rx", " =1+1", "\n=1+1", "\r\n =1+1",
    "\u3000=1+1", "\uff1d1+1", "\uff0b1", "\uff0d1", "\uff20SUM(A1)", " \uff1d1",
])
def test_csv_guards_formulas_behind_whitespace_and_full_width_signs(text):
    assert csvfile.safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["1+1", "a=b", "email@example.com", "", "  ", "\n\nplain"])
def test_csv_leaves_other_text_alone(text):
    assert csvfile.safe_cell(text) == text


def test_csv_numbers_are_plain():
    assert csvfile.number(40.0) == "40"
    assert csvfile.number(-12.345) == "-12.35"
