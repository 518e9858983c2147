"""The Llamafile options shared by `herd serve` and `herd organize`."""

from __future__ import annotations

import argparse
from typing import Any


def add_ai_options(p: argparse.ArgumentParser) -> None:
    """--llamafile, --llamafile-url, --embed-url, --chat-url, --embed-with."""
    g = p.add_argument_group("AI (default: start the bundled local models)")
    g.add_argument("--llamafile", metavar="PATH", help="run this .llamafile for both roles")
    g.add_argument("--llamafile-url", metavar="URL", action="append",
                   help="a running server for both roles")
    g.add_argument("--embed-url", metavar="URL", action="append",
                   help="a running server for embeddings")
    g.add_argument("--chat-url", metavar="URL", action="append",
                   help="a running server for label completions. Each URL option may be given "
                        "more than once (or comma-separated): calls spread over the servers and "
                        "one that stops answering is skipped until it answers again")
    g.add_argument("--embed-with", choices=("bundled", "llamafile"), default=None,
                   help="with one --llamafile/--llamafile-url: embed with the bundled model or "
                        "with yours (default: whichever suits the model, as the AI status says)")


def ai_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """Config overrides from the AI options."""
    return {
        "LLAMAFILE_PATH": args.llamafile,
        "LLAMAFILE_URL": _urls(args.llamafile_url),
        "EMBED_URL": _urls(args.embed_url),
        "CHAT_URL": _urls(args.chat_url),
        "EMBED_WITH": args.embed_with,
    }


def _urls(given: list[str] | None) -> str | None:
    """Repeated URL options as the one comma-separated setting (as HERD_EMBED_URL takes)."""
    return ",".join(given) if given else None
