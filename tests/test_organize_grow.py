"""Growing a frame for new notes (a sort) never covers another frame or note (layout.grow_clear)."""

from __future__ import annotations

import random

import pytest

from server.organize.layout import (
    FRAME_GAP,
    NOTE_GAP,
    NOTE_H,
    NOTE_W,
    PAD,
    TITLE_H,
    Rect,
    grow_clear,
    layout_groups,
)


def filled(frame: Rect, count: int) -> list[Rect]:
    """`count` notes in rows of two at the top of a frame."""
    return [Rect(frame.x + PAD + (j % 2) * (NOTE_W + NOTE_GAP),
                 frame.y + TITLE_H + PAD + (j // 2) * (NOTE_H + NOTE_GAP), NOTE_W, NOTE_H)
            for j in range(count)]


FRAME = Rect(0, 0, 2 * PAD + 2 * NOTE_W + NOTE_GAP, TITLE_H + 2 * PAD + NOTE_H)  # one full row


def new_notes(g) -> list[Rect]:
    return [Rect(x, y, NOTE_W, NOTE_H) for x, y in g.place.notes]


def test_with_nothing_in_the_way_it_grows_down_and_nothing_moves():
    g = grow_clear(FRAME, filled(FRAME, 2), 3, others=[])
    assert g.shift == 0 and (g.place.frame.x, g.place.frame.y, g.place.frame.w) == (
        FRAME.x, FRAME.y, FRAME.w)
    assert g.place.frame.h > FRAME.h
    assert min(y for _, y in g.place.notes) >= NOTE_H + TITLE_H + PAD  # below its notes


def test_a_frame_below_makes_it_grow_to_the_right_instead():
    below = Rect(0, FRAME.h + FRAME_GAP, 600, 300)
    g = grow_clear(FRAME, filled(FRAME, 2), 3, others=[below])
    assert g.shift == 0 and not g.place.frame.overlaps(below)
    assert g.place.frame.w > FRAME.w and (g.place.frame.x, g.place.frame.y) == (0, 0)
    assert all(x >= FRAME.w - PAD for x, _ in g.place.notes)  # right of its notes
    assert all(Rect(x, y, NOTE_W, NOTE_H).overlaps(g.place.frame) for x, y in g.place.notes)


def test_boxed_in_it_grows_down_and_everything_below_moves_down_together():
    below = Rect(0, FRAME.h + FRAME_GAP, 600, 300)
    right = Rect(FRAME.w + FRAME_GAP, -200, 400, 2000)  # a tall frame beside, not below
    g = grow_clear(FRAME, filled(FRAME, 2), 3, others=[below, right])
    assert g.line == FRAME.y + FRAME.h and g.shift > 0
    moved = Rect(below.x, below.y + g.shift, below.w, below.h)
    assert not g.place.frame.overlaps(moved) and not g.place.frame.overlaps(right)
    assert moved.y >= g.place.frame.y + g.place.frame.h + FRAME_GAP - 1e-9


def test_what_already_overlapped_the_frame_does_not_block_it():
    messy = Rect(100, 50, 300, 60)  # someone's frame laid across this one
    g = grow_clear(FRAME, filled(FRAME, 2), 1, others=[messy])
    assert g.shift == 0 and g.place.frame.x == 0 and g.place.frame.y == 0


@pytest.mark.parametrize("seed", range(12))
def test_a_tidy_grid_after_any_sort_has_no_two_frames_overlapping(seed):
    """Organize's own grid (rows of frames FRAME_GAP apart), random new notes into random
    frames, grown top to bottom the way sorting.py does: no frame covers another."""
    rng = random.Random(seed)
    counts = [rng.randint(1, 7) for _ in range(rng.randint(3, 9))]
    places = layout_groups(counts, Rect(0, 0, 1600, 900))
    frames = [p.frame for p in places]
    notes = [[Rect(x, y, NOTE_W, NOTE_H) for x, y in p.notes] for p in places]
    order = sorted(rng.sample(range(len(frames)), rng.randint(1, len(frames))),
                   key=lambda i: (frames[i].y, frames[i].x))
    for i in order:
        others = [f for j, f in enumerate(frames) if j != i] + [
            n for j, ns in enumerate(notes) if j != i for n in ns]
        g = grow_clear(frames[i], notes[i], rng.randint(1, 9), others)
        frames[i] = g.place.frame
        notes[i] = notes[i] + new_notes(g)
        for j, f in enumerate(frames):
            if j != i and f.y >= g.line:
                frames[j] = Rect(f.x, f.y + g.shift, f.w, f.h)
                notes[j] = [Rect(n.x, n.y + g.shift, n.w, n.h) for n in notes[j]]
    for a in range(len(frames)):
        assert all(n.overlaps(frames[a]) for n in notes[a])
        for b in range(a + 1, len(frames)):
            assert not frames[a].overlaps(frames[b]), (seed, a, b)
