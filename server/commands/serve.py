"""`herd serve`: the board on gunicorn with gevent workers (many open live connections).

One worker by default. `--workers N` runs N, which share live events, pointers, the timer,
Organize runs and rate limits through `--redis URL`: without it each worker would keep its
own, so N > 1 without --redis is refused rather than run as N boards that disagree."""

from __future__ import annotations

import argparse
import contextlib
import sys
from typing import Any

from .. import config as config_mod
from . import address
from .ai_options import add_ai_options, ai_overrides


def add_parser(sub: Any) -> None:
    p = sub.add_parser("serve", help="start the board in the browser")
    p.add_argument("--host", default=None, help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default 8000)")
    p.add_argument("--db", default=None, metavar="FILE|URL",
                   help="SQLite file (default ~/.local/share/herd/herd.db), or a PostgreSQL "
                        "database as postgresql://user:password@host:port/name (docs/deploy.md)")
    p.add_argument("--no-ai", action="store_true", help="no Llamafile: Organize says why not")
    p.add_argument("--allowed-host", action="append", default=None, metavar="NAME",
                   help="a name people reach Herd by (a LAN name, a reverse proxy's); "
                        "repeatable. IP addresses and localhost are always answered")
    p.add_argument("--trusted-proxy", type=int, nargs="?", const=1, default=None,
                   metavar="HOPS", help="behind a reverse proxy: trust its X-Forwarded-* "
                                        "headers (HOPS proxies, default 1)")
    p.add_argument("--public-url", default=None, metavar="URL",
                   help="the address share links start with (default: the one served)")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="gunicorn worker processes (default 1; more than 1 needs --redis)")
    p.add_argument("--redis", default=None, metavar="URL",
                   help="Redis that processes share live state through, e.g. "
                        "redis://127.0.0.1:6379/0 (several workers or hosts on one database)")
    add_ai_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    overrides: dict[str, Any] = {"HOST": args.host, "PORT": args.port, "DATABASE": args.db,
                                 "ALLOWED_HOSTS": args.allowed_host,
                                 "TRUSTED_PROXY": args.trusted_proxy,
                                 "PUBLIC_URL": args.public_url, "REDIS_URL": args.redis,
                                 "WORKERS": args.workers}
    overrides.update(ai_overrides(args))
    if args.no_ai:
        overrides["AI_ENABLED"] = False
    cfg = config_mod.load(overrides)
    token, problem = _check_database(cfg["DATABASE"])
    problem = problem or _check_processes(cfg)
    if problem:
        print(f"herd serve: {problem}", file=sys.stderr)
        return 2
    _for_the_room(cfg)
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
        _gunicorn(cfg, token)
    return 0


def _check_database(path: str) -> tuple[str, str | None]:
    """Open (and migrate) the database once up front: a bad --db fails here, in one clear
    line, before any model starts, instead of as a gunicorn worker that will not boot.
    Returns the owner token (made on first start) and the problem, if any."""
    import sqlite3

    from ..errors import HerdError
    from ..store import Store, db
    from ..store.access import OWNER

    try:
        store = Store(path)
        try:
            return store.secret(OWNER), None
        finally:
            store.close()
    except HerdError as e:  # PostgreSQL not answering: its own words say where and why
        return "", f"cannot use the database {db.describe(path)}: {e.message}"
    except (OSError, sqlite3.Error, RuntimeError) as e:
        return "", f"cannot use the database {db.describe(path)}: {e}"


def _check_processes(cfg: dict[str, Any]) -> str | None:
    """--workers and --redis make sense together; a Redis that does not answer fails here,
    in one line, not as workers that cannot share anything."""
    workers = int(cfg.get("WORKERS") or 1)
    if workers < 1:
        return "--workers must be at least 1."
    url = cfg.get("REDIS_URL")
    if workers > 1 and not url:
        return (f"--workers {workers} needs --redis URL: live events, pointers, the timer, "
                "Organize runs and rate limits live in each process's memory otherwise, and "
                "the workers would not see each other's. Start a Redis (apt install "
                "redis-server) and pass --redis redis://127.0.0.1:6379/0, or use one worker.")
    if url:
        from ..shared import check

        return check(url)
    return None


def _for_the_room(cfg: dict[str, Any]) -> None:
    """Bound to every address: links carry the LAN address, and the name used in them is
    one Herd answers to."""
    if cfg["HOST"] not in address.WILDCARDS or cfg.get("PUBLIC_URL"):
        return
    cfg["PUBLIC_URL"] = address.public_base(cfg)
    host = cfg["PUBLIC_URL"].split("://", 1)[1].rsplit(":", 1)[0]
    cfg["ALLOWED_HOSTS"] = [*cfg.get("ALLOWED_HOSTS", []), host]


def _announce(cfg: dict[str, Any], token: str) -> None:
    print(address.owner_link(cfg, token), flush=True)
    host = str(cfg["HOST"])
    if host in address.WILDCARDS or not _is_loopback(host):
        print("Herd is open to your network over plain HTTP: anyone there who has a link can "
              "join, and the traffic is readable on the way. For more than a trusted room, "
              "put it behind a TLS reverse proxy (README: \"For a room\").", flush=True)


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def open_files_for_a_room() -> None:
    """Raise this process's soft limit on open files to its hard limit (at most 65,536).
    Each person holds two or three connections (the live stream, the board socket, the
    page's requests), and desktops often start a process at 1,024: a 500-person room would
    be refused connections (EMFILE) while the worker had CPU to spare."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 65_536 if hard == resource.RLIM_INFINITY else min(hard, 65_536)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def _gunicorn(cfg: dict[str, Any], token: str) -> None:
    """Run gunicorn in this process: gevent workers, one unless --workers (with --redis)."""
    from gunicorn.app.base import BaseApplication

    open_files_for_a_room()  # inherited by the workers gunicorn forks

    class _App(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{cfg['HOST']}:{cfg['PORT']}")
            self.cfg.set("workers", int(cfg.get("WORKERS") or 1))
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

    _announce(cfg, token)
    _App().run()
