"""strictjson: the one reader of client JSON (request bodies, imported files)."""

from __future__ import annotations

import json

import pytest

from server import strictjson
from server.errors import Invalid


def nested(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


def test_nesting_up_to_the_limit_parses_and_one_more_is_refused():
    assert not strictjson.too_deep(nested(strictjson.MAX_DEPTH))
    assert strictjson.too_deep(nested(strictjson.MAX_DEPTH + 1))
    assert strictjson.too_deep("[]" * 1000 + nested(401))  # the deep part may come late
    assert strictjson.loads(nested(strictjson.MAX_DEPTH)) is not None
    with pytest.raises(Invalid, match="deeper than 400 levels"):
        strictjson.loads(nested(strictjson.MAX_DEPTH + 1))
    with pytest.raises(Invalid, match="deeper than 400"):
        strictjson.loads('{"a":' * 5000 + "1" + "}" * 5000)


def test_brackets_inside_strings_do_not_count_as_nesting():
    text = json.dumps({"text": "[" * 5000 + '\\"{' * 100, "x": [[1]]})
    assert not strictjson.too_deep(text)
    assert strictjson.loads(text)["x"] == [[1]]


def test_wide_but_shallow_bodies_are_fine():
    text = json.dumps({"ops": [{"op": "create", "fields": {"text": "a"}}] * 3000})
    assert not strictjson.too_deep(text)
    assert len(strictjson.loads(text)["ops"]) == 3000


@pytest.mark.parametrize("text", ["NaN", '{"x": Infinity}', '{"x": -Infinity}'])
def test_non_standard_constants_are_not_json(text):
    with pytest.raises(Invalid, match="is not a JSON number"):
        strictjson.loads(text)


@pytest.mark.parametrize("text, where", [
    ('{"text": "\\ud800"}', "text"),
    ('{"ops": [{"fields": {"title": "ok", "text": "a\\udfffb"}}]}', "ops[0].fields.text"),
    ('{"notes": [{}, {"\\udc00": 1}]}', "a key of notes[1]"),
    ('"\\ud83c"', "the body"),
])
def test_a_lone_surrogate_is_refused_naming_where_it_is(text, where):
    with pytest.raises(Invalid) as e:
        strictjson.loads(text)
    assert f"lone UTF-16 surrogate in {where}:" in e.value.message
    assert e.value.details == {"field": where}


def test_surrogate_pairs_and_cesu_bytes():
    assert strictjson.loads('{"t": "\\ud83c\\udf89"}') == {"t": "\U0001f389"}  # escaped emoji
    with pytest.raises(Invalid, match="surrogate in t:"):
        strictjson.loads(b'{"t": "\xed\xa0\x80"}')  # a surrogate encoded straight as UTF-8


def test_bytes_in_any_json_encoding_and_a_bom():
    assert strictjson.loads('{"a": "é"}'.encode("utf-16")) == {"a": "é"}
    assert strictjson.loads(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}
    with pytest.raises(Invalid, match="The file is not valid JSON.*: choose one"):
        strictjson.loads(b"\xff\xfe\xfa", "The file", ": choose one")
