"""Organize on a board through the real bundled models: result, determinism, undo."""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import SimpleNamespace

from server import create_app
from server.organize import board_run

RETRO = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "team-retro.json"


def retro_texts() -> list[str]:
    if RETRO.exists():
        return [n["text"] for n in json.loads(RETRO.read_text())["notes"]]
    # Outside the workplace: a small retro of our own.
    return ["standup runs long", "too many meetings", "meetings without agenda",
            "CI is slow", "flaky tests block merges", "build cache breaks",
            "docs are out of date", "wiki search is useless", "README lacks setup",
            "reviews take days", "PRs are too big", "harsh review comments"]


def partition(placements) -> list[list[str]]:
    return sorted(sorted(p.notes) for p in placements)


def test_same_notes_same_groups_in_any_order(embedder, chat):
    """Real embeddings have near-ties, so the order notes arrive in must not decide."""
    ai = SimpleNamespace(embedder=embedder, chat=chat)
    notes = [{"id": f"n{i}", "text": t, "w": 160.0, "h": 120.0}
             for i, t in enumerate(retro_texts())]
    runs = []
    for order in (notes, notes[::-1], notes[7:] + notes[:7]):
        placements = board_run.run_pipeline(order, ai, {"groups": None, "view": None},
                                            lambda *a: None, lambda: False, [])
        runs.append(partition(placements))
    assert runs[0] == runs[1] == runs[2]


def test_organize_a_board_and_undo_it(ai_config):
    app = create_app(ai_config)
    client = app.test_client()
    bid = client.post("/api/boards", json={"name": "Retro"}).get_json()["id"]
    texts = retro_texts()
    ops = [{"op": "create", "kind": "note",
            "fields": {"text": t, "x": (i % 8) * 180.0, "y": (i // 8) * 140.0}}
           for i, t in enumerate(texts)]
    assert client.post(f"/api/boards/{bid}/ops", json={"ops": ops}).status_code == 200
    before = client.get(f"/api/boards/{bid}").get_json()
    r = client.post(f"/api/boards/{bid}/organize",
                    json={"view": {"x": 0, "y": 0, "w": 1600, "h": 900}})
    assert r.status_code == 202, r.get_json()
    job = r.get_json()["job"]
    deadline = time.monotonic() + 240
    while job["state"] == "running" and time.monotonic() < deadline:
        time.sleep(0.1)
        job = client.get(f"/api/boards/{bid}/organize/{job['id']}").get_json()["job"]
    assert job["state"] == "done", job
    after = client.get(f"/api/boards/{bid}").get_json()
    assert all(n["group_id"] for n in after["notes"])
    titles = [g["title"] for g in after["groups"]]
    assert 2 <= len(titles) <= 12
    assert all(1 <= len(t.split()) <= 4 for t in titles)
    assert len({t.lower() for t in titles}) == len(titles)
    assert client.post(f"/api/boards/{bid}/organize/{job['id']}/undo").status_code == 200
    back = client.get(f"/api/boards/{bid}").get_json()
    strip = lambda s: sorted((n["id"], n["x"], n["y"], n["group_id"])  # noqa: E731
                             for n in s["notes"])
    assert strip(back) == strip(before) and back["groups"] == []
