"""Live events as server-sent events: catch up from the log, then stream."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator
from typing import Any

from flask import Blueprint, Response, current_app, g, request

from ..access import Access, allow, get_access, get_stream_slots
from ..errors import Invalid
from ..live import HANGUP, RESYNC, Message, Subscription, get_hub
from ..store import Store, get_store
from ..store.access import fingerprint
from ..store.votes import voter_of

bp = Blueprint("events", __name__)
BATCH = 64  # most events written to a stream at once
REVOKED = "access_revoked"  # the link this stream was opened with was rotated
WHO = re.compile(r"[A-Za-z0-9_-]{1,64}")


@bp.get("/boards/<board_id>/events")
@allow("read")
def events(board_id: str):
    """text/event-stream of the board's events after Last-Event-ID or ?after=seq."""
    after = _after()
    max_events = _int_arg("max_events")  # tests and tools: stop after N events
    who = _who()
    store, hub, access = get_store(), get_hub(), get_access()
    # The owner's own scripts are not capped per token; everyone shares the address's cap.
    release = get_stream_slots().acquire(None if access.owner else access.key,
                                         request.remote_addr or "")
    allowed = still_allowed(store, board_id, access, g.owner_token)
    # Subscribe before reading the log so nothing falls between the two; duplicates are
    # skipped by seq in _stream.
    try:
        sub = hub.subscribe(board_id, who)
    except BaseException:
        release()
        raise
    try:
        backlog = store.events_after(board_id, after) if after is not None else []
    except BaseException:
        sub.close()
        release()
        raise
    ping = float(current_app.config.get("SSE_PING_SECONDS", 15))
    unwatch = _watch_hangup(sub)
    resp = Response(_stream(sub, backlog, after, ping, max_events, unwatch, allowed,
                            voter_of(access.key)),
                    mimetype="text/event-stream")
    resp.headers["Cache-Control"] = "no-cache"
    resp.headers["X-Accel-Buffering"] = "no"  # nginx and friends: do not buffer the stream
    resp.call_on_close(sub.close)  # runs even if the stream never started
    resp.call_on_close(unwatch)
    resp.call_on_close(release)
    return resp


def still_allowed(store: Store, board_id: str, access: Access,
                  owner_token: str) -> Callable[[], bool]:
    """Whether the credentials this stream opened with still work: asked when a link is
    rotated (at once) and at every ping (for an owner token rotated by another process)."""
    owner_print = fingerprint(owner_token)

    def check() -> bool:
        owner, keys = store.credentials(board_id)
        if access.owner:
            return fingerprint(owner) == owner_print
        return keys is not None and any(keys.fingerprint(role) == print_
                                        for role, print_ in access.link_roles.items())
    return check


def _who() -> str | None:
    """?who=: the browser's id (one per browser, shared by its tabs), for presence."""
    who = request.args.get("who")
    if who is None:
        return None
    if not WHO.fullmatch(who):
        raise Invalid("'who' must be 1-64 letters, digits, '-' or '_'.")
    return who


def _watch_hangup(sub: Subscription) -> Callable[[], None]:
    """Under gunicorn's gevent worker, notice a closed connection at once, so presence drops
    when a tab closes rather than at the next ping. Returns the function that stops watching."""
    sock = request.environ.get("gunicorn.socket")
    if sock is None or "gevent" not in sys.modules:
        return lambda: None
    import gevent
    from gevent import monkey

    if not monkey.is_module_patched("socket"):
        return lambda: None

    def watch() -> None:
        try:
            while sock.recv(4096):
                pass  # an EventSource sends nothing more on this connection
        except OSError:
            pass
        sub.hang_up()

    watcher = gevent.spawn(watch)
    # Stopped (and waited for) before the connection can carry another request, so the
    # watcher never eats the next request's bytes.
    return lambda: watcher.kill(block=True, timeout=1)


def _stream(sub: Subscription, backlog: list[dict] | None, after: int | None, ping: float,
            max_events: int | None, unwatch: Callable[[], None],
            allowed: Callable[[], bool], voter: str = "") -> Iterator[str]:
    """retry hint, backlog (or resync), then live events with pings, until the connection
    goes or its credentials stop working; closes the subscription. A dot someone placed in
    a running vote goes to that voter's streams alone (the log and the hub hold it for all)."""
    sent = 0
    last = after if backlog is not None else None
    try:
        # Sent at once so the headers flush and the browser's EventSource opens.
        yield "retry: 2000\n\n"
        pending: list[dict[str, Any]] = [dict(RESYNC)] if backlog is None else backlog
        while True:
            # Events that are already waiting go out in one write: a listener that fell
            # behind catches up with few syscalls instead of one per event.
            for start in range(0, len(pending), BATCH):
                out = []
                for event in pending[start:start + BATCH]:
                    if event is HANGUP:
                        return  # nobody left to write to
                    if event["type"] == REVOKED:
                        if allowed():
                            continue  # another role's link: not this listener's news
                        yield format_event({"type": REVOKED})
                        return
                    if event["type"] == "dot" and event.get("voter") != voter:
                        continue  # someone else's dot: secret until the vote ends
                    seq = event.get("seq")
                    if seq is not None and last is not None and seq <= last:
                        continue  # already sent from the log
                    if seq is not None:
                        last = seq
                    out.append(format_event(event))
                    sent += 1
                    if event["type"] == "board_deleted" or (max_events and sent >= max_events):
                        yield "".join(out)
                        return
                if out:
                    yield "".join(out)
            event = sub.get(timeout=ping)
            if event is None:
                if not allowed():
                    yield format_event({"type": REVOKED})
                    return
                yield ": ping\n\n"
                pending = []
            else:
                pending = [event, *sub.get_ready(BATCH - 1)]
    finally:
        unwatch()
        sub.close()


def format_event(event: dict[str, Any]) -> str:
    """One SSE message: `id:` is the seq on logged events, data is one JSON line."""
    data = event.json if isinstance(event, Message) else json.dumps(event, separators=(",", ":"))
    if "seq" in event:
        return f"id: {event['seq']}\ndata: {data}\n\n"
    return f"data: {data}\n\n"


def _after() -> int | None:
    """The seq the client has seen: Last-Event-ID (sent by browsers on reconnect) or ?after."""
    raw = request.headers.get("Last-Event-ID") or request.args.get("after")
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise Invalid(f"Last-Event-ID / 'after' must be a seq number, not {raw!r}.") from None
    if value < 0:
        raise Invalid("Last-Event-ID / 'after' must not be negative.")
    return value


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        return max(1, int(raw))
    except ValueError:
        raise Invalid(f"'{name}' must be a whole number, not {raw!r}.") from None
