"""A hub for several processes: events travel through Redis pub/sub, and each process fans
out to its own listeners.

publish() sends the event to the board's channel; one receiver thread per process reads
every board's channel and hands what arrives to this process's Fanout (which owns the tick,
the coalescing and the listeners), exactly as the in-process Hub does.

Order and gaps. Two processes commit seq 5 and 6 one after the other, but publish after
COMMIT, so Redis may carry 6 before 5; and while Redis is down, published events are lost.
Both are caught the same way: the receiver remembers the last seq it passed on per board,
and when one arrives past a gap, it reads the missing events from the database's event log
(6 committed implies 5 committed) and passes those on first; a late 5 is then dropped.
After a Redis outage the receiver reconnects and catches every board it has listeners on up
from the log, so a listener gets every event, possibly through the database, as a browser
reconnecting with Last-Event-ID would.

Presence is a sorted set per board in Redis, member = process + browser, score = when it
expires; each process refreshes its own members while they listen, so a killed process's
listeners stop counting within PRESENCE_TTL.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import uuid
from typing import Any, Protocol

from ..shared import PREFIX
from .fanout import TICK, Fanout
from .messages import RESYNC, Event, as_message
from .subscription import Subscription

log = logging.getLogger(__name__)
CHANNEL = PREFIX + "ev:"  # + board id
PRESENCE = PREFIX + "presence:"  # + board id: a sorted set
PRESENCE_TTL = 30.0  # seconds a process's listener counts without being refreshed
HEARTBEAT = 10.0  # seconds between refreshes of this process's presence
RECONNECT_MAX = 2.0  # seconds at most between attempts to reach Redis again
PUBLISH_BATCH = 500  # events sent in one pipeline at most


class EventLog(Protocol):
    """What the receiver reads from the database to fill a gap (the Store has these)."""

    def events_after(self, board_id: str, after: int) -> list[dict[str, Any]] | None: ...
    def current_seq(self, board_id: str) -> int: ...


class RedisHub:
    """LiveHub over Redis pub/sub; the listeners, tick and coalescing stay in Fanout."""

    def __init__(self, url: str, store: EventLog, queue_size: int = 512, tick: float = TICK,
                 background: bool = True) -> None:
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        from ..shared import connect

        self.queue_size, self.store = queue_size, store
        self.fanout = Fanout(tick, background)
        self.redis = connect(url)
        # The receiver's own connection never retries behind our back: a reconnect that
        # re-subscribed silently would hide the events lost meanwhile from the catch-up.
        self._sub_client = connect(url, retry=Retry(NoBackoff(), 0), socket_timeout=None)
        self.process = uuid.uuid4().hex[:12]  # this process, in presence members
        self._order = threading.Lock()  # the receiver's view of each board's seq
        self._last: dict[str, int] = {}  # board -> last seq handed to the fan-out
        self._local: dict[str, dict[str, int]] = {}  # board -> member -> local tabs
        self._local_lock = threading.Lock()
        self._counts: dict[str, int] = {}  # board -> presence count last published here
        self._missed = threading.Event()  # a publish failed: catch up from the log
        self._ready = threading.Event()  # the receiver is subscribed
        self._start_lock = threading.Lock()
        self._receiver: threading.Thread | None = None
        self._publisher: threading.Thread | None = None
        # Looked up here, not at import: gevent's monkey-patching makes it cooperative.
        self._outbox: queue.Queue[tuple[str, str]] = queue.Queue()
        self._stopped = False
        self._publish_failing = False

    # -- LiveHub -----------------------------------------------------------------------

    def subscribe(self, board_id: str, who: str | None = None) -> Subscription:
        """Join a board; everyone on it, on every process, gets the new presence count."""
        self._start()
        sub = Subscription(self, board_id, self.queue_size, who)
        with self._order:
            if board_id not in self._last:
                # The listener reads the log after subscribing, so nothing up to now is
                # owed by the hub: a later event past this seq is a gap to fill.
                try:
                    self._last[board_id] = self.store.current_seq(board_id)
                except Exception:  # a deleted board: its stream ends on its own
                    pass
        self.fanout.add(sub)
        member = self._member(sub)
        with self._local_lock:
            tabs = self._local.setdefault(board_id, {})
            tabs[member] = tabs.get(member, 0) + 1
        self._redis_quietly(lambda: self.redis.zadd(PRESENCE + board_id,
                                                    {member: time.time() + PRESENCE_TTL}))
        self._presence(board_id)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        """Leave a board; the others get the new presence count."""
        if not self.fanout.remove(sub):
            return
        member, gone = self._member(sub), False
        with self._local_lock:
            tabs = self._local.get(sub.board_id, {})
            tabs[member] = tabs.get(member, 1) - 1
            if tabs[member] <= 0:
                del tabs[member]
                gone = True
            if not tabs:
                self._local.pop(sub.board_id, None)
        if gone:
            self._redis_quietly(lambda: self.redis.zrem(PRESENCE + sub.board_id, member))
        self._presence(sub.board_id)

    def publish(self, board_id: str, event: Event) -> None:
        """Send the event to every process's listeners of the board; never blocks or raises.

        The store publishes under its write lock: a Redis round trip there would cap the
        writes a process makes. The event goes to this process's publisher instead, which
        sends what has queued in one pipeline, in order (receivers order by seq anyway)."""
        self._outbox.put((CHANNEL + board_id, as_message(event).json))
        if self._publisher is None:
            with self._start_lock:
                if self._publisher is None:
                    self._publisher = threading.Thread(target=self._send, daemon=True,
                                                       name="herd-redis-publisher")
                    self._publisher.start()

    def _send(self) -> None:
        """The publisher: whatever has queued since the last round trip, in one pipeline."""
        while not self._stopped:
            batch = [self._outbox.get()]
            while len(batch) < PUBLISH_BATCH:
                try:
                    batch.append(self._outbox.get_nowait())
                except queue.Empty:
                    break
            try:
                pipe = self.redis.pipeline(transaction=False)
                for channel, data in batch:
                    pipe.publish(channel, data)
                pipe.execute()
                if self._publish_failing:
                    self._publish_failing = False
                    log.warning("Redis answers again: live events flow")
            except Exception as e:  # committed writes: the receivers catch up from the log
                if not self._publish_failing:
                    self._publish_failing = True
                    log.warning("publishing live events to Redis failed (%s); listeners "
                                "catch up from the database when it is back", e)
                self._missed.set()

    def count(self, board_id: str) -> int:
        """How many people listen to the board on every process (a browser's tabs are one)."""
        key = PRESENCE + board_id
        try:
            pipe = self.redis.pipeline()
            pipe.zremrangebyscore(key, "-inf", time.time())
            pipe.zrange(key, 0, -1)
            members = pipe.execute()[1]
        except Exception:  # Redis is away: this process's own listeners are what we know
            with self._local_lock:
                members = list(self._local.get(board_id, {}))
        return len({m.split(":", 1)[1] for m in members})

    def flush(self) -> int:
        """Send every waiting frame now (tests with background=False)."""
        return self.fanout.flush()

    def close(self) -> None:
        """Stop the receiver (tests; a server just exits)."""
        self._stopped = True
        for client in (self._sub_client, self.redis):
            try:
                client.close()
            except Exception:
                pass

    # -- the receiver ------------------------------------------------------------------

    def _start(self) -> None:
        """Start the receiver on first use (after gunicorn's fork and gevent's patching) and
        wait until it is subscribed, so the first listener misses nothing."""
        with self._start_lock:
            if self._receiver is None:
                self._receiver = threading.Thread(target=self._run, daemon=True,
                                                  name="herd-redis-receiver")
                self._receiver.start()
        self._ready.wait(timeout=5)

    def _run(self) -> None:
        delay, first = 0.1, True
        while not self._stopped:
            pubsub = self._sub_client.pubsub()
            try:
                pubsub.psubscribe(CHANNEL + "*")
                while pubsub.get_message(timeout=1.0) is None:  # the subscription's reply
                    pass
                if not first:
                    log.warning("reconnected to Redis: catching listeners up from the log")
                    self._catch_up_all()
                first, delay = False, 0.1
                self._ready.set()
                self._listen(pubsub)
            except Exception as e:
                if self._stopped:
                    return
                if self._ready.is_set():
                    log.warning("lost Redis (%s): reconnecting", e)
                self._ready.clear()
                time.sleep(delay)
                delay = min(RECONNECT_MAX, delay * 2)
            finally:
                try:
                    pubsub.close()
                except Exception:
                    pass

    def _listen(self, pubsub: Any) -> None:
        beat = time.monotonic()
        while not self._stopped:
            message = pubsub.get_message(timeout=1.0)
            if self._missed.is_set():
                self._missed.clear()
                self._catch_up_all()
            if time.monotonic() - beat >= HEARTBEAT:
                beat = time.monotonic()
                self._heartbeat()
            if message is None or message.get("type") != "pmessage":
                continue
            board_id = message["channel"][len(CHANNEL):]
            try:
                event = json.loads(message["data"])
            except ValueError:
                log.warning("dropped a live event that is not JSON on %s", message["channel"])
                continue
            self.receive(board_id, event)

    def receive(self, board_id: str, event: Event) -> None:
        """An event from Redis: fill a gap before it from the log, drop it if already passed
        on, else hand it to this process's fan-out."""
        seq = event.get("seq")
        if isinstance(seq, int):
            with self._order:
                last = self._last.get(board_id)
                if last is not None and seq <= last:
                    return  # filled from the log already
                if last is not None and seq > last + 1:
                    self._fill(board_id, last)
                    if self._last.get(board_id, 0) >= seq:
                        return
                self._last[board_id] = seq
                self.fanout.deliver(board_id, event)  # under the lock: seq order
            return
        self.fanout.deliver(board_id, event)

    def _fill(self, board_id: str, after: int) -> None:
        """Hand on the board's logged events after `after` (caller holds self._order)."""
        try:
            events = self.store.events_after(board_id, after)
        except Exception:  # the board is gone, or the database is away for a moment
            log.warning("could not read board %s's event log to fill a gap", board_id)
            events = None
        if events is None:  # the log no longer reaches back: listeners re-read the board
            self.fanout.deliver(board_id, dict(RESYNC))
            try:
                self._last[board_id] = self.store.current_seq(board_id)
            except Exception:
                self._last.pop(board_id, None)
            return
        for event in events:
            self.fanout.deliver(board_id, event)
            self._last[board_id] = max(self._last.get(board_id, 0), int(event["seq"]))

    def _catch_up_all(self) -> None:
        """After an outage: every board with listeners here gets what the log has since."""
        with self._order:
            for board_id, last in list(self._last.items()):
                if self.fanout.listeners(board_id):
                    self._fill(board_id, last)
                else:
                    del self._last[board_id]  # unknown from now on: set on the next listener
        with self._local_lock:
            boards = list(self._local)
        for board_id in boards:  # members written while Redis was away are written again
            self._heartbeat_board(board_id)
            self._presence(board_id)

    def _heartbeat(self) -> None:
        """Refresh this process's presence members, and tell a board when its count changed
        without anyone joining or leaving here (another process died)."""
        with self._local_lock:
            boards = list(self._local)
        for board_id in boards:
            self._heartbeat_board(board_id)
            if self.count(board_id) != self._counts.get(board_id):
                self._presence(board_id)

    def _heartbeat_board(self, board_id: str) -> None:
        with self._local_lock:
            members = list(self._local.get(board_id, {}))
        if members:
            expires = time.time() + PRESENCE_TTL
            self._redis_quietly(lambda: self.redis.zadd(PRESENCE + board_id,
                                                        dict.fromkeys(members, expires)))

    # -- helpers -----------------------------------------------------------------------

    def _member(self, sub: Subscription) -> str:
        return f"{self.process}:{sub.who or 'tab-' + str(id(sub))}"

    def _presence(self, board_id: str) -> None:
        count = self.count(board_id)
        self._counts[board_id] = count
        self.publish(board_id, {"type": "presence", "count": count})

    def _redis_quietly(self, call: Any) -> None:
        try:
            call()
        except Exception as e:  # presence is a courtesy: the heartbeat writes it again
            log.debug("Redis presence write failed: %s", e)
