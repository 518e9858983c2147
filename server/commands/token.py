"""`herd token`: the owner's link again (it is in the database, beside the boards), or, with
--rotate, a new one that cuts off every owner session made from the old one."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .. import config as config_mod
from .address import owner_link


def add_parser(sub: Any) -> None:
    p = sub.add_parser("token", help="print the owner's link (or --rotate it)")
    p.add_argument("--db", default=None, help="SQLite file (default ~/.local/share/herd/herd.db)")
    p.add_argument("--host", default=None, help="the address in the link (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="the port in the link (default 8000)")
    p.add_argument("--rotate", action="store_true",
                   help="replace the token: the old link and its sessions stop working")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..store import Store, db
    from ..store.access import OWNER

    cfg = config_mod.load({"DATABASE": args.db, "HOST": args.host, "PORT": args.port})
    try:
        store = Store(cfg["DATABASE"])
    except Exception as e:  # a bad --db: one clear line
        print(f"herd token: cannot use the database {db.describe(cfg['DATABASE'])}: {e}",
              file=sys.stderr)
        return 2
    try:
        token = store.rotate_secret(OWNER) if args.rotate else store.secret(OWNER)
    finally:
        store.close()
    print(owner_link(cfg, token))
    if args.rotate:
        print("The old owner link no longer works; sessions made from it are signed out.",
              file=sys.stderr)
    return 0
