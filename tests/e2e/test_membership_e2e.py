"""Membership by containment in real Chromium (issue 13): a note belongs to the frame holding
its centre, whatever moved, and undo takes back membership with the geometry."""

from __future__ import annotations

import pytest
from browser_helpers import paste, people
from test_board import MOD, drag, note, settled

pytestmark = pytest.mark.e2e

WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
         "juliet", "kilo", "lima", "mike", "november"]


def shown(pg) -> dict:
    """What a page shows: each note's position and group."""
    return pg.evaluate("Object.fromEntries([...herd.model.notes.values()]"
                       ".map(n => [n.id, [n.x, n.y, n.group_id]]))")


def stored(server, b) -> dict:
    return {i: [n["x"], n["y"], n["group_id"]] for i, n in server.notes(b).items()}


def holds(f: dict, n: dict) -> bool:
    cx, cy = n["x"] + n["w"] / 2, n["y"] + n["h"] / 2
    return f["x"] <= cx <= f["x"] + f["w"] and f["y"] <= cy <= f["y"] + f["h"]


def frame_body(pg, gid: str) -> tuple[float, float]:
    """A point on the frame's body below its notes (the frame in these tests is 600x400)."""
    box = pg.locator(f".frame[data-id='{gid}']").bounding_box()
    return box["x"] + box["width"] * 0.8, box["y"] + box["height"] * 0.88


def test_nudged_out_stays_put_dropped_in_joins_undo_restores_and_browsers_agree(
        browser, server, wait):
    b = server.board("Membership", groups=[{"id": "g", "title": "Fruit", "x": 0, "y": 0,
                                            "w": 600, "h": 400}],
                     notes=[note("a", "A", 50, 50), note("b", "B", 300, 50),
                            note("c", "C", 900, 50)])
    assert {i: r[2] for i, r in stored(server, b).items()} == {"a": "g", "b": "g", "c": None}
    with people(browser, f"{server.base}/b/{b}") as (_, (pg, other)):
        errors: list[str] = []
        for p in (pg, other):
            p.on("pageerror", lambda e: errors.append(str(e)))

        # Nudged out with the keyboard (4 x 50 to the left: its centre leaves the frame).
        pg.click(".note[data-id='a']")
        for _ in range(4):
            pg.keyboard.press("Shift+ArrowLeft")
        settled(pg)
        wait(lambda: stored(server, b)["a"] == [-150, 50, None], what="a left the frame")

        # The frame dragged by its body carries b, not a (which sits outside it now).
        x, y = frame_body(pg, "g")
        pg.mouse.move(x, y)
        pg.mouse.down()
        pg.mouse.move(x, y + 200, steps=10)
        pg.mouse.up()
        settled(pg)
        zoom = pg.evaluate("herd.view.zoom")
        dy = round(200 / zoom)
        wait(lambda: server.snapshot(b)["groups"][0]["y"] == dy, what="the frame moved")
        assert stored(server, b) == {"a": [-150, 50, None], "b": [300, 50 + dy, "g"],
                                     "c": [900, 50, None]}

        # c dragged onto the frame's body joins it.
        fx, fy = frame_body(pg, "g")
        cbox = pg.locator(".note[data-id='c']").bounding_box()
        drag(pg, ".note[data-id='c']", fx - (cbox["x"] + cbox["width"] / 2),
             fy - (cbox["y"] + cbox["height"] / 2))
        settled(pg)
        wait(lambda: stored(server, b)["c"][2] == "g", what="c joined the frame")
        after_drop = stored(server, b)
        wait(lambda: shown(other) == after_drop, what="the other browser agrees")

        # Undo, step by step: the drop (c out again, where it was), the frame's move, the nudges.
        pg.keyboard.press(f"{MOD}+z")
        settled(pg)
        wait(lambda: stored(server, b)["c"] == [900, 50, None], what="drop undone")
        pg.keyboard.press(f"{MOD}+z")
        settled(pg)
        wait(lambda: server.snapshot(b)["groups"][0]["y"] == 0, what="frame move undone")
        for _ in range(4):  # one undo step per nudge
            pg.keyboard.press(f"{MOD}+z")
            settled(pg)
        start = {"a": [50, 50, "g"], "b": [300, 50, "g"], "c": [900, 50, None]}
        wait(lambda: stored(server, b) == start, what="nudge undone: a is a member again")
        wait(lambda: shown(pg) == start and shown(other) == start, what="both browsers agree")
        assert not errors, errors


def test_a_frame_from_a_selection_in_a_pasted_grid_holds_exactly_what_is_inside_it(
        page, server, open_board, wait):
    b = server.board("Grid")
    open_board(page, b)
    paste(page, "\n".join(WORDS))
    wait(lambda: len(server.notes(b)) == 14, what="14 pasted notes")
    settled(page)
    notes = {n["text"]: n for n in server.notes(b).values()}
    # The grid is 5 wide: rows 0 and 2, three columns each: row 1's notes lie between them.
    rows = sorted({n["y"] for n in notes.values()})
    cols = sorted({n["x"] for n in notes.values()})
    chosen = [t for t, n in notes.items() if n["y"] in (rows[0], rows[2]) and n["x"] in cols[:3]]
    assert len(chosen) == 6
    between = {t for t, n in notes.items() if n["y"] == rows[1] and n["x"] in cols[:3]}
    page.locator(".note", has_text=chosen[0]).click()
    for t in chosen[1:]:
        page.locator(".note", has_text=t).click(modifiers=["Shift"])
    page.keyboard.press(f"{MOD}+g")
    page.wait_for_selector(".frame-title-edit:focus")
    page.keyboard.press("Enter")
    snap = wait(lambda: (s := server.snapshot(b))["groups"] and s, what="the frame")
    f = snap["groups"][0]
    members = {n["text"] for n in snap["notes"] if n["group_id"] == f["id"]}
    inside = {n["text"] for n in snap["notes"] if holds(f, n)}
    assert members == inside, "the frame holds exactly its members"
    assert set(chosen) | between <= members
    assert len(members) < 14
    page.wait_for_function(
        "ids => ids.every(id => herd.renderer.noteEl(id).classList.contains('grouped'))",
        arg=[n["id"] for n in snap["notes"] if n["group_id"]])

    # Undo takes the frame away and every note with it out of the group.
    page.keyboard.press(f"{MOD}+z")
    settled(page)
    wait(lambda: not (s := server.snapshot(b))["groups"]
         and all(n["group_id"] is None for n in s["notes"]), what="frame undone")
