"""`herd` command line: serve, token, organize, models, export, db. One module per command."""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = ["serve", "token", "organize", "models", "export", "db"]


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with a subparser per available command module."""
    parser = argparse.ArgumentParser(prog="herd", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        try:
            mod = importlib.import_module(f"server.commands.{name}")
        except ModuleNotFoundError as e:
            if e.name == f"server.commands.{name}":
                continue  # command not built yet
            raise
        mod.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `herd` console script."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve"]:
        # The board runs on gevent: patch before requests (and ssl) are imported, as gevent
        # asks; gunicorn's worker patching again later is then a no-op.
        from gevent import monkey

        monkey.patch_all()
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
