"""JSON as Herd takes it from a client: standard numbers only, at most MAX_DEPTH deep, and
text that is valid Unicode. Every request body and every imported file is read here."""

from __future__ import annotations

import json
import re
from typing import Any

from .errors import Invalid

# Deep enough for any real body (an import is 3 levels deep, an op batch 4); shallow enough
# that nothing downstream (json.dumps, jsonify, the walk below) nears Python's recursion limit.
MAX_DEPTH = 400
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_BRACKET = re.compile(r"[\[\]{}]")
# A surrogate written as an escape, or one decoded from CESU-style UTF-8 by surrogatepass.
_MAYBE_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]|[\ud800-\udfff]")


class _NotJson(ValueError):
    pass


def _constant(name: str) -> Any:
    # Python's parser takes NaN and Infinity, which no other JSON reader does.
    raise _NotJson(f"{name} is not a JSON number")


def loads(raw: bytes | str, what: str = "The body", hint: str = "") -> Any:
    """Parse raw JSON, or raise Invalid saying why it is refused (`what` names the input)."""
    try:
        text = raw if isinstance(raw, str) else raw.decode(json.detect_encoding(raw),
                                                           "surrogatepass")
    except UnicodeDecodeError as e:
        raise Invalid(f"{what} is not valid JSON: {e}{hint}.") from None
    if too_deep(text):
        raise Invalid(f"{what} nests arrays and objects deeper than {MAX_DEPTH} levels; "
                      f"no Herd request needs more{hint}.")
    try:
        data = json.loads(text, parse_constant=_constant)
    except RecursionError:  # the pre-count above should make this unreachable; belt and braces
        raise Invalid(f"{what} nests too deeply{hint}.") from None
    except ValueError as e:
        raise Invalid(f"{what} is not valid JSON: {e}{hint}.") from None
    if _MAYBE_SURROGATE.search(text):
        bad = lone_surrogate(data)
        if bad is not None:
            raise Invalid(f"{what} has a lone UTF-16 surrogate in {bad}: that is not text. "
                          f"Send valid Unicode{hint}.", details={"field": bad})
    return data


def too_deep(text: str) -> bool:
    """Whether arrays and objects in JSON text nest deeper than MAX_DEPTH (strings skipped).

    Counted before parsing, since the parser itself recurses; cheap, as a body with too few
    brackets to be deep is not scanned at all."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False
    depth = 0
    for m in _BRACKET.finditer(_STRING.sub("", text)):
        if m.group() in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        else:
            depth -= 1
    return False


def lone_surrogate(data: Any) -> str | None:
    """Where in parsed JSON a string (or key) holds a lone surrogate, as `a.b[2]`, else None.

    Such a string cannot be encoded as UTF-8, so SQLite and every export would fail on it.
    """
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if not _encodes(value):
                return path or "the body"
        elif isinstance(value, dict):
            for key, item in value.items():
                sub = f"{path}.{key}" if path else str(key)
                if not _encodes(key):
                    return f"a key of {path or 'the body'}"
                stack.append((sub, item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item) for i, item in enumerate(value))
    return None


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
