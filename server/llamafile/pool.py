"""Several servers for one role: each call goes to the least busy live one, and a server that
stops answering is skipped until it answers again.

A pool looks like one `Server` to the embed and chat clients (same calls, one ServerInfo whose
slots are the live members' sum), so spreading load needs no change in them. Every call Herd
makes to a model server is safe to repeat (embeddings and completions change nothing), so a
call that meets a dead member is sent to the next one.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import requests

from .client import JsonCalls, Server, ServerInfo
from .errors import LlamafileError

FAILOVER = ("unreachable", "loading", "timeout")  # kinds that say "this member, not the call"
COOLDOWN = 2.0  # seconds a failed member is skipped; doubles per failure in a row...
MAX_COOLDOWN = 30.0  # ...up to this
MEMBER_RETRY = 0.3  # a member refusing connections is retried this long before failing over
MEMBER_LOAD_WAIT = 1.0  # a loading member is waited for this long before trying the next...
LOAD_WAIT = 60.0  # ...and the pool waits this long in all while every member is loading


def split_urls(spec: str) -> list[str]:
    """The URLs in a comma-separated spec ("http://a:8080, http://b:8080#model")."""
    return [u.strip() for u in spec.split(",") if u.strip()]


def connect(spec: str, *, role: str, **kw: Any) -> Server | ServerPool:
    """A Server for one URL, a ServerPool for several (comma-separated)."""
    urls = split_urls(spec) or [spec]
    return Server(urls[0], role=role, **kw) if len(urls) == 1 else ServerPool(urls, role=role, **kw)


@dataclasses.dataclass
class _Member:
    server: Server
    busy: int = 0
    fails: int = 0
    down_until: float = 0.0
    mismatch: str | None = None  # why this member is left out (another model than the pool's)
    last_error: str | None = None


class ServerPool(JsonCalls):
    """The servers at `urls`, all for one role and one model, used as one."""

    def __init__(
        self,
        urls: Sequence[str],
        *,
        role: str = "embed",
        start_hint: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        **server_kw: Any,
    ) -> None:
        if len(urls) < 2:
            raise ValueError("a pool needs at least two URLs")
        server_kw.setdefault("retry_window", MEMBER_RETRY)
        self.load_wait = server_kw.pop("load_wait", LOAD_WAIT)
        server_kw["load_wait"] = min(MEMBER_LOAD_WAIT, self.load_wait)
        self.role, self.start_hint, self._clock = role, start_hint, clock
        self._members = [_Member(Server(u, role=role, start_hint=start_hint, **server_kw))
                         for u in urls]
        self.url = ", ".join(m.server.url for m in self._members)  # for messages
        self.timeout = self._members[0].server.timeout
        self.info_ttl = 60.0
        self._info: ServerInfo | None = None
        self._info_at = 0.0
        self._lock = threading.Lock()
        self._turn = 0  # round-robin among equally busy members

    # -- routing ----------------------------------------------------------------------------

    def _pick(self, tried: set[int]) -> _Member | None:
        """The least busy live member not tried yet; when all are resting, the one whose rest
        ends first (so a pool whose members all died still gets a real error)."""
        now = self._clock()
        with self._lock:
            left = [m for i, m in enumerate(self._members)
                    if i not in tried and m.mismatch is None]
            if not left:
                return None
            live = [m for m in left if m.down_until <= now]
            if live:
                self._turn += 1
                n = len(live)
                best = min(range(n), key=lambda i: (live[i].busy, (i - self._turn) % n))
                choice = live[best]
            else:
                choice = min(left, key=lambda m: m.down_until)
            choice.busy += 1
            return choice

    def _done(self, m: _Member, err: LlamafileError | None) -> None:
        with self._lock:
            m.busy -= 1
            if err is None:
                m.fails, m.down_until, m.last_error = 0, 0.0, None
                return
            m.fails += 1
            m.last_error = err.message
            m.down_until = self._clock() + min(COOLDOWN * 2 ** (m.fails - 1), MAX_COOLDOWN)

    def call(self, method: str, path: str, body: Any = None, **kw: Any) -> requests.Response:
        """One HTTP call on the best member; a member that fails as a server (not as a
        request) rests, and the call goes to the next one."""
        tried: set[int] = set()
        last: LlamafileError | None = None
        start = self._clock()
        while True:
            m = self._pick(tried)
            if m is None:
                if last is None or last.kind != "loading" or not kw.get("retry", True) \
                        or self._clock() - start >= self.load_wait:
                    break
                time.sleep(0.5)  # every member is loading its model: wait, as one server does
                tried.clear()
                continue
            tried.add(self._members.index(m))
            try:
                resp = m.server.call(method, path, body, **kw)
            except LlamafileError as e:
                self._done(m, e if e.kind in FAILOVER else None)
                if e.kind not in FAILOVER:
                    raise
                last = e
                continue
            self._done(m, None)
            return resp
        if last is None or last.kind == "unreachable":
            raise LlamafileError("unreachable", self.unreachable_message(), self.url)
        raise last

    def unreachable_message(self) -> str:
        """The message for 'no member answers'."""
        hint = self.start_hint or "start them, or run `herd serve` without a URL"
        return f"No Llamafile answers at any of {self.url} ({self.role}). Start them: {hint}"

    # -- what the clients ask of a Server -----------------------------------------------------

    def info(self) -> ServerInfo:
        """The first live member's info, with slots summed over the live members of the same
        model (members serving another model are left out: mixing models' vectors is wrong)."""
        info = self._info
        if info is not None and self._clock() - self._info_at < self.info_ttl:
            return info
        with self._lock:
            if self._info is not None and self._clock() - self._info_at < self.info_ttl:
                return self._info
        first: ServerInfo | None = None
        slots, last = 0, None
        for m in self._members:
            try:
                mi = m.server.info()
            except LlamafileError as e:
                last = e
                continue
            if first is None:
                first = mi
            same = mi.model_id == first.model_id
            m.mismatch = None if same else (
                f"serves {mi.model}, not {first.model} like {first.url}")
            slots += mi.slots if same else 0
        if first is None:
            if last is not None and last.kind != "unreachable":
                raise last
            raise LlamafileError("unreachable", self.unreachable_message(), self.url)
        combined = dataclasses.replace(first, url=self.url, slots=slots)
        with self._lock:
            if self._info is not None:
                combined.chat_via = combined.chat_via or self._info.chat_via
                if self._info.dialect != first.dialect and self._info.model_id == first.model_id:
                    combined.dialect = self._info.dialect  # a shape proved it; keep that
            self._info, self._info_at = combined, self._clock()
        return combined

    def forget(self) -> None:
        """Drop what detection found, for every member."""
        for m in self._members:
            m.server.forget()
        self._info = None

    def set_dialect(self, dialect: str) -> None:
        """Correct the dialect on every member (they serve one model)."""
        for m in self._members:
            m.server.set_dialect(dialect)
        if self._info is not None:
            self._info.dialect = dialect

    def check(self, timeout: float = 2.0) -> None:
        """Raises unless at least one member answers (each member's state is updated)."""
        last: LlamafileError | None = None
        ok = False
        for m in self._members:
            with self._lock:
                m.busy += 1
            try:
                m.server.check(timeout)
            except LlamafileError as e:
                self._done(m, e)
                last = e
                continue
            self._done(m, None)
            ok = True
        if not ok:
            assert last is not None
            if last.kind == "unreachable":
                raise LlamafileError("unreachable", self.unreachable_message(), self.url)
            raise last

    def members(self) -> list[dict[str, Any]]:
        """Each member for the AI status: its URL, whether it is in use, and why not."""
        now = self._clock()
        with self._lock:
            return [{"url": m.server.url,
                     "ready": m.mismatch is None and m.down_until <= now,
                     "message": m.mismatch or (m.last_error if m.down_until > now else None)}
                    for m in self._members]
