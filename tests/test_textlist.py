"""Pasted lists become notes: markers stripped, blanks skipped, order kept."""

from __future__ import annotations

import pytest

from server.textlist import clean_line, parse_lines


@pytest.mark.parametrize(
    "line, note",
    [
        ("- pasta", "pasta"),
        ("* pasta", "pasta"),
        ("1. pasta", "pasta"),
        ("12) pasta", "pasta"),
        ("• pasta", "pasta"),
        ("•pasta", "pasta"),
        ("   -   thomas   dolby  ", "thomas dolby"),
        ("-pasta", "-pasta"),  # no space: a hyphenated word, not a marker
        ("3.5 kg of flour", "3.5 kg of flour"),  # a number, not a list marker
        ("- - nested", "- nested"),  # only one marker is a marker
        ("plain note", "plain note"),
    ],
)
def test_clean_line(line, note):
    assert clean_line(line) == note


def test_parse_lines_skips_blanks_and_keeps_order():
    text = "- pasta\n\n  \n* apples\r\n1) alpha\n•   \n"
    assert parse_lines(text) == ["pasta", "apples", "alpha"]


def test_parse_lines_empty():
    assert parse_lines("") == []
    assert parse_lines("\n \n- \n") == []
