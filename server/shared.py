"""What several `herd serve` processes share besides the database: one Redis, or nothing.

`create_app` calls `init_app` once; every part that keeps live state (the hub, pointers,
spotlight, timer, Organize runs, rate limits) then asks `get_redis(app)` and picks its
Redis-backed or its in-process implementation from the answer, so no route knows which.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app

PREFIX = "herd:"  # every key and channel Herd uses starts with this


def connect(url: str, **options: Any) -> Any:
    """A redis-py client with short timeouts: a Redis that is down must not hang a write."""
    import redis

    defaults: dict[str, Any] = {"socket_connect_timeout": 1.0, "socket_timeout": 2.0,
                                "health_check_interval": 10, "decode_responses": True}
    return redis.Redis.from_url(url, **{**defaults, **options})


def check(url: str) -> str | None:
    """None when Redis at `url` answers, else what is wrong, in one line (herd serve)."""
    import redis

    try:
        client = connect(url)
        try:
            client.ping()
        finally:
            client.close()
    except (redis.RedisError, OSError, ValueError) as e:
        return f"cannot reach Redis at {url}: {e}"
    return None


def init_app(app: Flask) -> None:
    """Connect to app.config["REDIS_URL"] when set (once, for every part of the app); a
    request that needs Redis while it is away gets a 503 in the error shape, not a 500."""
    url = app.config.get("REDIS_URL")
    app.extensions["herd.redis"] = connect(url) if url else None
    app.extensions["herd.redis_url"] = url or None
    if url:
        import redis

        from .http_errors import error_response

        @app.errorhandler(redis.RedisError)
        def _redis_away(err: Exception):
            app.logger.warning("Redis did not answer: %s", err)
            resp = error_response(503, "Herd's shared live state (Redis) is not answering: "
                                  "try again in a moment. Notes and boards are safe.",
                                  "unavailable")
            resp.headers["Retry-After"] = "2"
            return resp


def get_redis(app: Flask | None = None) -> Any:
    """The app's Redis client, or None: every live part keeps its state in this process."""
    return (app or current_app).extensions.get("herd.redis")
