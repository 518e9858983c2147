"""The whole pipeline with fake models: every note once, deterministic, cancellable, timed."""

from __future__ import annotations

import pytest
from organize_fakes import TOPICS, FakeChat, FakeEmbedder, topic_notes
from sklearn.metrics import adjusted_rand_score

from server.organize import naming as naming_mod
from server.organize.layout import Rect
from server.organize.pipeline import Cancelled, organize, suggest_label


def run(**kw):
    notes, truth = topic_notes()
    return notes, truth, organize(notes, FakeEmbedder(), FakeChat(), **kw)


def test_every_note_in_exactly_one_group_and_topics_recovered():
    notes, truth, result = run()
    ids = [i for g in result.groups for i in g.note_ids]
    assert sorted(ids) == sorted(n["id"] for n in notes)
    assert len(result.groups) == 4
    pred = {i: gi for gi, g in enumerate(result.groups) for i in g.note_ids}
    assert adjusted_rand_score([truth[i] for i in truth], [pred[i] for i in truth]) == 1.0
    labels = [g.label.lower() for g in result.groups]
    # Named by the word each topic's notes share (the fake model's answer or, when that word is
    # sure enough, the keyword itself: naming.py skips the model then).
    assert sorted(x.rstrip("s") for x in labels) == ["color", "fruit", "planet", "tool"]


def test_same_notes_same_groups():
    _, _, a = run()
    _, _, b = run()
    assert [g.note_ids for g in a.groups] == [g.note_ids for g in b.groups]
    assert [g.label for g in a.groups] == [g.label for g in b.groups]


def test_asked_for_k_is_honoured():
    _, _, result = run(k=2)
    assert len(result.groups) == 2
    _, _, result = run(k=50)
    assert len(result.groups) == 20  # at most one group per note


def test_positions_for_every_note_inside_frames_near_the_view():
    view = {"x": 5000, "y": -3000, "w": 1600, "h": 900}
    notes, _, result = run(view=view)
    for g in result.groups:
        f = Rect(**g.frame)
        assert set(g.positions) == set(g.note_ids)
        for x, y in g.positions.values():
            assert f.x <= x and x + 160 <= f.x + f.w and f.y <= y and y + 120 <= f.y + f.h
        assert f.x >= view["x"] and f.y >= view["y"]


def test_progress_reports_each_stage_in_order():
    seen = []
    run(progress=lambda stage, done, total: seen.append((stage, done, total)))
    stages = list(dict.fromkeys(s for s, _, _ in seen))
    assert stages == ["embedding", "grouping", "naming", "placing"]
    assert ("embedding", 20, 20) in seen and ("naming", 4, 4) in seen


def big_board(n: int = 300) -> list[dict]:
    """n distinct notes in the four fake topics."""
    topics = list(TOPICS.items())
    return [{"id": i, "text": f"{topics[i % 4][1][i % 5]} {topics[i % 4][0]} number {i}"}
            for i in range(n)]


def test_progress_moves_inside_the_embedding_and_naming_stages():
    """A big board's bar moves while it embeds and as each group gets its name."""
    seen = []
    organize(big_board(), FakeEmbedder(), FakeChat(), k=6,
             progress=lambda stage, done, total: seen.append((stage, done, total)))
    embedding = [d for s, d, _ in seen if s == "embedding"]
    naming = [d for s, d, t in seen if s == "naming"]
    assert embedding == sorted(embedding) and len(set(embedding)) >= 4  # 0, 128, 256, 300
    assert embedding[-1] == 300
    assert naming == sorted(naming) and set(naming) >= {0, 1, 2, 3, 4, 5, 6}


def test_cancel_while_naming_stops_asking_the_chat_model(monkeypatch):
    monkeypatch.setattr(naming_mod, "SURE", float("inf"))  # every group goes to the model
    chat, naming_ticks = FakeChat(), []

    def progress(stage, done, total):
        if stage == "naming":
            naming_ticks.append(done)

    with pytest.raises(Cancelled):
        organize(big_board(), FakeEmbedder(), chat, k=8, progress=progress,
                 cancelled=lambda: len(naming_ticks) >= 3)  # cancel once 2 groups are named
    assert 1 <= len(chat.requests) < 8


def test_cancel_while_embedding_stops_embedding():
    emb, ticks = FakeEmbedder(), []

    def progress(stage, done, total):
        ticks.append(stage)

    with pytest.raises(Cancelled):
        organize(big_board(), emb, FakeChat(), progress=progress,
                 cancelled=lambda: len(ticks) >= 2)  # after the first chunk
    assert sum(len(c) for c in emb.calls) < 300


@pytest.mark.parametrize("after", [1, 2, 3])
def test_cancel_at_any_stage_raises(after):
    calls = []

    def cancelled():
        calls.append(1)
        return len(calls) >= after

    with pytest.raises(Cancelled):
        run(cancelled=cancelled)


def test_timings_cover_the_stages_and_split_model_time():
    _, _, result = run()
    t = result.timings
    assert {"embed", "cluster", "label", "layout", "total", "model", "overhead"} <= set(t)
    assert t["total"] >= t["model"] >= 0
    assert t["overhead"] == pytest.approx(t["total"] - t["model"], abs=1e-3)


def test_duplicate_texts_are_embedded_once():
    notes = [{"id": i, "text": "same apple fruit"} for i in range(5)]
    notes += [{"id": 10 + i, "text": f"{w} planet"} for i, w in enumerate(["mars", "venus"])]
    emb = FakeEmbedder()
    result = organize(notes, emb, FakeChat())
    assert sum(len(g.note_ids) for g in result.groups) == 7
    assert emb.calls[0].count("same apple fruit") == 1


@pytest.mark.parametrize("count", [0, 1, 2, 3])
def test_tiny_inputs(count):
    notes = [{"id": i, "text": f"note {i}"} for i in range(count)]
    result = organize(notes, FakeEmbedder(), FakeChat())
    assert sum(len(g.note_ids) for g in result.groups) == count
    assert len(result.groups) == (1 if count else 0)


def test_empty_texts_do_not_break_anything():
    notes = [{"id": i, "text": t} for i, t in enumerate(["", "  ", "apple", "pear"])]
    result = organize(notes, FakeEmbedder(), FakeChat())
    assert sorted(i for g in result.groups for i in g.note_ids) == [0, 1, 2, 3]


def test_suggest_label_avoids_given_names():
    texts = ["apple fruit", "pear fruit", "plum fruit"]
    others = [["mars planet", "venus planet"]]
    assert suggest_label(texts, others, FakeEmbedder(), FakeChat()).lower() == "fruits"
    fresh = suggest_label(texts, others, FakeEmbedder(), FakeChat(), avoid=["Fruits"])
    assert fresh.lower() not in ("fruits", "planets") and fresh


def test_a_big_board_names_its_groups_while_the_rest_embeds():
    """Past 300 notes, a sample is grouped and named while the other notes embed; every note
    still ends in exactly one named group, grouped as the stage-by-stage run groups it."""
    from sklearn.metrics import adjusted_rand_score

    notes = big_board(400)
    truth = [n["text"].split()[1] for n in notes]
    emb, chat = FakeEmbedder(), FakeChat()
    fast = organize(notes, emb, chat, k=4)
    slow = organize(notes, FakeEmbedder(), FakeChat(), k=4, overlap=False)
    for r in (fast, slow):
        ids = [i for g in r.groups for i in g.note_ids]
        assert sorted(ids) == list(range(400))
        home = {i: g for g, grp in enumerate(r.groups) for i in grp.note_ids}
        assert adjusted_rand_score(truth, [home[i] for i in range(400)]) == 1.0
    named = lambda r: sorted(g.label.lower().rstrip("s") for g in r.groups)  # noqa: E731
    assert named(fast) == named(slow) == ["color", "fruit", "planet", "tool"]
    # The chat model saw only the sample's notes: 300 of them, never the 100 embedded later.
    sample = {t for c in emb.calls[:3] for t in c}
    assert sum(len(c) for c in emb.calls[:3]) == 300
    shown = {line[2:] for r in chat.requests for line in r.messages[-1]["content"].splitlines()
             if line.startswith("- ")}
    assert shown <= sample


def test_a_big_board_fails_whole_when_naming_fails(monkeypatch):
    monkeypatch.setattr(naming_mod, "SURE", float("inf"))  # every group goes to the model
    with pytest.raises(RuntimeError, match="chat is down"):
        organize(big_board(1000), FakeEmbedder(), FailingChat(), k=4)


class FailingChat(FakeChat):
    def complete_many(self, requests, progress=None):
        raise RuntimeError("chat is down")


def test_organize_names_with_a_base_models_prompts_when_the_chat_is_plain(monkeypatch):
    monkeypatch.setattr(naming_mod, "SURE", float("inf"))  # every group goes to the model

    class PlainChat(FakeChat):
        plain = True

        def complete(self, request):
            if not request.messages:  # the sentence to finish, only a base model gets
                self.requests.append(request)
                return " fruit."
            return super().complete(request)

    chat = PlainChat()
    organize(topic_notes()[0], FakeEmbedder(), chat, k=4)
    assert any(r.prefill.endswith("are examples of") for r in chat.requests)
