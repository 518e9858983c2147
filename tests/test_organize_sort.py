"""Sorting new notes into existing groups, Unsorted and doubt marks, with deterministic fakes."""

from __future__ import annotations

import itertools

import numpy as np

from server.organize import fit, layout, sorting
from server.organize.pipeline import UNSORTED, organize
from tests.organize_fakes import TOPICS, FakeChat, FakeEmbedder, topic_notes

# The fake embedder's word directions are random in 64 dimensions: notes sharing a word score
# about 0.5 together, notes sharing none about 0 +- 0.15, so 0.25 separates "fits" from not.
FAKE_MIN_FIT = 0.25


def targets(x0: float = 0.0) -> list[sorting.Target]:
    """The four fake topics as existing frames side by side, two notes each."""
    out = []
    for g, (topic, items) in enumerate(TOPICS.items()):
        fx = x0 + g * 600.0
        notes = [{"id": f"{topic}{j}", "text": f"{item} {topic}", "x": fx + 24 + j * 176,
                  "y": 72.0, "w": 160.0, "h": 120.0} for j, item in enumerate(items[:2])]
        out.append(sorting.Target(f"g-{topic}", f"{topic}s", {"x": fx, "y": 0.0, "w": 400.0,
                                                              "h": 240.0}, notes))
    return out


def test_a_new_note_joins_the_group_it_shares_words_with():
    found = sorting.assign(["kiwi fruit", "mallet tool"],
                           [(t.title, [n["text"] for n in t.notes]) for t in targets()],
                           FakeEmbedder())
    assert [f.best for f in found] == [0, 1]
    assert all(f.runner_up is not None and f.runner_up != f.best and f.margin > 0
               for f in found)


def test_a_title_alone_is_evidence():
    # A group the user made and titled, with no notes yet, still draws the notes it names.
    groups = [("fruit", []), ("tools", ["hammer tool", "saw tool"])]
    found = sorting.assign(["kiwi fruit"], groups, FakeEmbedder())
    assert found[0].best == 0
    without = sorting.assign(["kiwi fruit"], groups, FakeEmbedder(), title_weight=0.0)
    assert without[0].best == 1  # with no title counted, the empty group has nothing to offer


def test_sorting_grows_the_chosen_frames_and_moves_nothing_else():
    ts = targets()
    new = [{"id": "k", "text": "kiwi fruit"}, {"id": "m", "text": "mallet tool"},
           {"id": "q", "text": "quasar nebula"}]
    out = sorting.sort_notes(new, ts, FakeEmbedder(), view={"x": 0, "y": 0, "w": 1600, "h": 900},
                             avoid=[t.frame for t in ts], min_fit=FAKE_MIN_FIT)
    assert out.groups == {"g-fruit": ["k"], "g-tool": ["m"], "g-planet": [], "g-color": []}
    assert out.unsorted == ["q"]
    assert set(out.frames) == {"g-fruit", "g-tool"}  # untouched frames are not in the plan
    fruit = out.frames["g-fruit"]
    assert (fruit["x"], fruit["y"], fruit["w"]) == (0.0, 0.0, 400.0) and fruit["h"] > 240.0
    kx, ky = out.positions["k"]
    assert fruit["x"] < kx and kx + 160 <= fruit["x"] + fruit["w"]
    assert ky >= 72.0 + 120.0 and ky + 120.0 <= fruit["y"] + fruit["h"]  # below its notes
    frame = layout.Rect(**out.unsorted_frame)
    assert not any(frame.overlaps(layout.Rect(**f)) for f in [*out.frames.values()]
                   + [t.frame for t in ts])
    qx, qy = out.positions["q"]
    assert frame.x < qx < frame.x + frame.w and frame.y < qy < frame.y + frame.h
    assert set(out.fits) == {"k", "m", "q"}


def test_misfits_join_an_existing_unsorted_frame():
    ts = targets()
    unsorted = sorting.Target("u", UNSORTED, {"x": 0.0, "y": 1000.0, "w": 400.0, "h": 240.0},
                              [{"id": "old", "text": "old", "x": 24.0, "y": 1072.0}])
    out = sorting.sort_notes([{"id": "q", "text": "quasar nebula"}], ts, FakeEmbedder(),
                             unsorted=unsorted, min_fit=FAKE_MIN_FIT)
    assert out.unsorted == ["q"] and out.unsorted_frame is None
    assert out.frames["u"]["h"] > 240.0 and out.positions["q"][1] >= 1072.0 + 120.0


def test_with_no_groups_every_new_note_is_unsorted():
    out = sorting.sort_notes([{"id": "a", "text": "apple"}], [], FakeEmbedder())
    assert out.unsorted == ["a"] and out.unsorted_frame is not None and out.fits == {}


def test_a_note_between_two_groups_is_marked_with_the_runner_up():
    out = sorting.sort_notes([{"id": "x", "text": "hammer tool red color"},
                              {"id": "k", "text": "kiwi fruit fruit"}], targets(),
                             FakeEmbedder(), min_fit=-1.0)
    doubts = out.doubts(margin=0.1)
    assert set(doubts) == {"x"}
    best, runner, _, margin = out.fits["x"]
    assert {best, runner} == {"g-tool", "g-color"} and doubts["x"] == runner and margin < 0.1


def test_fit_tables_left_out_and_runner_up():
    vecs = fit.unit(np.array([[1, 0.1, 0], [1, -0.1, 0], [0, 1, 0.1], [0, 1, -0.1],
                              [0.7, 0.7, 0]], dtype=float))
    labels = np.array([0, 0, 1, 1, 0])
    sums, weights = fit.centres([vecs[labels == 0], vecs[labels == 1]])
    assert list(weights) == [3.0, 2.0]
    table = fit.loo_scores(vecs, labels, sums)
    found = fit.member_fits(table, labels)
    assert [f.runner_up for f in found] == [1, 1, 0, 0, 1]
    assert found[4].margin < 0.1 and found[0].margin > 0.5  # the note half-way is in doubt
    assert fit.fits(np.array([[0.2, 0.5, 0.1]]))[0] == fit.Fit(1, 0, 0.5, 0.3)


def test_organize_forces_every_note_into_a_group_by_default():
    notes, _ = topic_notes()
    notes = notes + [{"id": "odd", "text": "quasar nebula"}]
    r = organize(notes, FakeEmbedder(), FakeChat(), k=4)
    assert UNSORTED not in [g.label for g in r.groups]
    assert sum(len(g.note_ids) for g in r.groups) == 21


def test_organize_with_unsorted_leaves_the_misfit_out():
    notes, truth = topic_notes()
    notes = notes + [{"id": "odd", "text": "quasar nebula"}]
    r = organize(notes, FakeEmbedder(), FakeChat(), k=4, unsorted=True, min_fit=FAKE_MIN_FIT)
    last = r.groups[-1]
    assert last.label == UNSORTED and last.source == "unsorted" and "odd" in last.note_ids
    assert len(r.groups) == 5
    for g in r.groups[:-1]:
        assert len({truth[i] for i in g.note_ids}) == 1  # the topic groups stay whole
    assert sum(len(g.note_ids) for g in r.groups) == 21


def test_organize_marks_notes_between_two_groups():
    notes, _ = topic_notes()
    notes = notes + [{"id": "both", "text": "hammer tool red color"}]
    r = organize(notes, FakeEmbedder(), FakeChat(), k=4)
    marked = {n: runner for g in r.groups for n, runner in g.doubts.items()}
    assert "both" in marked
    home = next(i for i, g in enumerate(r.groups) if "both" in g.note_ids)
    runner = r.groups[marked["both"]]
    assert marked["both"] != home
    # The runner-up is the other topic the note names.
    assert {r.groups[home].label.lower().rstrip("s"), runner.label.lower().rstrip("s")} \
        == {"tool", "color"}
    assert len(marked) <= 3  # the clean notes are not in doubt


def test_a_tight_board_asks_more_of_a_newcomer_than_a_loose_one():
    # The same weak fit joins a loose group and stays out of a tight one: the threshold is
    # relative to how well the group's own notes fit it.
    tight = [("fruits", ["apple fruit", "pear fruit", "plum fruit"]),
             ("tools", ["hammer tool", "saw tool", "drill tool"])]
    typical = sorting.typical_fits(tight, FakeEmbedder())
    assert (typical > 0.3).all()
    (f, ok), = sorting.decide(["apple"], tight, FakeEmbedder(), min_fit=-1.0, relative=1.0)
    assert f.best == 0 and f.score < typical[0] and not ok
    (_, ok), = sorting.decide(["apple"], tight, FakeEmbedder(), min_fit=-1.0, relative=0.0)
    assert ok


def test_a_frame_with_one_below_it_grows_without_covering_it():
    """Fruit's frame sits right above Tools' (and a wide Colours frame beside them leaves no
    room to the right): Fruit grows down and Tools moves down with its notes, so no frame
    covers another and nobody's note changes group."""
    ts = targets()[:2]
    fruit, tool = ts
    tool.frame = {"x": 0.0, "y": 240.0 + 64.0, "w": 400.0, "h": 240.0}
    tool.notes = [{**n, "x": n["x"] - 600.0, "y": n["y"] + 304.0} for n in tool.notes]
    wide = sorting.Target("g-color", "colors", {"x": 440.0, "y": -1000.0, "w": 400.0,
                                                "h": 3000.0}, [])
    new = [{"id": f"k{i}", "text": f"{w} fruit"} for i, w in enumerate(("kiwi", "fig", "lime"))]
    out = sorting.sort_notes(new, [fruit, tool, wide], FakeEmbedder(), min_fit=FAKE_MIN_FIT)
    assert out.groups["g-fruit"] == ["k0", "k1", "k2"]
    frames = {g.id: layout.Rect(**(out.frames.get(g.id) or g.frame)) for g in (fruit, tool, wide)}
    assert frames["g-fruit"].h > 240.0 and frames["g-fruit"].w == 400.0
    assert not any(a.overlaps(b) for a, b in itertools.combinations(frames.values(), 2))
    moved_by = frames["g-tool"].y - 304.0
    assert moved_by > 0 and set(out.shifted) == {n["id"] for n in tool.notes}
    for n in tool.notes:
        assert out.shifted[n["id"]] == (n["x"], n["y"] + moved_by)
    for nid in ("k0", "k1", "k2"):  # the new notes are inside Fruit's frame
        x, y = out.positions[nid]
        assert layout.Rect(x, y, 160.0, 120.0).overlaps(frames["g-fruit"])
