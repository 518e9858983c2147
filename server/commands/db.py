"""`herd db copy --from FILE --to URL`: move a SQLite board file into PostgreSQL (or another
SQLite file), boards, links, the owner token and the event log exactly as they were."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("db", help="copy a database (a SQLite file into PostgreSQL)")
    dbsub = p.add_subparsers(dest="db_command", required=True)
    c = dbsub.add_parser("copy", help="copy every board, link and secret into an empty "
                                      "database")
    c.add_argument("--from", dest="source", required=True, metavar="FILE",
                   help="the SQLite file (e.g. ~/.local/share/herd/herd.db)")
    c.add_argument("--to", dest="target", required=True, metavar="URL",
                   help="the destination: postgresql://user:password@host:port/name")
    c.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import os
    import sqlite3

    from ..errors import HerdError
    from ..store import Store, db
    from ..store.copy import copy_database

    if db.dialect_of(args.source) != db.SQLITE or not os.path.isfile(args.source):
        print(f"herd db copy: --from must be an existing SQLite file, not "
              f"{db.describe(args.source)}", file=sys.stderr)
        return 2
    stores: list[Store] = []
    try:
        for target in (args.source, args.target):
            stores.append(Store(target))
        counts = copy_database(*stores)
    except (HerdError, sqlite3.Error, RuntimeError, OSError) as e:
        print(f"herd db copy: {getattr(e, 'message', e)}", file=sys.stderr)
        return 2
    finally:
        for store in stores:
            store.close()
    print(f"Copied {counts.get('boards', 0)} boards ({counts.get('notes', 0)} notes, "
          f"{counts.get('groups', 0)} groups, {counts.get('events', 0)} logged events) into "
          f"{db.describe(args.target)}. Start Herd on it: herd serve --db URL", flush=True)
    return 0
