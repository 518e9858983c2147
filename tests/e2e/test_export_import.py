"""Export downloads and imports from the board menu, in Chromium."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.e2e

FORMATS = [
    ("Markdown (.md)", ".md"),
    ("Spreadsheet (.csv)", ".csv"),
    ("Board file (.json)", ".json"),
    ("Image of the board (.png)", ".png"),
    ("Image of this view (.png)", ".png"),
    ("Vector image (.svg)", ".svg"),
]


def _download(page, item: str):
    page.get_by_role("button", name="Board menu: export and import").click()
    with page.expect_download() as info:
        page.get_by_role("menuitem", name=item).click()
    return info.value


@pytest.mark.parametrize(("item", "ext"), FORMATS)
def test_each_export_downloads(page, server, open_board, item, ext, tmp_path):
    b = server.board("Export me", notes=[{"id": "a", "text": 'Comma, "quote"\nand é 🎉', "x": 0,
                                          "y": 0}],
                     groups=[{"id": "g", "title": "Ideas", "x": -20, "y": -20, "w": 300,
                              "h": 200}])
    server.api("POST", f"/api/boards/{b}/ops",
               {"ops": [{"op": "update", "kind": "note", "id": "a", "fields": {"group_id": "g"}}]})
    open_board(page, b)
    dl = _download(page, item)
    assert dl.suggested_filename.endswith(ext)
    path = tmp_path / dl.suggested_filename
    dl.save_as(path)
    data = path.read_bytes()
    assert data
    if ext == ".md":
        assert "# Ideas" in data.decode("utf-8")
    if ext == ".png":
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
    if ext == ".json":
        assert json.loads(data)["notes"][0]["text"] == 'Comma, "quote"\nand é 🎉'


def test_import_text_file_adds_notes(page, server, open_board, wait):
    b = server.board("Import text")
    open_board(page, b)
    page.set_input_files("#import-file", files=[{
        "name": "ideas.md", "mimeType": "text/markdown",
        "buffer": b"- one\n- two\n\n3. three\n"}])
    wait(lambda: sorted(n["text"] for n in server.notes(b).values()) == ["one", "three", "two"],
         what="three imported notes")
    page.wait_for_function("document.querySelectorAll('.note').length === 3")
    page.wait_for_selector(".toast >> text=Imported 3 notes")


def test_import_json_board_opens_the_new_board(page, server, open_board, wait):
    src = server.board("Original", notes=[{"id": "a", "text": "kept", "x": 10, "y": 20}])
    open_board(page, src)
    dl = _download(page, "Board file (.json)")
    payload = dl.path().read_bytes()
    page.set_input_files("#import-file", files=[{
        "name": "board.json", "mimeType": "application/json", "buffer": payload}])
    page.wait_for_url(lambda url: "/b/" in url and not url.endswith(src))
    page.wait_for_function("window.herd && window.herd.model")
    assert page.locator(".note-text").inner_text() == "kept"


def test_a_board_file_over_1_mb_imports_from_the_browser(page, server, open_board, wait):
    src = server.board("Small", notes=[{"id": "a", "text": "x", "x": 0, "y": 0}])
    open_board(page, src)
    data = {"format": "herd-board", "format_version": 1, "board": {"name": "Big workshop"},
            "groups": [],
            "notes": [{"id": f"n{i}", "text": f"idea {i} " + "words " * 60, "x": (i % 40) * 180,
                       "y": (i // 40) * 140} for i in range(3000)]}
    payload = json.dumps(data).encode()
    assert len(payload) > 1_000_000  # past the API's usual body limit
    page.set_input_files("#import-file", files=[{
        "name": "big.json", "mimeType": "application/json", "buffer": payload}])
    page.wait_for_url(lambda url: "/b/" in url and not url.endswith(src))
    page.wait_for_function("window.herd && window.herd.model && window.herd.model.notes.size")
    assert page.evaluate("window.herd.model.notes.size") == 3000


def test_import_of_a_broken_file_is_a_readable_error(page, server, open_board):
    b = server.board("Broken import")
    open_board(page, b)
    page.set_input_files("#import-file", files=[{
        "name": "board.json", "mimeType": "application/json", "buffer": b"{not json"}])
    toast = page.wait_for_selector(".toast.error")
    assert "JSON" in toast.inner_text()
    assert server.notes(b) == {}


def test_dropping_a_text_file_on_the_canvas_imports_it(page, server, open_board, wait):
    b = server.board("Drop")
    open_board(page, b)
    page.evaluate("""() => {
        const dt = new DataTransfer();
        dt.items.add(new File(['• red\\n• green\\n'], 'colours.txt', {type: 'text/plain'}));
        const vp = document.getElementById('viewport');
        const init = {dataTransfer: dt, bubbles: true, cancelable: true};
        vp.dispatchEvent(new DragEvent('dragover', init));
        vp.dispatchEvent(new DragEvent('drop', init));
    }""")
    wait(lambda: sorted(n["text"] for n in server.notes(b).values()) == ["green", "red"],
         what="dropped file imported")
