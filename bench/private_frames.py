"""What private mode and hidden authors cost the live fan-out: the text of one frame for every
listener of a board, per frame, for boards whose notes are plain, name their authors (hidden
from participants) or are face down (written blind by several people).

    .venv/bin/python bench/private_frames.py [--listeners 200] [--frames 500] [--authors 5]

Pure: no server, no sockets; it times Frame.text_for exactly as api/events.py calls it (one
call per listener per frame), so the figure is the encoding, not the network.
"""

from __future__ import annotations

import argparse
import statistics
import time

from server.live import make_frame
from server.live.messages import Message
from server.privacy import Viewer


def row(i: int, author: str | None, hidden: bool) -> dict:
    return {"id": f"n{i}", "board_id": "b", "text": f"idea number {i} " * 3, "x": i, "y": i,
            "w": 160, "h": 120, "color": "yellow", "group_id": None, "version": i,
            "created_at": "t", "updated_at": "t", "author_id": author,
            "author": author and f"Name {author}", "hidden": hidden}


def frames(kind: str, count: int, authors: int) -> list:
    out = []
    for f in range(count):
        events = []
        for e in range(4):  # a tick of a busy board: a few changes events
            i = f * 4 + e
            who = f"p{i % authors}" if kind != "plain" else None
            events.append(Message({"type": "changes", "seq": i + 1, "client": None,
                                   "changes": [{"kind": "note", "op": "upsert",
                                                "item": row(i, who, kind == "hidden")}]}))
        out.append(make_frame(events))
    return out


def run(kind: str, listeners: int, count: int, authors: int) -> float:
    """Microseconds per frame to produce every listener's text."""
    viewers = [Viewer(f"p{i % (authors * 4)}", i % 20 == 0) for i in range(listeners)]
    times = []
    for frame in frames(kind, count, authors):
        start = time.perf_counter()
        for v in viewers:
            frame.text_for(v)
        times.append((time.perf_counter() - start) * 1e6)
    return statistics.median(times)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--listeners", type=int, default=200)
    p.add_argument("--frames", type=int, default=500)
    p.add_argument("--authors", type=int, default=5)
    a = p.parse_args()
    print(f"{a.listeners} listeners, {a.frames} frames of 4 changes each, median per frame:")
    for kind, what in (("plain", "no authors, nothing hidden (one shared text)"),
                       ("authors", "authors named, shown to 1 in 20 (the facilitators)"),
                       ("hidden", f"face down, written by {a.authors} people")):
        print(f"  {what:52} {run(kind, a.listeners, a.frames, a.authors):8.0f} us")


if __name__ == "__main__":
    main()
