"""Pure geometry of membership: a note belongs to the frame (group) that holds its centre.

One rule, used by the store on every write, by the schema migration (in SQL, the same rule)
and by the board page (static/js/membership.js): membership is a function of geometry, so
moving, resizing and undoing keep the two in step by construction.

- A frame holds a point when the point lies inside it or on its border.
- Of the frames holding a note's centre, one that holds another of them entirely (a frame
  with a smaller frame drawn inside it) loses to that inner one: innermost wins.
- Of what remains (frames that merely overlap), the topmost wins: the one created last,
  which is drawn last (frames are drawn in created_at, id order).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

Rect = Mapping[str, Any]  # anything with x, y, w, h (a Note or Group row, a plain dict)
# The padding a frame keeps around a note it grows to hold (the board page uses the same).
FRAME_PAD = 24.0


def centre(r: Rect) -> tuple[float, float]:
    """The centre point of a rectangle."""
    return r["x"] + r["w"] / 2, r["y"] + r["h"] / 2


def holds_point(f: Rect, x: float, y: float) -> bool:
    """True when (x, y) lies inside frame f or on its border."""
    return f["x"] <= x <= f["x"] + f["w"] and f["y"] <= y <= f["y"] + f["h"]


def holds_rect(outer: Rect, inner: Rect) -> bool:
    """True when `inner` lies entirely inside `outer` (borders may touch)."""
    return (inner["x"] >= outer["x"] and inner["y"] >= outer["y"]
            and inner["x"] + inner["w"] <= outer["x"] + outer["w"]
            and inner["y"] + inner["h"] <= outer["y"] + outer["h"])


def same_rect(a: Rect, b: Rect) -> bool:
    """True when two rectangles coincide."""
    return all(a[k] == b[k] for k in ("x", "y", "w", "h"))


def z_order(frames: Iterable[Rect]) -> list[Rect]:
    """Frames bottom to top, as they are drawn: by created_at, then id."""
    return sorted(frames, key=lambda f: (f.get("created_at") or "", f["id"]))


def container(note: Rect, frames: Sequence[Rect]) -> Rect | None:
    """The frame `note` belongs to, or None. `frames` must be in z_order (bottom first)."""
    x, y = centre(note)
    holding = [f for f in frames if holds_point(f, x, y)]
    inner = [f for f in holding
             if not any(g is not f and holds_rect(f, g) and not same_rect(f, g)
                        for g in holding)]
    return inner[-1] if inner else None


def container_id(note: Rect, frames: Sequence[Rect]) -> str | None:
    """The id of the frame `note` belongs to, or None (frames in z_order)."""
    f = container(note, frames)
    return None if f is None else f["id"]


def grown_to_hold(frame: Rect, notes: Iterable[Rect], pad: float = FRAME_PAD) -> dict[str, float]:
    """Frame's rectangle grown (never shrunk) so every note lies inside it with `pad` around.

    A note already wholly inside asks for nothing: the frame grows only where one sticks out.
    """
    x0, y0 = frame["x"], frame["y"]
    x1, y1 = x0 + frame["w"], y0 + frame["h"]
    for n in notes:
        if holds_rect(frame, n):
            continue
        x0, y0 = min(x0, n["x"] - pad), min(y0, n["y"] - pad)
        x1, y1 = max(x1, n["x"] + n["w"] + pad), max(y1, n["y"] + n["h"] + pad)
    return {"x": x0, "y": y0, "w": x1 - x0, "h": y1 - y0}
