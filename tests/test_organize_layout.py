"""Layout: titled frames in a tidy grid near the view, notes inside, nothing overlapping."""

from __future__ import annotations

import itertools

import pytest

from server.organize.layout import (
    NOTE_H,
    NOTE_W,
    PAD,
    TITLE_H,
    Rect,
    grid_shape,
    layout_groups,
)


def note_rects(places, size=(NOTE_W, NOTE_H)):
    return [Rect(x, y, *size) for p in places for x, y in p.notes]


def inside(inner: Rect, outer: Rect) -> bool:
    return (outer.x <= inner.x and outer.y <= inner.y and inner.x + inner.w <= outer.x + outer.w
            and inner.y + inner.h <= outer.y + outer.h)


@pytest.mark.parametrize("counts", [[1], [5, 4, 7, 1, 3, 6, 6], [30, 2, 2], [12] * 9, [1] * 20])
@pytest.mark.parametrize("view", [None, Rect(0, 0, 1600, 900), Rect(-5000, 2000, 400, 300)])
def test_no_overlaps_and_every_note_inside_its_frame(counts, view):
    places = layout_groups(counts, view)
    assert [len(p.notes) for p in places] == counts
    frames = [p.frame for p in places]
    for a, b in itertools.combinations(frames, 2):
        assert not a.overlaps(b)
    for a, b in itertools.combinations(note_rects(places), 2):
        assert not a.overlaps(b)
    for p in places:
        for x, y in p.notes:
            note = Rect(x, y, NOTE_W, NOTE_H)
            assert inside(note, p.frame)
            assert y >= p.frame.y + TITLE_H  # the title bar stays clear


def test_small_layout_is_centred_in_the_view():
    view = Rect(1000, 1000, 3000, 2000)
    (p,) = layout_groups([3], view)
    cx, cy = p.frame.x + p.frame.w / 2, p.frame.y + p.frame.h / 2
    assert cx == pytest.approx(view.x + view.w / 2)
    assert cy == pytest.approx(view.y + view.h / 2)


def test_large_layout_starts_at_the_view_corner_and_keeps_the_views_shape():
    view = Rect(100, 200, 1600, 900)
    places = layout_groups([8] * 10, view)
    x0, y0 = min(p.frame.x for p in places), min(p.frame.y for p in places)
    assert (x0, y0) == (pytest.approx(148), pytest.approx(248))
    w = max(p.frame.x + p.frame.w for p in places) - x0
    h = max(p.frame.y + p.frame.h for p in places) - y0
    # Too big for the view either way: rather a wide block fit to the screen than a tall
    # column two frames wide.
    assert w > view.w and 0.6 < (w / h) / (view.w / view.h) < 1.7


def test_rows_share_a_height_and_frames_hug_their_notes():
    places = layout_groups([4, 9, 2])
    row = [p for p in places if p.frame.y == places[0].frame.y]
    assert len({p.frame.h for p in row}) == 1
    p = places[0]
    cols, _ = grid_shape(4)
    assert p.frame.w == pytest.approx(2 * PAD + cols * NOTE_W + (cols - 1) * 16)


def test_avoids_given_rectangles():
    keep = Rect(0, 0, 2000, 600)
    places = layout_groups([5, 5], Rect(0, 0, 1600, 900), avoid=[keep])
    assert all(not p.frame.overlaps(keep) for p in places)


def test_bigger_notes_get_bigger_cells():
    places = layout_groups([4], note_size=(200, 200))
    rects = note_rects(places, (200, 200))
    assert not any(a.overlaps(b) for a, b in itertools.combinations(rects, 2))


def test_empty():
    assert layout_groups([]) == []


def test_grid_shape_is_near_square_and_capped():
    assert grid_shape(1) == (1, 1)
    assert grid_shape(4) == (2, 2)
    assert grid_shape(5) == (3, 2)
    assert grid_shape(100)[0] == 5
