"""Export and import from the board menu in real Chromium: every download, both imports."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

pytestmark = pytest.mark.e2e

TEXTS = ["Commas, and \"quotes\"", "Two\nlines", "Party 🎉", "שלום עולם", "مرحبا بالعالم"]


@pytest.fixture
def board(server) -> str:
    notes = [{"id": f"n{i}", "text": t, "x": 40 + 180 * i, "y": 60,
              "group_id": "g1" if i < 2 else None} for i, t in enumerate(TEXTS)]
    groups = [{"id": "g1", "title": "Ideas, first", "x": 20, "y": 0, "w": 380, "h": 220}]
    return server.board("E2E export", notes=notes, groups=groups)


def download(page, item: str) -> tuple[str, bytes]:
    """Pick an item in the board menu and return the downloaded file's name and bytes."""
    page.click("#menu-btn")
    with page.expect_download() as info:
        page.get_by_role("menuitem", name=item).click()
    dl = info.value
    with open(dl.path(), "rb") as f:
        return dl.suggested_filename, f.read()


def test_every_export_downloads_from_the_board_menu(page, board, open_board):
    open_board(page, board)

    name, data = download(page, "Markdown (.md)")
    assert name == "E2E export.md"
    md = data.decode()
    assert md.startswith("# Ideas, first\n\n- Commas, and \"quotes\"\n- Two\n  lines\n")
    assert "# Ungrouped\n\n- Party 🎉\n- שלום עולם\n- مرحبا بالعالم\n" in md

    name, data = download(page, "Spreadsheet (.csv)")
    assert name == "E2E export.csv" and data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert [r[1] for r in rows[1:]] == TEXTS
    assert rows[1][0] == "Ideas, first" and rows[3][0] == ""

    name, data = download(page, "Board file (.json)")
    export = json.loads(data)
    assert name == "E2E export.json" and export["format"] == "herd-board"
    assert sorted(n["text"] for n in export["notes"]) == sorted(TEXTS)

    name, data = download(page, "Image of the board (.png)")
    img = Image.open(io.BytesIO(data))
    assert name == "E2E export.png" and img.format == "PNG"
    # Content spans x 20..920 and y 0..220 (board units) plus a 40 margin, 2 px per unit.
    assert img.size == ((900 + 80) * 2, (220 + 80) * 2)

    view = page.evaluate("(() => { const r = window.herd.visibleRect();"
                         " return [r.w, r.h].map(Math.round); })()")
    _, data = download(page, "Image of this view (.png)")
    img = Image.open(io.BytesIO(data))
    assert img.format == "PNG" and img.size == (view[0] * 2, view[1] * 2)

    name, data = download(page, "Vector image (.svg)")
    root = ET.fromstring(data)
    assert name == "E2E export.svg" and root.tag.endswith("svg")
    assert "Party 🎉" in " ".join("".join(t.itertext()) for t in root.iter())


def test_import_a_text_list_and_a_board_file(page, server, board, open_board, wait, tmp_path):
    open_board(page, board)
    ideas = tmp_path / "ideas.md"
    ideas.write_text("- first idea\n- second, with a comma\n\n* third 🎉\n", encoding="utf-8")
    page.set_input_files("#import-file", str(ideas))
    wait(lambda: len(server.notes(board)) == len(TEXTS) + 3, what="imported notes")
    texts = {n["text"] for n in server.notes(board).values()}
    assert {"first idea", "second, with a comma", "third 🎉"} <= texts
    page.wait_for_selector(".note >> text=second, with a comma")

    _, data = download(page, "Board file (.json)")
    saved = tmp_path / "board.json"
    saved.write_bytes(data)
    page.set_input_files("#import-file", str(saved))
    page.wait_for_url(lambda url: "/b/" in url and not url.endswith(f"/b/{board}"))
    new_id = page.url.rsplit("/", 1)[1]
    old, new = server.snapshot(board), server.snapshot(new_id)
    assert new["board"]["name"] == "E2E export"

    def same(rows):
        return sorted((r["id"], r["text"], r["x"], r["y"], r["color"], r["group_id"],
                       r["version"]) for r in rows)

    assert same(new["notes"]) == same(old["notes"])
    page.wait_for_function("window.herd && window.herd.model")
    page.wait_for_selector(".note >> text=third 🎉")
