"""`herd export` and `herd import` on a database file, without the server."""

from __future__ import annotations

import csv
import io
import json

from export_samples import TRICKY, make_board
from PIL import Image

from server import create_app
from server.cli import main


def seeded(db_path: str) -> str:
    app = create_app({"DATABASE": db_path, "AI_ENABLED": False, "TESTING": True})
    return make_board(app.test_client())


def test_export_every_format_to_a_file(db_path, tmp_path, capsys):
    bid = seeded(db_path)
    for fmt in ("md", "csv", "json", "svg", "png"):
        out = tmp_path / f"board.{fmt}"
        assert main(["export", bid, "--db", db_path, "-o", str(out)]) == 0  # format from name
        assert out.stat().st_size > 0
    assert "# Top, renamed" in (tmp_path / "board.md").read_text()
    rows = list(csv.reader(io.StringIO((tmp_path / "board.csv").read_bytes().decode("utf-8-sig"),
                                       newline="")))
    assert sorted(r[1] for r in rows[1:]) == sorted(TRICKY)
    assert json.loads((tmp_path / "board.json").read_text())["format"] == "herd-board"
    assert Image.open(tmp_path / "board.png").format == "PNG"
    assert "Wrote 'Retro, week 47' (8 notes) as png" in capsys.readouterr().err


def test_export_by_name_to_stdout_and_view(db_path, capsysbinary):
    seeded(db_path)
    assert main(["export", "Retro, week 47", "--db", db_path]) == 0
    assert capsysbinary.readouterr().out.startswith(b"# Top, renamed\n")
    assert main(["export", "Retro, week 47", "-f", "svg", "--view", "0,0,10,10",
                 "--db", db_path]) == 0
    assert b'viewBox="0 0 10 10"' in capsysbinary.readouterr().out


def test_export_errors_and_listing(db_path, capsys):
    bid = seeded(db_path)
    assert main(["export", "nope", "--db", db_path]) == 1
    assert "No board with id or name 'nope'" in capsys.readouterr().err
    assert main(["export", bid, "--view", "1,2", "--db", db_path]) == 1
    assert main(["export", "--db", db_path]) == 2
    assert bid in capsys.readouterr().out


def test_import_json_round_trip_and_text_lists(db_path, tmp_path, capsys):
    bid = seeded(db_path)
    out = tmp_path / "b.json"
    main(["export", bid, "--db", db_path, "-o", str(out)])
    other = str(tmp_path / "other.db")
    assert main(["import", str(out), "--db", other]) == 0
    assert "as a new board" in capsys.readouterr().out
    ideas = tmp_path / "ideas.md"
    ideas.write_text("\ufeff- one\n- two, three\n\n* 🎉\n", encoding="utf-8")
    assert main(["import", str(ideas), "--db", other]) == 0
    assert "Added 3 notes to 'ideas'" in capsys.readouterr().out
    assert main(["import", str(ideas), "--board", "ideas", "--db", other]) == 0
    assert main(["export", "ideas", "--db", other, "-f", "md"]) == 0
    assert capsys.readouterr().out.count("- two, three") == 2


def test_import_refusals(db_path, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "herd-board", "format_version": 1, "board": {"name": "x"},'
                   ' "notes": [{"id": "a", "text": "t", "x": 0, "y": 0, "color": "teal"}]}')
    assert main(["import", str(bad), "--db", db_path]) == 1
    err = capsys.readouterr().err
    assert "notes[0].color: 'teal'" in err and "Nothing was created" in err
    assert main(["import", str(tmp_path / "missing.json"), "--db", db_path]) == 1
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    assert main(["import", str(empty), "--db", db_path]) == 1
    assert main(["export", "--db", db_path]) == 2
    assert "No boards yet" in capsys.readouterr().err  # the refusals made no board
