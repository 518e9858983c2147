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
    p.add_argument("--into", metavar="GROUPS.md", default=None,
                   help="sort FILE's notes into these groups (`# Title` / `- note`) instead of "
                        "organizing them; notes that fit none go under `# Unsorted`")
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


def read_groups(path: str) -> list[tuple[str, list[str]]]:
    """`# Title` / `- note` sections of a Markdown file (notes before any heading dropped)."""
    from ..textlist import parse_sections

    with open(path, encoding="utf-8-sig") as f:
        return [(title, notes) for title, notes in parse_sections(f.read()) if title is not None]


def sort_into(texts: list[str], groups: list[tuple[str, list[str]]], embedder: Any
              ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The groups with the new notes added (and an Unsorted group if needed), and per new
    note where it went, its runner-up and the margin between them."""
    from ..organize import fit
    from ..organize.pipeline import UNSORTED
    from ..organize.sorting import decide

    out = [{"label": title, "notes": list(notes)} for title, notes in groups]
    loose: list[str] = []
    placed = []
    for text, (f, ok) in zip(texts, decide(texts, groups, embedder), strict=bool(groups)):
        (out[f.best]["notes"] if ok else loose).append(text)
        placed.append({"note": text, "group": groups[f.best][0] if ok else UNSORTED,
                       "best": groups[f.best][0],
                       "runner_up": groups[f.runner_up][0] if f.runner_up is not None else None,
                       "score": round(f.score, 4),
                       "margin": None if f.runner_up is None else round(f.margin, 4),
                       "doubt": ok and f.doubtful(fit.DOUBT_MARGIN)})
    if not groups:
        loose = list(texts)
    if loose:
        out.append({"label": UNSORTED, "notes": loose})
    return out, placed


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
        groups = read_groups(args.into) if args.into else None
    except OSError as e:
        print(f"Cannot read {e.filename or args.file}: {e.strerror or e}", file=sys.stderr)
        return 2
    if groups is not None and not groups:
        print(f"{args.into} has no groups: write them as `# Title` lines with `- note` lines "
              "under each.", file=sys.stderr)
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
            if groups is not None:
                out, placed = sort_into(texts, groups, embedder)
            else:
                result = organize(notes, embedder, chat, k=args.groups)
    except LlamafileError as e:
        print(e.message, file=sys.stderr)
        return 1
    if groups is not None:
        if args.json:
            print(json.dumps({"groups": out, "sorted": placed}, ensure_ascii=False))
        else:
            sys.stdout.write(to_markdown(out))
        return 0
    groups = [{"label": g.label, "notes": [texts[i] for i in g.note_ids]} for g in result.groups]
    if args.json:
        out = {"groups": groups, "timings": result.timings}
        if urls.get("AI_ROLES"):
            out["roles"] = urls["AI_ROLES"]  # which model embedded and which named, and why
        print(json.dumps(out, ensure_ascii=False))
    else:
        sys.stdout.write(to_markdown(groups))
    return 0
