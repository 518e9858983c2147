"""`herd serve`: the board on gunicorn with a gevent worker (many open live connections)."""

from __future__ import annotations

import argparse
import contextlib
import sys
from typing import Any

from .. import config as config_mod
from .ai_options import add_ai_options, ai_overrides


def add_parser(sub: Any) -> None:
    p = sub.add_parser("serve", help="start the board in the browser")
    p.add_argument("--host", default=None, help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default 8000)")
    p.add_argument("--db", default=None, help="SQLite file (default ~/.local/share/herd/herd.db)")
    p.add_argument("--no-ai", action="store_true", help="no Llamafile: Organize says why not")
    add_ai_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    overrides: dict[str, Any] = {"HOST": args.host, "PORT": args.port, "DATABASE": args.db}
    overrides.update(ai_overrides(args))
    if args.no_ai:
        overrides["AI_ENABLED"] = False
    cfg = config_mod.load(overrides)
    problem = _check_database(cfg["DATABASE"])
    if problem:
        print(f"herd serve: {problem}", file=sys.stderr)
        return 2
    from ..llamafile.errors import LlamafileError

    with contextlib.ExitStack() as stack:
        if cfg["AI_ENABLED"]:
            from ..llamafile import runtime

            try:
                # Starts local servers when no URL was given; returns the URLs to use.
                cfg.update(stack.enter_context(runtime.servers_for(cfg)))
            except LlamafileError as e:
                print(f"herd serve: {e.message}\n(or start the board without AI: herd serve "
                      "--no-ai)", file=sys.stderr)
                return 2
        _gunicorn(cfg)
    return 0


def _check_database(path: str) -> str | None:
    """Open (and migrate) the database once up front: a bad --db fails here, in one clear
    line, before any model starts, instead of as a gunicorn worker that will not boot."""
    import sqlite3

    from ..store import Store

    try:
        Store(path).close()
    except (OSError, sqlite3.Error, RuntimeError) as e:
        return f"cannot use the database {path}: {e}"
    return None


def _gunicorn(cfg: dict[str, Any]) -> None:
    """Run gunicorn in this process: one gevent worker, since live pub/sub is in-process."""
    from gunicorn.app.base import BaseApplication

    class _App(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{cfg['HOST']}:{cfg['PORT']}")
            self.cfg.set("workers", 1)
            self.cfg.set("worker_class", "server.commands.worker.HerdWorker")
            self.cfg.set("worker_connections", 2000)
            self.cfg.set("timeout", 120)
            self.cfg.set("graceful_timeout", 5)
            self.cfg.set("accesslog", None)
            self.cfg.set("errorlog", "-")
            self.cfg.set("loglevel", "info")
            if "control_socket_disable" in self.cfg.settings:
                # gunicorn 25+ opens ~/.gunicorn/gunicorn.ctl: one path for every Herd on
                # the machine, so two servers would fight over it. We do not use it.
                self.cfg.set("control_socket_disable", True)

        def load(self):
            from .. import create_app

            return create_app(cfg)

    print(f"Herd is on http://{cfg['HOST']}:{cfg['PORT']}/", flush=True)
    _App().run()
