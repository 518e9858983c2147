"""What the access gate costs per request, in one process (no network), in one run:

    .venv/bin/python bench/gate.py [--requests 2000]

Prints microseconds per request for a note move (PATCH) through the whole app as a person
with a session cookie and as the owner's token, beside the store's write alone; and the
pieces the gate spends its time on, each beside the alternative it replaced:
- rate limits: `limits`' MemoryStorage (a timer thread every 10 ms) vs the in-process fixed
  windows of server/access/limits.py;
- the session cookie: re-signed and re-sent on every request vs only when it changed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import limits  # noqa: E402
import limits.storage  # noqa: E402
import limits.strategies  # noqa: E402

from server import create_app  # noqa: E402
from server.store import get_store  # noqa: E402


def per_call(fn, n: int) -> float:
    """Microseconds per call of fn(i)."""
    t = time.perf_counter()
    for i in range(n):
        fn(i)
    return (time.perf_counter() - t) / n * 1e6


def app_with(tmp: str, **settings):
    app = create_app({"DATABASE": f"{tmp}/{len(settings)}-{time.time_ns()}.db",
                      "AI_ENABLED": False, "RATE_WRITES_SESSION": "1000000/second",
                      "RATE_WRITES_ADDRESS": "1000000/second", **settings})
    store = get_store(app)
    token = store.secret("owner")
    owner = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    b = owner.post("/api/boards", json={}, headers=auth).get_json()["id"]
    owner.post(f"/api/boards/{b}/notes", json={"id": "n1", "text": "x"}, headers=auth)
    link = owner.get(f"/api/boards/{b}/links", headers=auth).get_json()["editor"]
    person = app.test_client()
    assert person.get(link.replace("http://localhost", "")).status_code == 303
    return app, store, b, person, owner, auth


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("--rounds", type=int, default=5, help="alternating rounds (median kept)")
    args = p.parse_args(argv)
    n = args.requests
    with tempfile.TemporaryDirectory() as tmp:
        app, store, b, person, owner, auth = app_with(tmp)
        rates = app.extensions["herd.rates"]
        ours = rates._limiter
        theirs = limits.strategies.SlidingWindowCounterRateLimiter(limits.storage.MemoryStorage())

        def move(client, headers=None):
            def one(i):
                r = client.patch(f"/api/boards/{b}/notes/n1", json={"x": i}, headers=headers)
                assert r.status_code == 200, r.get_json()
            return one

        def write(i):
            store.apply_ops(b, [{"op": "update", "kind": "note", "id": "n1", "fields": {"x": i}}])

        def setting(limiter, refresh):
            def run(i):
                rates._limiter = limiter
                app.config["SESSION_REFRESH_EACH_REQUEST"] = refresh
                move(person)(i)
            return run

        cases = {
            "store write alone (apply_ops)": write,
            "PATCH as the owner (Bearer token)": move(owner, auth),
            "PATCH as a person (session cookie)": setting(ours, False),
            "  ... with limits' MemoryStorage": setting(theirs, False),
            "  ... with the cookie re-sent each time": setting(ours, True),
        }
        times: dict[str, list[float]] = {k: [] for k in cases}
        for _ in range(args.rounds):  # alternate, so a busy spell hits every case alike
            for name, fn in cases.items():
                times[name].append(per_call(fn, n))
    print(f"Access gate: {n:,} note moves per figure, in one process, median of "
          f"{args.rounds} alternating rounds (microseconds per request):")
    for name, ts in times.items():
        print(f"  {name:42s} {statistics.median(ts):7.0f} us")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
