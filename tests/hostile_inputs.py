"""A corpus of hostile inputs: every class that once answered 500, on every route it reaches.

Each case is (name, method, path, body) where body is raw text (sent as JSON) or None; the
path may hold {b}, {n}, {g} for a board, a note and a group made first. Every case must be
refused with a 400 in the one error shape and leave everything as it was.
"""

from __future__ import annotations

import json
from typing import Any

DEEP = 1_000  # json.loads recursed into RecursionError past ~990
BIG = int("9" * 400)  # math.isfinite(BIG) raised OverflowError
LONE = "\ud800"  # a lone surrogate: SQLite's UTF-8 encode raised UnicodeEncodeError


def raw(body: Any) -> str:
    """JSON text with lone surrogates written as \\u escapes, as a hostile client sends them."""
    return json.dumps(body, ensure_ascii=True)


def deep_array(depth: int = DEEP) -> str:
    return "[" * depth + "]" * depth


def deep_in(body: dict[str, Any], key: str, depth: int = DEEP) -> str:
    """body with `key` holding arrays nested `depth` deep."""
    text = raw({**body, key: None})
    return text.replace(f'"{key}": null', f'"{key}": {deep_array(depth)}')


def export_file(**change: Any) -> dict[str, Any]:
    """A valid Herd export of one group and one note, with fields changed (dotted keys)."""
    data: dict[str, Any] = {
        "format": "herd-board", "format_version": 1, "exported_at": None,
        "board": {"id": "x", "name": "Imported"},
        "groups": [{"id": "g", "title": "G", "x": 0, "y": 0, "w": 400, "h": 300}],
        "notes": [{"id": "n", "text": "t", "x": 10, "y": 10, "group_id": "g"}],
    }
    for dotted, value in change.items():
        *parents, last = dotted.split(".")
        obj = data
        for part in parents:
            obj = obj[int(part)] if isinstance(obj, list) else obj[part]
        obj[last] = value
    return data


NOTE_OP = {"op": "create", "kind": "note", "fields": {"text": "first, valid op"}}

# Routes that read a JSON body, with a body that is valid except where the case says.
BODY_ROUTES: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/api/boards", {"name": "ok"}),
    ("PATCH", "/api/boards/{b}", {"name": "ok"}),
    ("POST", "/api/boards/{b}/notes", {"text": "ok"}),
    ("PATCH", "/api/boards/{b}/notes/{n}", {"text": "ok"}),
    ("POST", "/api/boards/{b}/groups", {"title": "ok"}),
    ("PATCH", "/api/boards/{b}/groups/{g}", {"title": "ok"}),
    ("POST", "/api/boards/{b}/ops", {"ops": [NOTE_OP]}),
    ("POST", "/api/boards/import", export_file()),
    ("POST", "/api/boards/{b}/import-text", {"text": "ok"}),
    ("POST", "/api/boards/{b}/cursor", {"x": 1, "y": 2}),
    ("POST", "/api/boards/{b}/spotlight", {"view": {"x": 0, "y": 0, "w": 100, "h": 100}}),
    ("POST", "/api/boards/{b}/timer", {"seconds": 60}),
    ("POST", "/api/boards/{b}/organize", {"groups": 2}),
    ("POST", "/api/boards/{b}/organize/sort", {"view": {"x": 0, "y": 0, "w": 100, "h": 100}}),
    ("POST", "/api/boards/{b}/vote", {"per_person": 3}),
    ("POST", "/api/boards/{b}/vote/dots", {"note_id": "{n}"}),
    ("POST", "/api/boards/{b}/lock", {"note_ids": ["{n}"]}),
    ("POST", "/api/boards/{b}/unlock", {"note_ids": ["{n}"]}),
    ("PATCH", "/api/boards/{b}/modes", {"private": True}),
    ("PUT", "/api/boards/{b}/me", {"name": "Ana"}),
]
# Body routes that take no number, so have no 400-digit case.
NO_NUMBER = {("POST", "/api/boards"), ("PATCH", "/api/boards/{b}"),
             ("POST", "/api/boards/{b}/vote/dots"), ("POST", "/api/boards/{b}/lock"),
             ("POST", "/api/boards/{b}/unlock"), ("PATCH", "/api/boards/{b}/modes"),
             ("PUT", "/api/boards/{b}/me")}


def _deep_cases() -> list[tuple[str, str, str, str]]:
    out = []
    for method, path, body in BODY_ROUTES:
        out.append((f"deep body {method} {path}", method, path, deep_array()))
        key = next(iter(body))
        out.append((f"deep field {method} {path}", method, path, deep_in(body, key)))
    return out


def _ops(*ops: dict[str, Any]) -> str:
    """An /ops batch whose first op is valid: a partial write would keep that note."""
    return raw({"ops": [NOTE_OP, *ops]})


def _note_op(**fields: Any) -> dict[str, Any]:
    return {"op": "create", "kind": "note", "fields": {"text": "t", **fields}}


def _surrogate_cases() -> list[tuple[str, str, str, str]]:
    s = f"a{LONE}b"
    cases = [
        ("board name create", "POST", "/api/boards", {"name": s}),
        ("board template", "POST", "/api/boards", {"name": "ok", "template": s}),
        ("board name rename", "PATCH", "/api/boards/{b}", {"name": s}),
        ("note text create", "POST", "/api/boards/{b}/notes", {"text": s}),
        ("note text update", "PATCH", "/api/boards/{b}/notes/{n}", {"text": s}),
        ("note colour", "PATCH", "/api/boards/{b}/notes/{n}", {"color": LONE}),
        ("note id", "POST", "/api/boards/{b}/notes", {"text": "t", "id": LONE}),
        ("group title create", "POST", "/api/boards/{b}/groups", {"title": s}),
        ("group title update", "PATCH", "/api/boards/{b}/groups/{g}", {"title": s}),
        ("a key", "PATCH", "/api/boards/{b}/notes/{n}", {LONE: 1}),
        ("import-text text", "POST", "/api/boards/{b}/import-text", {"text": f"one\n{s}"}),
        ("cursor name", "POST", "/api/boards/{b}/cursor", {"away": True, "name": s}),
        ("spotlight name", "POST", "/api/boards/{b}/spotlight",
         {"view": {"x": 0, "y": 0, "w": 100, "h": 100}, "name": s}),
        ("timer name", "POST", "/api/boards/{b}/timer", {"seconds": 60, "name": s}),
        ("organize note_ids", "POST", "/api/boards/{b}/organize", {"note_ids": [s]}),
        ("sort key", "POST", "/api/boards/{b}/organize/sort", {LONE: 1}),
        ("sort preview", "POST", "/api/boards/{b}/organize/sort", {"preview": s}),
        ("note runner_up", "PATCH", "/api/boards/{b}/notes/{n}", {"runner_up": s}),
        ("vote note_ids", "POST", "/api/boards/{b}/vote", {"note_ids": [s]}),
        ("dot note_id", "POST", "/api/boards/{b}/vote/dots", {"note_id": s}),
        ("lock note_ids", "POST", "/api/boards/{b}/lock", {"note_ids": [s]}),
        ("unlock group_ids", "POST", "/api/boards/{b}/unlock", {"group_ids": [s]}),
        ("author name", "PUT", "/api/boards/{b}/me", {"name": s}),
        ("modes key", "PATCH", "/api/boards/{b}/modes", {LONE: True}),
    ]
    out = [(f"surrogate {name}", m, p, raw(body)) for name, m, p, body in cases]
    out += [
        ("surrogate ops note text", "POST", "/api/boards/{b}/ops", _ops(_note_op(text=s))),
        ("surrogate ops group title", "POST", "/api/boards/{b}/ops",
         _ops({"op": "create", "kind": "group", "fields": {"title": s}})),
        ("surrogate ops update text", "POST", "/api/boards/{b}/ops",
         _ops({"op": "update", "kind": "note", "id": "{n}", "fields": {"text": s}})),
    ]
    for field in ("board.name", "notes.0.text", "groups.0.title", "notes.0.id", "notes.0.color"):
        out.append((f"surrogate import {field}", "POST", "/api/boards/import",
                    raw(export_file(**{field: s}))))
    return out


def _number_cases() -> list[tuple[str, str, str, str]]:
    out = []
    for sign, big in (("+", BIG), ("-", -BIG)):
        for key in ("x", "y", "w", "h"):
            out += [
                (f"400 digits {sign}note {key} create", "POST", "/api/boards/{b}/notes",
                 raw({"text": "t", key: big})),
                (f"400 digits {sign}note {key} update", "PATCH", "/api/boards/{b}/notes/{n}",
                 raw({key: big})),
                (f"400 digits {sign}group {key} create", "POST", "/api/boards/{b}/groups",
                 raw({"title": "t", key: big})),
                (f"400 digits {sign}group {key} update", "PATCH",
                 "/api/boards/{b}/groups/{g}", raw({key: big})),
                (f"400 digits {sign}ops note {key}", "POST", "/api/boards/{b}/ops",
                 _ops(_note_op(**{key: big}))),
                (f"400 digits {sign}spotlight view.{key}", "POST", "/api/boards/{b}/spotlight",
                 raw({"view": {"x": 0, "y": 0, "w": 100, "h": 100, key: big}})),
                (f"400 digits {sign}organize view.{key}", "POST", "/api/boards/{b}/organize",
                 raw({"view": {"x": 0, "y": 0, "w": 100, "h": 100, key: big}})),
                (f"400 digits {sign}sort view.{key}", "POST", "/api/boards/{b}/organize/sort",
                 raw({"view": {"x": 0, "y": 0, "w": 100, "h": 100, key: big}})),
                (f"400 digits {sign}import notes[0].{key}", "POST", "/api/boards/import",
                 raw(export_file(**{f"notes.0.{key}": big}))),
                (f"400 digits {sign}import groups[0].{key}", "POST", "/api/boards/import",
                 raw(export_file(**{f"groups.0.{key}": big}))),
            ]
        for key in ("x", "y"):
            out += [
                (f"400 digits {sign}cursor {key}", "POST", "/api/boards/{b}/cursor",
                 raw({"x": 1, "y": 2, key: big})),
                (f"400 digits {sign}import-text {key}", "POST", "/api/boards/{b}/import-text",
                 raw({"text": "one", "x": 1, "y": 2, key: big})),
            ]
        out += [
            (f"400 digits {sign}timer seconds", "POST", "/api/boards/{b}/timer",
             raw({"seconds": big})),
            (f"400 digits {sign}note version", "PATCH", "/api/boards/{b}/notes/{n}",
             raw({"text": "t", "version": big})),
            (f"400 digits {sign}ops version", "POST", "/api/boards/{b}/ops",
             _ops({"op": "update", "kind": "note", "id": "{n}", "version": big,
                   "fields": {"text": "t"}})),
            (f"400 digits {sign}import version", "POST", "/api/boards/import",
             raw(export_file(**{"notes.0.version": big}))),
            (f"400 digits {sign}organize groups", "POST", "/api/boards/{b}/organize",
             raw({"groups": big})),
            (f"400 digits {sign}vote per_person", "POST", "/api/boards/{b}/vote",
             raw({"per_person": big})),
            (f"400 digits {sign}vote seconds", "POST", "/api/boards/{b}/vote",
             raw({"seconds": big})),
        ]
    for text in ("1e400", "-1e400", "NaN", "Infinity"):
        out += [
            (f"{text} note x", "POST", "/api/boards/{b}/notes", f'{{"text": "t", "x": {text}}}'),
            (f"{text} timer seconds", "POST", "/api/boards/{b}/timer",
             f'{{"seconds": {text}}}'),
        ]
    return out


def _view_cases() -> list[tuple[str, str, str, None]]:
    views = ["0,0,1e-300,1e-300", "0,0,0.5,0.5", "0,0,-10,10", "0,0,1e300,1e300",
             f"{'9' * 400},0,10,10", f"0,0,{'9' * 400},10", "nan,0,10,10", "0,0,inf,inf",
             "0,0,10", "0,0,10,10,10", "a,b,c,d", ",,,"]
    return [(f"export view {v[:30]} {fmt}", "GET", f"/api/boards/{{b}}/export?format={fmt}"
             f"&view={v}", None) for v in views for fmt in ("png", "svg")]


CASES: list[tuple[str, str, str, str | None]] = (
    _deep_cases() + _surrogate_cases() + _number_cases() + _view_cases())
