"""Live events as server-sent events: catch up from the log, then stream."""

from __future__ import annotations

import re
import ssl
from collections.abc import Callable, Iterator
from typing import Any

from flask import Blueprint, Response, current_app, g, request

from ..access import Access, allow, get_access, get_stream_slots
from ..errors import Invalid
from ..live import HANGUP, RESYNC, Frame, Subscription, format_event, get_hub
from ..live.direct import Direct, Tail
from ..privacy import Viewer, view_event
from ..store import Store, get_store
from ..store.access import fingerprint
from ..store.votes import voter_of
from .common import gevent_socket

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
    # Read after subscribing, like the log: a change of the modes that lands between the two
    # comes as an event, which updates the stream's viewer in order.
    manage = access.may("manage")
    try:
        shows = store.modes(board_id)["show_authors"]
    except BaseException:
        sub.close()
        release()
        raise
    viewer = Viewer(voter_of(access.key), manage or shows)
    resp = Response(_stream(sub, backlog, after, ping, max_events, unwatch, allowed,
                            voter_of(access.key), viewer, manage, _direct_socket()),
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


def _direct_socket() -> tuple[Any, bool] | None:
    """The socket the fan-out may write this stream's frames to itself (live/direct.py),
    and whether the answer is chunked; None where it may not: outside the gevent worker,
    over TLS, for a HEAD (no body is sent) or an HTTP version gunicorn frames otherwise."""
    sock = gevent_socket()
    protocol = request.environ.get("SERVER_PROTOCOL")
    if sock is None or request.method != "GET" or protocol not in ("HTTP/1.1", "HTTP/1.0") \
            or isinstance(sock, ssl.SSLSocket) or "ssl" in type(sock).__module__.lower():
        return None
    # gunicorn chunks an HTTP/1.1 answer that has no Content-Length (as this one has not).
    return sock, protocol == "HTTP/1.1"


def _watch_hangup(sub: Subscription) -> Callable[[], None]:
    """Under gunicorn's gevent worker, notice a closed connection at once, so presence drops
    when a tab closes rather than at the next ping. Returns the function that stops watching."""
    sock = gevent_socket()
    if sock is None:
        return lambda: None
    import gevent

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
            allowed: Callable[[], bool], voter: str = "", viewer: Viewer | None = None,
            manage: bool = False, direct_to: tuple[Any, bool] | None = None
            ) -> Iterator[bytes]:
    """retry hint, backlog (or resync), then live frames with pings, until the connection
    goes or its credentials stop working; closes the subscription. A dot someone placed in
    a running vote goes to that voter's streams alone (a frame holding one is never plain,
    so it is written event by event here)."""
    sent = _Sent(after if backlog is not None else None, max_events, voter, viewer, manage)
    direct = Direct(*direct_to, sent.shared_wire, sent.mark) if direct_to else None
    try:
        # Sent at once so the headers flush and the browser's EventSource opens.
        yield b"retry: 2000\n\n"
        # What the log holds since `after`, one message per event, each with its id.
        out: list[bytes] = [format_event(RESYNC)] if backlog is None else []
        if backlog and sent.one_by_one(Frame(backlog), out, allowed):
            yield b"".join(out)
            return
        sent.ceiling = True  # live events say what the board shows now
        if out:
            yield b"".join(out)
        frames: list[Frame] = []
        while True:
            # Frames that are already waiting go out in one write: a listener that fell
            # behind catches up with few syscalls instead of one per frame.
            out = []
            for frame in frames:
                wire = sent.shared_wire(frame)
                if wire is not None:
                    out.append(wire)
                    sent.mark(frame)
                elif sent.one_by_one(frame, out, allowed):
                    if out:
                        yield b"".join(out)
                    return
            if out:
                yield b"".join(out)
            frame = sub.get_frame(timeout=ping, direct=direct)
            if isinstance(frame, Tail):
                # The rest of a chunk the fan-out began on the socket: as it is, before
                # anything else (a chunk of gunicorn's now would land inside it).
                direct.sock.sendall(frame.raw)  # type: ignore[union-attr]  # set: a Tail came
                frames = sub.frames_ready(BATCH)
                continue
            if frame is None:
                if not allowed():
                    yield format_event({"type": REVOKED})
                    return
                yield b": ping\n\n"
                frames = []
            else:
                frames = [frame, *sub.frames_ready(BATCH - 1)]
    finally:
        unwatch()
        sub.close()


class _Sent:
    """What one stream has sent: the last seq (nothing at or below it goes out again) and
    how many events, for ?max_events."""

    def __init__(self, last: int | None, max_events: int | None, voter: str = "",
                 viewer: Viewer | None = None, manage: bool = False) -> None:
        self.last, self.max_events, self.count = last, max_events, 0
        self.voter = voter  # this listener, as votes name voters
        # What this listener may see of notes (privacy.py): updated by 'modes' events.
        self.viewer = viewer or Viewer(voter or None, manage)
        self.manage = manage
        # While replaying the log, names shown then but hidden now stay hidden: the replay
        # never shows more than the board shows at the moment the stream opened.
        self.ceiling = self.viewer.authors

    def shared_wire(self, frame: Frame) -> bytes | None:
        """The common case: the frame as the board's shared text (one per view key when it
        holds hidden notes or authors' names, privacy.py), or None when it must go event
        by event (control events, a vote's dots, an overlap with the log, ?max_events)."""
        if frame.plain and not self.max_events and frame.events and (
                self.last is None or frame.first is None or frame.first > self.last):
            return frame.wire_for(self.viewer)
        return None

    def mark(self, frame: Frame) -> None:
        """The frame's shared text went out."""
        if frame.last is not None:
            self.last = frame.last

    def one_by_one(self, frame: Frame, out: list[bytes], allowed: Callable[[], bool]) -> bool:
        """Write a frame's events one message each, skipping those already sent (a frame
        that overlaps the log this stream caught up from) and acting on control events;
        True when the stream must end."""
        for event in frame.events:
            if event["type"] == HANGUP["type"]:
                return True  # nobody left to write to
            if event["type"] == REVOKED:
                if allowed():
                    continue  # another role's link: not this listener's news
                out.append(format_event({"type": REVOKED}))
                return True
            seq = event.get("seq")
            if event["type"] == "dot" and event.get("voter") != self.voter:
                if seq is not None and (self.last is None or seq > self.last):
                    self.last = seq  # skipped, not owed: the log holds nothing more for us
                continue  # someone else's dot: secret until the vote ends
            if seq is not None and self.last is not None and seq <= self.last:
                continue  # already sent from the log
            if seq is not None:
                self.last = seq
            if event["type"] == "modes":
                shows = bool((event.get("modes") or {}).get("show_authors")) and self.ceiling
                self.viewer = Viewer(self.viewer.person, self.manage or shows)
            out.append(format_event(view_event(event, self.viewer)))
            self.count += 1
            if event["type"] == "board_deleted" or (
                    self.max_events and self.count >= self.max_events):
                return True
        if frame.last is not None and (self.last is None or frame.last > self.last):
            self.last = frame.last  # seqs coalesced away are covered by later events
        return False


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
