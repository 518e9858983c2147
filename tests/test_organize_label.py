"""Label cleaning, validation, candidates, the judge, retries and the fallback."""

from __future__ import annotations

import numpy as np
import pytest
from organize_fakes import FakeChat, FakeEmbedder

from server.organize import label as lb
from server.organize import naming
from server.organize.keywords import distinctive_words


@pytest.mark.parametrize(
    "raw, label",
    [
        (" fruits.", "fruits"),
        (" mammals that live in houses", "mammals"),
        (" related to the metric system, but in", "metric system"),
        (' "units of measurement" or "metric', "units of measurement"),
        ("Label: **Building materials**", "Building materials"),
        (" part of the same family of numbers called", "numbers"),
        (" names of famous people", "people"),
        (" types of musical instruments used in bands", "musical instruments"),
        (" things.", ""),
        (" the same thing", ""),
        ("", ""),
        (" cities.", ""),  # a worked example echoed back, not an answer
        (" very long phrase with many many words here", "very long phrase"),
        (" the <strong><em><u>Beta</u></em>", "Beta"),  # a base model's web markup
        (" the kind of artists who have been making", "artists"),
    ],
)
def test_clean(raw, label):
    assert lb.clean(raw) == label


def test_clean_never_exceeds_four_words_or_keeps_quotes():
    for raw in [' "a b c d e f"', "* - Label: 'x y z w v'", "`code` words \u201cquoted\u201d"]:
        out = lb.clean(raw)
        assert len(out.split()) <= lb.MAX_WORDS
        assert not any(q in out for q in "\"'`*\u201c\u201d")


def test_candidates_include_the_head_noun():
    assert lb.candidates(" planning meetings that run long") == ["planning meetings", "meetings"]
    assert lb.candidates(" units of measurement") == ["units of measurement"]
    assert lb.candidates(" teamwork and collaboration") == [
        "teamwork and collaboration", "collaboration", "teamwork"]


@pytest.mark.parametrize(
    "label, ok",
    [
        ("Fruits", True),
        ("apples", False),  # one of the notes itself
        ("Apple", False),  # ... in the singular
        ("team lunch", False),  # two words lifted from a note
        ("lunch", True),  # one shared word is fine
        ("a b c d e", False),
        ("", False),
        ("123", False),
        ("Meetings", False),  # already used by another group
    ],
)
def test_is_valid(label, ok):
    texts = ["apples", "team lunch was fun", "pears"]
    assert lb.is_valid(label, texts, taken=["meetings"]) is ok


def test_tidy_capitalises_first_letter_only():
    assert lb.tidy("units of  measurement") == "Units of measurement"
    assert lb.tidy("CI builds") == "CI builds"


def test_prompt_shows_the_notes_and_begins_the_answer():
    req = lb.prompt(["a", "b"])
    assert req.prefill == "They are all"
    assert req.messages[-1]["content"].endswith("- a\n- b")
    assert req.max_tokens <= 16
    assert lb.prompt(["x"] * 50).messages[-1]["content"].count("- x") == lb.PROMPT_NOTES


def test_distinctive_words_prefers_shared_and_rare_words():
    groups = [
        ["meetings run long", "too many meetings", "meetings start late"],
        ["review comments are harsh", "reviews wait days", "long review queue"],
    ]
    words = distinctive_words(groups)
    assert words[0][0] == "meetings"
    assert words[1][0] in ("review", "reviews")
    assert "long" not in words[0][:1]


def _groups():
    groups = [["apple fruit", "pear fruit", "plum fruit"], ["mars planet", "venus planet"]]
    emb = FakeEmbedder()
    return groups, [emb.embed(g).astype(np.float64) for g in groups], emb


def test_name_groups_distinct_short_and_from_the_model(monkeypatch):
    monkeypatch.setattr(naming, "SURE", float("inf"))  # every group goes to the model
    groups, vecs, emb = _groups()
    chat = FakeChat()
    named = naming.name_groups(groups, vecs, emb, chat)
    assert [x.lower() for x in named.labels] == ["fruits", "planets"]
    assert named.sources == ["model", "model"]
    assert len(chat.requests) == 2  # one request per group, all in one batch


def test_an_answer_that_fits_one_group_only_is_retried_for_the_other(monkeypatch):
    monkeypatch.setattr(naming, "SURE", float("inf"))  # every group goes to the model
    groups = [["apple fruit", "pear fruit", "plum fruit"], ["mars", "venus"]]
    emb = FakeEmbedder()
    vecs = [emb.embed(g).astype(np.float64) for g in groups]
    chat = FakeChat(reply=" fruits.")
    named = naming.name_groups(groups, vecs, emb, chat)
    assert len({x.lower() for x in named.labels}) == 2
    assert named.labels[0].lower() == "fruits"
    assert len(chat.requests) == 2 + len(naming.RETRY_VARIANTS)  # only the other is retried


def test_made_up_labels_far_from_the_notes_are_refused():
    groups = [["mars", "venus"], ["oak", "pine"]]
    emb = FakeEmbedder()
    vecs = [emb.embed(g).astype(np.float64) for g in groups]
    named = naming.name_groups(groups, vecs, emb, FakeChat(reply=" vehicles."))
    assert "Vehicles" not in named.labels


def test_unusable_answers_fall_back_to_a_shared_word():
    groups, vecs, emb = _groups()
    named = naming.name_groups(groups, vecs, emb, FakeChat(reply=" the same things."))
    assert [x.lower() for x in named.labels] == ["fruit", "planet"]
    assert set(named.sources) == {"keyword"}


def test_fallback_numbers_a_group_with_nothing_to_say():
    assert naming.fallback([["a"], ["b"]], 1, []) == "Group 2"


def test_chat_down_raises_instead_of_naming_blindly(monkeypatch):
    monkeypatch.setattr(naming, "SURE", float("inf"))  # every group goes to the model
    groups, vecs, emb = _groups()
    with pytest.raises(RuntimeError):
        naming.name_groups(groups, vecs, emb, FakeChat(fail=True))


class _TableEmbedder:
    """Fixed vectors per text, to place candidate labels exactly."""

    def __init__(self, table):
        self.table = table

    def embed(self, texts):
        return np.array([self.table[t] for t in texts], dtype=np.float64)


def test_judge_prefers_a_label_that_describes_its_notes_over_a_vague_one():
    # Group 0's centre is e0, group 1's is e1. "vague" is barely near group 0 but a little further
    # from group 1 (fit 0.26, margin 0.01); "named" fits group 0 well but is near group 1 too
    # (fit 0.44, margin -0.05). Margin alone picked "vague"; fit plus margin picks "named".
    centres = np.eye(3)[:2]
    vague = naming.unit(np.array([0.26, 0.25, 0.93]))
    named = naming.unit(np.array([0.44, 0.49, 0.75]))
    emb = _TableEmbedder({"vague": vague, "named": named, "other": np.array([0.0, 1.0, 0.0])})
    fit = centres @ named
    assert fit[0] - fit[1] < 0 < (centres @ vague)[0] - (centres @ vague)[1]
    picks = naming.judge([{"vague": (1, "model"), "named": (1, "model")}, {"other": (1, "model")}],
                         centres, emb)
    assert picks[0] == ("named", "model")
    assert picks[1] == ("other", "model")


class _BaseModelChat(FakeChat):
    """A base model's client: `plain`, and answers only the sentence to finish."""

    plain = True

    def complete(self, request):
        self.requests.append(request)
        return " fruit." if not request.messages else " the same."


def test_a_base_model_is_also_asked_to_finish_a_sentence_about_the_notes(monkeypatch):
    monkeypatch.setattr(naming, "SURE", float("inf"))  # every group goes to the model
    groups, vecs, emb = _groups()
    chat = _BaseModelChat()
    named = naming.name_groups(groups[:1], vecs[:1], emb, chat)
    assert [r.messages != [] for r in chat.requests] == [True, False]  # lb.BASE_VARIANTS
    sentence = chat.requests[1].prefill
    assert sentence.endswith(" are examples of") and " and " in sentence
    assert named.labels == ["Fruit"]


def test_short_lower_case_notes_are_shown_to_a_base_model_as_names():
    req = lb.prompt(["gary numan", "howard jones", "CI takes 40 minutes to go green"],
                    "examples_of")
    assert req.prefill.startswith("Gary Numan, Howard Jones and CI takes 40 minutes")
    assert naming.for_model(FakeChat()) == lb.VARIANTS


def test_a_group_its_shared_keyword_already_names_is_not_put_to_the_model():
    # The fake embedder puts "fruit" right on the first group's notes and far from the second.
    groups, vecs, emb = _groups()
    sure = naming.keyword_sure(groups, naming.unit(np.stack([v.mean(0) for v in vecs])), emb)
    chat, ticks = FakeChat(), []
    named = naming.name_groups(groups, vecs, emb, chat, progress=ticks.append)
    assert sure.count(True) >= 1
    assert len(chat.requests) == sure.count(False)
    assert ticks[: sure.count(True)] == list(range(1, sure.count(True) + 1))
    assert all(s == "keyword" for s, ok in zip(named.sources, sure, strict=True) if ok)


def test_chat_down_still_raises_when_any_group_needs_the_model():
    groups = [["apple fruit", "pear fruit"], ["mars", "venus"]]  # no shared word in the second
    emb = FakeEmbedder()
    with pytest.raises(RuntimeError):
        naming.name_groups(groups, [emb.embed(g).astype(np.float64) for g in groups], emb,
                           FakeChat(fail=True))
