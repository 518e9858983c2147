"""Naming on a chat model Herd was not tuned on: Gemma-3-270M, a base model, on llama-server."""

from __future__ import annotations

import pytest
from test_organize_real import _run

from server.llamafile.chat import PLAIN_VIA
from server.organize.label import MAX_WORDS


def test_gemma_is_seen_as_a_base_model_and_talked_to_in_plain_text(gemma_chat):
    assert gemma_chat.plain
    assert gemma_chat.route() == PLAIN_VIA


# Floors under what bench/organize.py measures for Gemma (seed 0.857, retro 0.833), so a busy
# machine does not flake; before plain prompts Gemma named the seed list at 0.29.
@pytest.mark.parametrize("name, label_good", [("seed-ideas", 0.7), ("team-retro", 0.5)])
def test_organize_with_gemma_naming_gives_sane_labels(name, label_good, embedder, gemma_chat):
    data, result, figures = _run(name, embedder, gemma_chat)
    assert figures["missing"] == 0 and figures["duplicated"] == 0
    assert figures["distinct"]
    assert figures["label_good"] >= label_good, figures
    # A group whose every answer the judge refused is named "Group N" by design (seen once in
    # CI on a loaded machine); more than one such group means naming does not hold.
    fallbacks = [g for g in result.groups if g.source == "fallback"]
    assert len(fallbacks) <= 1, [g.label for g in fallbacks]
    for g in result.groups:
        assert 1 <= len(g.label.split()) <= MAX_WORDS
        assert not any(c in g.label for c in "<>\"*#`"), g.label  # no web markup left
        if g.source != "fallback":
            assert not g.label.lower().startswith(("group ", "what", "think")), g.label


@pytest.mark.parametrize("name", ["seed-ideas"])
def test_the_bundled_model_still_names_through_its_chat_template(name, embedder, chat):
    assert not chat.plain
    data, result, figures = _run(name, embedder, chat)
    assert figures["label_good"] >= 0.7, figures
