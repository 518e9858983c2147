"""`herd export BOARD` and `herd import FILE`: boards to and from files, without the server.

Both open the database directly. Writes are safe while `herd serve` runs on the same file
(SQLite serialises them), but browsers already on a board see imported notes on reload.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import Conflict, HerdError, NotFound
from ..privacy import Viewer, view_snapshot

FORMAT_NAMES = ("md", "csv", "json", "svg", "png")


def add_parser(sub: Any) -> None:
    p = sub.add_parser("export", help="write a board as Markdown, CSV, JSON, SVG or PNG")
    p.add_argument("board", nargs="?", help="board id or exact name (omit to list boards)")
    p.add_argument("--format", "-f", choices=FORMAT_NAMES, default=None,
                   help="default: from the -o file's extension, else md")
    p.add_argument("-o", "--output", default=None, help="file to write (default: stdout)")
    p.add_argument("--view", default=None, help="svg/png: only the board rect x,y,w,h")
    p.add_argument("--db", default=None, help="SQLite file (default ~/.local/share/herd/herd.db)")
    p.set_defaults(func=run_export)

    p = sub.add_parser("import", help="a .json export as a new board, or a text list as notes")
    p.add_argument("file", help=".json board export, or .txt/.md with one idea per line")
    p.add_argument("--board", default=None,
                   help="text lists: add the notes to this board (default: a new board)")
    p.add_argument("--db", default=None, help="SQLite file (default ~/.local/share/herd/herd.db)")
    p.set_defaults(func=run_import)


def _store(db: str | None) -> tuple[Any, Any]:
    """The app (for its limits) and its store, on the given database."""
    from .. import create_app
    from ..store import get_store

    app = create_app({"DATABASE": db, "AI_ENABLED": False})
    return app, get_store(app)


def find_board(store: Any, key: str) -> dict[str, Any]:
    """A board by id, else by its exact name when only one board has it."""
    boards = store.list_boards()
    for wanted in (lambda b: b["id"] == key, lambda b: b["name"] == key):
        hits = [b for b in boards if wanted(b)]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise Conflict(f"{len(hits)} boards are called {key!r}: give the board id.")
    raise NotFound(f"No board with id or name {key!r}: `herd export` lists them.")


def _list(store: Any) -> int:
    boards = store.list_boards()
    if not boards:
        print("No boards yet: `herd serve` and make one.", file=sys.stderr)
    for b in boards:
        print(f"{b['id']:14}  {b['note_count']:5} notes  {b['name']}")
    return 2


def run_export(args: argparse.Namespace) -> int:
    from ..export import formats
    from ..export.layout import parse_view

    _, store = _store(args.db)
    if not args.board:
        print("usage: herd export BOARD [-f FORMAT] [-o FILE]; boards:", file=sys.stderr)
        return _list(store)
    fmt = args.format or (Path(args.output).suffix.lstrip(".").lower() if args.output else "")
    fmt = fmt if fmt in FORMAT_NAMES else "md"
    try:
        view = parse_view(args.view) if args.view else None
    except HerdError as e:
        return _fail(f"--view: {e.message}")
    try:
        board = find_board(store, args.board)
        # The owner's terminal sees what the owner's browser does: no hidden note's text
        # (private mode: only its author reads it until the reveal), every author's name.
        snapshot = view_snapshot(store.snapshot(board["id"]), Viewer(None, authors=True),
                                 face_down=fmt in ("svg", "png"))
        data = formats.render(snapshot, fmt, view)
    except HerdError as e:
        return _fail(e.message)
    if args.output:
        Path(args.output).write_bytes(data)
        print(f"Wrote {board['name']!r} ({board['note_count']} notes) as {fmt} to "
              f"{args.output}", file=sys.stderr)
    elif fmt == "png" and sys.stdout.isatty():
        return _fail("PNG is binary: write it to a file with -o board.png.")
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0


def run_import(args: argparse.Namespace) -> int:
    from ..export import jsonfile, restore, textimport
    from ..textlist import parse_lines

    path = Path(args.file)
    try:
        raw = path.read_bytes()
    except OSError as e:
        return _fail(f"Cannot read {path}: {e.strerror}.")
    app, store = _store(args.db)
    cfg = app.config
    try:
        if path.suffix.lower() == ".json" or raw.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"{"):
            clean = jsonfile.validate(
                jsonfile.parse(raw), max_notes=int(cfg["MAX_NOTES_PER_BOARD"]),
                max_note_chars=int(cfg["MAX_NOTE_CHARS"]),
                max_title_chars=int(cfg["MAX_TITLE_CHARS"]))
            board = restore.restore(store, clean, client="herd import")
            print(f"Imported {board['name']!r} as a new board {board['id']} with "
                  f"{board['note_count']} notes.")
            return 0
        text = raw.decode("utf-8-sig", errors="replace")
        if not parse_lines(text):
            return _fail(f"{path} has no ideas in it: put one idea on each line.")
        board = (find_board(store, args.board) if args.board
                 else store.create_board(path.stem[:200] or "Imported list"))
        ops = textimport.text_ops(text, store.snapshot(board["id"]))
        store.apply_ops(board["id"], ops, client="herd import")
    except HerdError as e:
        _fail(e.message)
        problems = e.details.get("problems", []) if isinstance(e.details, dict) else []
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"Added {len(ops)} notes to {board['name']!r} ({board['id']}).")
    return 0


def _fail(message: str) -> int:
    print(f"herd: {message}", file=sys.stderr)
    return 1
