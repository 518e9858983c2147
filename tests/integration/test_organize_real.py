"""Organize through the real bundled models: sane quality floors on the shared datasets."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from server.organize.label import MAX_WORDS
from server.organize.pipeline import organize, suggest_label

SHARED = Path(__file__).resolve().parents[3] / "shared"
OWN = Path(__file__).resolve().parents[2] / "bench" / "data"  # our own set, never tuned on


def _dataset(name: str) -> dict:
    path = OWN / f"{name}.json"
    if not path.exists():
        path = SHARED / "datasets" / f"{name}.json"
    if not path.exists():
        pytest.skip(f"{path} is not here (shared/ sits beside the repository)")
    return json.loads(path.read_text())


def _score():
    path = SHARED / "eval" / "score.py"
    if not path.exists():
        pytest.skip(f"{path} is not here (shared/ sits beside the repository)")
    spec = importlib.util.spec_from_file_location("score", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.score


def _run(name, embedder, chat, **kw):
    data = _dataset(name)
    notes = [{"id": str(i), "text": n["text"]} for i, n in enumerate(data["notes"])]
    result = organize(notes, embedder, chat, **kw)
    by_id = {n["id"]: n["text"] for n in notes}
    groups = [{"label": g.label, "notes": [by_id[i] for i in g.note_ids]} for g in result.groups]
    return data, result, _score()({"groups": groups}, data)


# Floors well under what bench/organize.py measures, so a slow or busy machine does not flake.
@pytest.mark.parametrize("name, ari, label_good", [("seed-ideas", 0.7, 0.6),
                                                   ("team-retro", 0.25, 0.3),
                                                   ("product-feedback", 0.25, 0.3)])
def test_organize_dataset(name, ari, label_good, embedder, chat):
    data, result, figures = _run(name, embedder, chat)
    assert figures["missing"] == 0 and figures["duplicated"] == 0 and figures["extra"] == 0
    assert figures["distinct"]
    assert figures["ari"] >= ari, figures
    assert figures["label_good"] >= label_good, figures
    for g in result.groups:
        assert 1 <= len(g.label.split()) <= MAX_WORDS
        assert not any(c in g.label for c in "\"*#`")
    assert result.timings["model"] > 0


def test_organize_with_asked_group_count(embedder, chat):
    _, result, figures = _run("seed-ideas", embedder, chat, k=4)
    assert len(result.groups) == 4 and figures["missing"] == 0


def test_suggest_label_gives_a_fresh_short_name(embedder, chat):
    texts = ["apples", "pears", "bananas", "cherries"]
    others = [["cats", "dogs", "hamsters"], ["brick", "concrete", "lumber"]]
    first = suggest_label(texts, others, embedder, chat)
    fresh = suggest_label(texts, others, embedder, chat, avoid=[first])
    assert 1 <= len(fresh.split()) <= MAX_WORDS
    assert fresh.lower() != first.lower()
