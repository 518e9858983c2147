"""Keyboard only (issue 13): from the start page to a grouped, exported board without the
mouse, through the skip link, roving focus on notes and frames, Enter and Esc, and menus
driven with the arrow keys."""

from __future__ import annotations

import re

import pytest
from test_board import MOD

pytestmark = pytest.mark.e2e


def focused(pg) -> dict:
    return pg.evaluate("""() => { const a = document.activeElement;
        return {id: a.id, key: a.dataset.key || null, tag: a.tagName, role: a.getAttribute('role'),
                name: a.getAttribute('aria-label') || a.textContent.trim(),
                pressed: a.getAttribute('aria-pressed')}; }""")


def overlap(a: dict, b: dict) -> bool:
    return (a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"]
            and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"])


def type_note(pg, text: str) -> None:
    pg.keyboard.press("n")
    pg.wait_for_selector(".note-edit:focus")
    pg.keyboard.type(text)
    pg.keyboard.press("Escape")  # leaves the note, keeping the text
    pg.wait_for_function("t => document.activeElement.getAttribute('aria-label')?.startsWith(t)",
                         arg=text)
    pg.wait_for_function("!window.herd.busy()")


def test_start_page_to_a_grouped_exported_board_with_the_keyboard_alone(page, server, wait):
    server.login(page)  # the owner, as the person who started Herd
    page.goto(server.base + "/")
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "new-name", "the start page's first Tab is the name field"
    page.keyboard.type("Keyboard retro")
    page.keyboard.press("Enter")
    page.wait_for_url("**/b/*")
    page.wait_for_function("window.herd?.model && window.herd.connection === 'live'")
    board_id = page.evaluate("window.herd.boardId")

    # The skip link is the first Tab stop and lands on the (empty) board.
    page.keyboard.press("Tab")
    assert focused(page)["tag"] == "A"
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "viewport"

    # Three notes; with no pointer on the canvas each goes to a free spot near the centre.
    for text in ("Apples", "Pears", "Plums"):
        type_note(page, text)
    notes = wait(lambda: len(n := server.notes(board_id)) == 3 and n, what="three notes")
    rows = list(notes.values())
    assert not any(overlap(a, b) for i, a in enumerate(rows) for b in rows[i + 1:])
    me = focused(page)
    assert me["role"] == "button" and me["pressed"] == "true" and "(yellow)" in me["name"]

    # Select all and group them; the title is typed in place, Enter keeps it.
    page.keyboard.press(f"{MOD}+a")
    page.keyboard.press(f"{MOD}+g")
    page.wait_for_selector(".frame-title-edit:focus")
    page.keyboard.type("Fruit")
    page.keyboard.press("Enter")
    snap = wait(lambda: (s := server.snapshot(board_id))["groups"]
                and s["groups"][0]["title"] == "Fruit" and s, what="the group Fruit")
    gid = snap["groups"][0]["id"]
    assert {n["group_id"] for n in snap["notes"]} == {gid}
    assert focused(page)["key"] == f"group:{gid}", "focus is back on the frame's title"

    # Arrow keys walk from the title to the notes under it; Enter edits, Esc keeps the edit.
    page.keyboard.press("ArrowDown")
    key = focused(page)["key"]
    assert key and key.startswith("note:")
    page.keyboard.press("Enter")
    page.wait_for_selector(".note-edit:focus")
    page.keyboard.press("End")
    page.keyboard.type(" (ripe)")
    page.keyboard.press("Escape")
    wait(lambda: any(n["text"].endswith(" (ripe)") for n in server.notes(board_id).values()),
         what="the edit kept")
    assert focused(page)["key"] == key

    # Tab leaves the board in one step (roving tabindex: one stop for all its items).
    page.keyboard.press("Tab")
    after = focused(page)
    assert not after["key"] and after["id"] != "viewport"

    # Back to the board menu (the last header button), open it, walk it with the arrows.
    for _ in range(12):
        page.keyboard.press("Shift+Tab")
        if focused(page)["id"] == "menu-btn":
            break
    assert focused(page)["id"] == "menu-btn"
    page.keyboard.press("Enter")
    page.wait_for_selector(".popover [role=menuitem]:focus")
    first = focused(page)["name"]
    page.keyboard.press("ArrowDown")
    assert focused(page)["name"] != first
    page.keyboard.press("ArrowUp")
    assert focused(page)["name"] == first and first.startswith("Markdown")
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    with open(info.value.path(), encoding="utf-8") as f:
        md = f.read()
    assert "Fruit" in md and "Apples" in md and "(ripe)" in md


def test_others_changes_are_announced_calmly_as_counts(page, server, open_board):
    b = server.board("Announce", notes=[{"id": "a", "text": "A", "x": 0, "y": 0}])
    open_board(page, b)
    region = "document.querySelector('.board-tools [role=status].visually-hidden')"
    assert page.evaluate(f"{region}.textContent") == ""
    # Someone else adds two notes and drags one around in twenty small moves.
    server.api("POST", f"/api/boards/{b}/ops", {"ops": [
        {"op": "create", "kind": "note", "id": i, "fields": {"text": i}} for i in ("x", "y")]})
    for step in range(20):
        server.api("PATCH", f"/api/boards/{b}/notes/a", {"x": step * 5})
    page.wait_for_function(f"{region}.textContent !== ''")
    said = page.evaluate(f"{region}.textContent")
    # One sentence of counts (on a slow machine the last moves may fall into the next one).
    m = re.fullmatch(r"Others added 2 notes and changed (\d+) notes?\.", said)
    assert m and 1 <= int(m.group(1)) <= 20, said


def test_deleting_the_focused_note_keeps_focus_on_the_board(page, server, open_board, wait):
    b = server.board("Delete", notes=[{"id": "a", "text": "A", "x": 0, "y": 0},
                                      {"id": "b", "text": "B", "x": 300, "y": 0}])
    open_board(page, b)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the skip link: focus on the first note
    assert focused(page)["key"] == "note:a"
    page.keyboard.press("Delete")
    wait(lambda: set(server.notes(b)) == {"b"}, what="a deleted")
    page.wait_for_function("document.activeElement.dataset.key === 'note:b'")


FRUIT_AND_PETS = ["apples", "pears", "plums", "cherries", "dogs", "cats", "hamsters", "parrots"]


def test_organize_with_the_keyboard_alone(page, ai_server, wait):
    """The step the --no-ai server above cannot show: Organize, started and confirmed from
    the keyboard, on the bundled models."""
    b = ai_server.board("Keys organize", notes=[
        {"id": f"n{i}", "text": t, "x": (i % 4) * 200, "y": (i // 4) * 160}
        for i, t in enumerate(FRUIT_AND_PETS)])
    ai_server.login(page)
    page.goto(f"{ai_server.base}/b/{b}")
    page.wait_for_function("window.herd?.model && window.herd.connection === 'live'")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the skip link: focus (and selection) on the first note
    page.keyboard.press(f"{MOD}+a")  # every note, so Organize's scope is all of them
    page.keyboard.press("o")
    page.wait_for_selector(".organize-pop")
    for _ in range(20):
        if focused(page)["tag"] == "BUTTON" and focused(page)["name"] == "Organize":
            break
        page.keyboard.press("Tab")
    assert focused(page)["name"] == "Organize"
    page.keyboard.press("Enter")
    snap = wait(lambda: len((s := ai_server.snapshot(b))["groups"]) >= 2 and s, timeout=180,
                what="Organize's groups")
    assert all(n["group_id"] for n in snap["notes"])
