"""`herd organize FILE`: Markdown or JSON out, list markers stripped, errors said plainly."""

from __future__ import annotations

import json

import pytest
from organize_fakes import FakeChat, FakeEmbedder

from server import cli
from server.llamafile import chat as chat_mod
from server.llamafile import embed as embed_mod
from server.llamafile.errors import LlamafileError

URLS = ["--embed-url", "http://127.0.0.1:9", "--chat-url", "http://127.0.0.1:9"]


@pytest.fixture
def fakes(monkeypatch):
    class Emb(FakeEmbedder):
        def __init__(self, url):
            super().__init__()

    class Chat(FakeChat):
        def __init__(self, url):
            super().__init__()

    monkeypatch.setattr(embed_mod, "LlamafileEmbedder", Emb)
    monkeypatch.setattr(chat_mod, "LlamafileChat", Chat)


@pytest.fixture
def notes_file(tmp_path):
    p = tmp_path / "notes.txt"
    lines = ["- apple fruit", "* pear fruit", "", "1. plum fruit", "2) mars planet",
             "• venus planet", "saturn planet"]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(p)


def test_markdown(fakes, notes_file, capsys):
    assert cli.main(["organize", notes_file, *URLS]) == 0
    out = capsys.readouterr().out
    blocks = out.strip().split("\n\n")
    assert len(blocks) == 2
    assert all(b.startswith("# ") for b in blocks)
    notes = sorted(line[2:] for line in out.splitlines() if line.startswith("- "))
    assert notes == sorted(["apple fruit", "pear fruit", "plum fruit", "mars planet",
                            "venus planet", "saturn planet"])


def test_json_with_groups(fakes, notes_file, capsys):
    assert cli.main(["organize", notes_file, "--json", "--groups", "3", *URLS]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["groups"]) == 3
    assert sum(len(g["notes"]) for g in data["groups"]) == 6
    assert all(set(g) == {"label", "notes"} for g in data["groups"])
    assert {"embed", "cluster", "label", "layout", "total"} <= set(data["timings"])


def test_missing_file(fakes, capsys):
    assert cli.main(["organize", "/nonexistent/notes.txt", *URLS]) == 2
    assert "Cannot read" in capsys.readouterr().err


def test_bad_group_count(fakes, notes_file, capsys):
    assert cli.main(["organize", notes_file, "--groups", "0", *URLS]) == 2


def test_server_error_is_one_line_on_stderr(monkeypatch, notes_file, capsys):
    class Down(FakeEmbedder):
        def __init__(self, url):
            super().__init__()

        def embed(self, texts):
            raise LlamafileError("unreachable", "No Llamafile answers at http://x. Start it.")

    monkeypatch.setattr(embed_mod, "LlamafileEmbedder", Down)
    monkeypatch.setattr(chat_mod, "LlamafileChat", lambda url: FakeChat())
    assert cli.main(["organize", notes_file, *URLS]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "No Llamafile answers" in captured.err


def test_into_sorts_new_notes_into_the_given_groups(fakes, tmp_path, capsys):
    groups = tmp_path / "groups.md"
    groups.write_text("# Fruits\n- apple fruit\n- pear fruit\n\n# Planets\n- mars planet\n"
                      "- venus planet\n", encoding="utf-8")
    new = tmp_path / "new.txt"
    new.write_text("- plum fruit\n- saturn planet\n", encoding="utf-8")
    assert cli.main(["organize", str(new), "--into", str(groups), *URLS]) == 0
    out = capsys.readouterr().out
    assert out == ("# Fruits\n- apple fruit\n- pear fruit\n- plum fruit\n\n"
                   "# Planets\n- mars planet\n- venus planet\n- saturn planet\n")
    assert cli.main(["organize", str(new), "--into", str(groups), "--json", *URLS]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(p["note"], p["group"], p["runner_up"]) for p in data["sorted"]] == [
        ("plum fruit", "Fruits", "Planets"), ("saturn planet", "Planets", "Fruits")]


def test_into_leaves_a_misfit_in_unsorted(fakes, tmp_path, capsys):
    groups = tmp_path / "groups.md"
    groups.write_text("# Fruits\n- apple fruit\n- pear fruit\n# Planets\n- mars planet\n"
                      "- venus planet\n", encoding="utf-8")
    new = tmp_path / "new.txt"
    new.write_text("quasar nebula\nplum fruit\n", encoding="utf-8")
    assert cli.main(["organize", str(new), "--into", str(groups), *URLS]) == 0
    out = capsys.readouterr().out
    assert out.endswith("# Unsorted\n- quasar nebula\n") and "- plum fruit" in out


def test_into_needs_groups(fakes, tmp_path, capsys):
    groups = tmp_path / "groups.md"
    groups.write_text("- a note without a heading\n", encoding="utf-8")
    new = tmp_path / "new.txt"
    new.write_text("plum\n", encoding="utf-8")
    assert cli.main(["organize", str(new), "--into", str(groups), *URLS]) == 2
    assert "has no groups" in capsys.readouterr().err
    assert cli.main(["organize", str(new), "--into", str(tmp_path / "nope.md"), *URLS]) == 2
    assert "nope.md" in capsys.readouterr().err
