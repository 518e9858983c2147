"""Organize runs as every process serving a board sees them (with --redis).

The process that starts a run owns it: it runs the pipeline and writes the result. Redis
holds what the others need: a lock per board with a lease (one Organize per board across
processes; a process that dies stops renewing it, and the board is free again within
LEASE seconds), each run's public state (progress, message) for a browser on another
process, a cancel flag the owner polls, the undo record, taken atomically so one Undo
wins however many processes are asked at once, and Apply requests for a preview: the plan
lives in its owner's memory, so another process asks the owner (which polls while its
preview waits) to apply it and waits for the answer.

Nothing here knows what a Job holds beyond its public dict: it stores what public() says.
"""

from __future__ import annotations

import json
from typing import Any

PREFIX = "herd:organize:"
LEASE = 30.0  # seconds a board's lock lasts unless its owner renews it
RENEW_EVERY = 5.0  # seconds between renewals while the run goes on
POLL_CANCEL = 0.25  # seconds between the owner's looks at the cancel flag
KEEP = 24 * 3600  # seconds a finished run's state and undo are kept
APPLY_WAIT = 10.0  # seconds a process waits for a preview's owner to answer an Apply
RUNNING_TTL = 2 * LEASE  # a running run's state outlives its lease a little, then goes


class RedisRuns:
    """Locks, states, cancel flags and undo records of Organize runs, in Redis."""

    # Renew or release the lock only while this run holds it.
    _RENEW = ("if redis.call('GET', KEYS[1]) == ARGV[1] then "
              "return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0")
    _RELEASE = ("if redis.call('GET', KEYS[1]) == ARGV[1] then "
                "return redis.call('DEL', KEYS[1]) end return 0")

    def __init__(self, redis: Any) -> None:
        self.redis = redis
        self._renew = redis.register_script(self._RENEW)
        self._release = redis.register_script(self._RELEASE)

    def claim(self, board_id: str, job_id: str) -> bool:
        """Take the board's lock for this run; False when another run holds it."""
        return bool(self.redis.set(PREFIX + "lock:" + board_id, job_id, nx=True,
                                   px=int(LEASE * 1000)))

    def renew(self, board_id: str, job_id: str) -> bool:
        """Extend the lease; False when the run no longer holds the lock."""
        return bool(self._renew(keys=[PREFIX + "lock:" + board_id],
                                args=[job_id, int(LEASE * 1000)]))

    def release(self, board_id: str, job_id: str) -> None:
        self._release(keys=[PREFIX + "lock:" + board_id], args=[job_id])

    def holder(self, board_id: str) -> str | None:
        """The run holding the board's lock, if any."""
        return self.redis.get(PREFIX + "lock:" + board_id)

    def save(self, public: dict[str, Any]) -> None:
        """A run's public state, as every process answers for it."""
        ttl = RUNNING_TTL if public.get("state") == "running" else KEEP
        self.redis.set(PREFIX + "job:" + public["id"], json.dumps(public), ex=int(ttl))

    def load(self, job_id: str) -> dict[str, Any] | None:
        raw = self.redis.get(PREFIX + "job:" + job_id)
        return json.loads(raw) if raw is not None else None

    def request_cancel(self, job_id: str) -> None:
        self.redis.set(PREFIX + "cancel:" + job_id, "1", ex=KEEP)

    def cancel_requested(self, job_id: str) -> bool:
        return bool(self.redis.exists(PREFIX + "cancel:" + job_id))

    def request_apply(self, job_id: str, ticket: str) -> None:
        """Ask the preview's owner to apply it; its answer comes under `ticket`."""
        self.redis.set(PREFIX + "apply:" + job_id, ticket, ex=int(APPLY_WAIT) + 5)

    def take_apply(self, job_id: str) -> str | None:
        """An Apply another process asked for (its ticket), removed in the same step."""
        return self.redis.getdel(PREFIX + "apply:" + job_id)

    def answer_apply(self, ticket: str, answer: dict[str, Any]) -> None:
        self.redis.set(PREFIX + "applied:" + ticket, json.dumps(answer), ex=60)

    def apply_answer(self, ticket: str) -> dict[str, Any] | None:
        raw = self.redis.getdel(PREFIX + "applied:" + ticket)
        return json.loads(raw) if raw is not None else None

    def put_undo(self, job_id: str, record: dict[str, Any]) -> None:
        self.redis.set(PREFIX + "undo:" + job_id, json.dumps(record), ex=KEEP)

    def take_undo(self, job_id: str) -> dict[str, Any] | None:
        """The undo record, removed in the same step: one Undo wins."""
        raw = self.redis.getdel(PREFIX + "undo:" + job_id)
        return json.loads(raw) if raw is not None else None


class SharedJob:
    """A run another process owns, as this one can answer for it: its public state."""

    def __init__(self, public: dict[str, Any]) -> None:
        self.data = public
        self.id, self.board_id = public["id"], public["board_id"]
        self.state = public.get("state")

    def public(self) -> dict[str, Any]:
        return dict(self.data)
