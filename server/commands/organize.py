"""`herd organize FILE`: group and name the notes of a text file (one per line) in the terminal."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from typing import Any

from .. import config as config_mod
from .ai_options import add_ai_options, ai_overrides


def add_parser(sub: Any) -> None:
    p = sub.add_parser("organize", help="group and name the notes of a text file")
    p.add_argument("file", metavar="FILE", help="one note per line ('-' reads standard input)")
    p.add_argument("--groups", type=int, default=None, metavar="N",
                   help="number of groups (default: chosen automatically)")
    p.add_argument("--json", action="store_true",
                   help='print {"groups": [{"label", "notes"}], "timings": {stage: seconds}}')
    add_ai_options(p)
    p.set_defaults(func=run)


def read_notes(path: str) -> list[str]:
    """The notes of a file (or stdin for '-'), with the same rules as pasting a list."""
    from ..textlist import parse_lines

    if path == "-":
        return parse_lines(sys.stdin.read())
    with open(path, encoding="utf-8-sig") as f:
        return parse_lines(f.read())


def to_markdown(groups: list[dict[str, Any]]) -> str:
    """`# Label` then `- note` lines per group, like the notebook Herd started from."""
    blocks = ["\n".join([f"# {g['label']}"] + [f"- {t}" for t in g["notes"]]) for g in groups]
    return "\n\n".join(blocks) + "\n"


def run(args: argparse.Namespace) -> int:
    from ..llamafile import runtime
    from ..llamafile.chat import LlamafileChat
    from ..llamafile.embed import LlamafileEmbedder
    from ..llamafile.errors import LlamafileError
    from ..organize.pipeline import organize

    if args.groups is not None and args.groups < 1:
        print("--groups must be 1 or more.", file=sys.stderr)
        return 2
    try:
        texts = read_notes(args.file)
    except OSError as e:
        print(f"Cannot read {args.file}: {e.strerror or e}", file=sys.stderr)
        return 2
    cfg = config_mod.load(ai_overrides(args))
    notes = [{"id": i, "text": t} for i, t in enumerate(texts)]
    try:
        with contextlib.ExitStack() as stack:
            # Server start-up messages go to stderr so stdout stays pure Markdown or JSON.
            with contextlib.redirect_stdout(sys.stderr):
                urls = stack.enter_context(runtime.servers_for(cfg))
            embedder = LlamafileEmbedder(urls["EMBED_URL"])
            chat = LlamafileChat(urls["CHAT_URL"])
            stack.callback(embedder.close)
            stack.callback(chat.close)
            result = organize(notes, embedder, chat, k=args.groups)
    except LlamafileError as e:
        print(e.message, file=sys.stderr)
        return 1
    groups = [{"label": g.label, "notes": [texts[i] for i in g.note_ids]} for g in result.groups]
    if args.json:
        print(json.dumps({"groups": groups, "timings": result.timings}, ensure_ascii=False))
    else:
        sys.stdout.write(to_markdown(groups))
    return 0
