"""Sort new notes into an organized board, Preview (Chromium, bundled models), doubt marks."""

from __future__ import annotations

import pytest
from browser_helpers import paste, people
from test_organize import SEED_WORDS

pytestmark = pytest.mark.e2e

# Two notes with an obvious home among the seed list's groups, one with none (bench/sort.py's
# foreign notes: a chore scores about 0 against every group there).
NEW = {"grapes": "apples", "parrots": "cats", "renew my passport": None}


def organize_seed_board(pg) -> None:
    """Paste the seed list's words on the open board and organize them through the dialog."""
    pg.wait_for_selector("#ai-status[data-state=ready]")
    pg.mouse.move(640, 400)
    paste(pg, "\n".join(f"- {w}" for w in SEED_WORDS))
    pg.wait_for_function(f"window.herd.model.notes.size === {len(SEED_WORDS)} "
                         "&& !window.herd.busy()")
    pg.get_by_role("button", name="Organize notes into groups").click()
    pg.get_by_role("dialog", name="Organize").get_by_role("button", name="Organize",
                                                          exact=True).click()
    pg.wait_for_selector(".toast >> text=/Organized \\d+ notes into \\d+ groups/",
                         timeout=120_000)


@pytest.mark.integration
def test_sort_three_new_notes_into_the_frames_then_undo(browser, ai_server):
    srv = ai_server
    b = srv.board("Sort new notes")
    with people(browser, f"{srv.base}/b/{b}", count=1, width=1280) as (_, (pg,)):
        organize_seed_board(pg)
        before = srv.snapshot(b)
        groups_before = {g["id"]: g for g in before["groups"]}
        # Three notes added off to the side, in no group.
        for i, text in enumerate(NEW):
            srv.api("POST", f"/api/boards/{b}/notes",
                    {"id": f"new{i}", "text": text, "x": -3000.0, "y": 200.0 * i})
        pg.wait_for_function("window.herd.model.notes.has('new2')")
        notes_before = {n["id"]: n for n in srv.snapshot(b)["notes"]}

        pg.get_by_role("button", name="Organize notes into groups").click()
        dialog = pg.get_by_role("dialog", name="Organize")
        dialog.get_by_role("button", name="Sort 3 new notes").click()
        toast = pg.wait_for_selector(".toast >> text=/Sorted 2 new notes into 2 groups/",
                                     timeout=60_000)
        assert "1 fit no group" in toast.inner_text()

        snap = srv.snapshot(b)
        notes = {n["id"]: n for n in snap["notes"]}
        groups = {g["id"]: g for g in snap["groups"]}
        by_text = {n["text"]: n for n in snap["notes"]}
        for i, neighbour in enumerate(NEW.values()):
            home = groups[notes[f"new{i}"]["group_id"]]
            if neighbour is None:
                assert home["title"] == "Unsorted" and home["origin"] == "unsorted"
            else:
                assert notes[f"new{i}"]["group_id"] == by_text[neighbour]["group_id"]
                # It sits inside its frame, which grew to hold it.
                n = notes[f"new{i}"]
                assert home["x"] <= n["x"] and n["x"] + n["w"] <= home["x"] + home["w"]
                assert home["y"] <= n["y"] and n["y"] + n["h"] <= home["y"] + home["h"]
        # No frame covers another (membership follows containment: one grown over another
        # would take its notes).
        frames = list(groups.values())
        for i, a in enumerate(frames):
            for c in frames[i + 1:]:
                assert not (a["x"] < c["x"] + c["w"] and c["x"] < a["x"] + a["w"]
                            and a["y"] < c["y"] + c["h"] and c["y"] < a["y"] + a["h"]), (a, c)
        # Nothing else changed: a frame may only grow, or move straight down with all its
        # notes to make room for one above it.
        for gid, old in groups_before.items():
            g = groups[gid]
            assert (g["x"], g["w"]) == (old["x"], old["w"]) or g["y"] == old["y"]
            assert g["y"] >= old["y"] and g["h"] >= old["h"]
        for nid, n in notes_before.items():
            if not nid.startswith("new"):
                dy = groups[n["group_id"]]["y"] - groups_before[n["group_id"]]["y"]
                assert (notes[nid]["x"], notes[nid]["y"], notes[nid]["group_id"]) == \
                    (n["x"], n["y"] + dy, n["group_id"])
        # The browser shows them in their frames too.
        pg.wait_for_function("window.herd.model.notes.get('new0').group_id !== null")
        assert pg.locator(".frame-title", has_text="Unsorted").count() == 1

        pg.locator(".toast").filter(has_text="Sorted").get_by_role("button", name="Undo").click()
        pg.wait_for_function("['new0', 'new1', 'new2'].every(id => "
                             "window.herd.model.notes.get(id).group_id === null)")
        after = srv.snapshot(b)
        assert {n["id"]: (n["x"], n["y"], n["group_id"]) for n in after["notes"]} == \
            {k: (n["x"], n["y"], n["group_id"]) for k, n in notes_before.items()}
        assert {g["id"]: (g["x"], g["y"], g["w"], g["h"]) for g in after["groups"]} == \
            {k: (g["x"], g["y"], g["w"], g["h"]) for k, g in groups_before.items()}
        assert pg.locator(".frame-title", has_text="Unsorted").count() == 0


@pytest.mark.integration
def test_preview_outlines_groups_moves_nothing_then_applies(browser, ai_server):
    srv = ai_server
    b = srv.board("Preview", notes=[{"id": f"n{i}", "text": w, "x": 200.0 * (i % 8),
                                     "y": 150.0 * (i // 8)} for i, w in enumerate(SEED_WORDS)])
    before = srv.snapshot(b)["notes"]
    with people(browser, f"{srv.base}/b/{b}", width=1280) as (_, (p1, p2)):
        p1.wait_for_selector("#ai-status[data-state=ready]")
        p1.get_by_role("button", name="Organize notes into groups").click()
        p1.get_by_role("dialog", name="Organize").get_by_role("button", name="Preview",
                                                                  exact=True).click()
        p1.wait_for_selector(".preview-frame", timeout=120_000)
        assert p1.locator(".preview-frame").count() >= 2
        assert p2.locator(".preview-frame").count() == 0  # only the one who asked sees it
        assert srv.snapshot(b)["notes"] == before and srv.snapshot(b)["groups"] == []
        p1.locator("#preview-bar").get_by_role("button", name="Apply").click()
        p1.wait_for_selector(".toast >> text=/Organized \\d+ notes into \\d+ groups/")
        p2.wait_for_function("window.herd.model.groups.size >= 2")
        assert p1.locator(".preview-frame").count() == 0
        assert all(n["group_id"] for n in srv.snapshot(b)["notes"])


@pytest.mark.integration
def test_a_sort_previews_as_outlines_moves_nothing_then_applies(browser, ai_server):
    srv = ai_server
    b = srv.board("Sort preview")
    with people(browser, f"{srv.base}/b/{b}", width=1280) as (_, (p1, p2)):
        organize_seed_board(p1)
        for i, text in enumerate(NEW):
            srv.api("POST", f"/api/boards/{b}/notes",
                    {"id": f"new{i}", "text": text, "x": -3000.0, "y": 200.0 * i})
        p1.wait_for_function("window.herd.model.notes.has('new2')")
        before = srv.snapshot(b)
        p1.get_by_role("button", name="Organize notes into groups").click()
        p1.get_by_role("dialog", name="Organize").get_by_role("button",
                                                              name="Preview sort").click()
        bar = p1.wait_for_selector("#preview-bar", timeout=60_000)
        assert "3 new notes into" in bar.inner_text()
        assert p1.locator(".preview-frame").count() >= 2  # the frames that take them
        assert p1.locator(".preview-frame", has_text="Unsorted").count() == 1
        assert p2.locator(".preview-frame").count() == 0  # only the one who asked sees it
        now = srv.snapshot(b)
        assert (now["notes"], now["groups"]) == (before["notes"], before["groups"])
        p1.locator("#preview-bar").get_by_role("button", name="Apply").click()
        p1.wait_for_selector(".toast >> text=/Sorted 2 new notes into 2 groups/")
        p2.wait_for_function("window.herd.model.notes.get('new0').group_id !== null")
        assert p1.locator(".preview-frame").count() == 0
        assert all(n["group_id"] for n in srv.snapshot(b)["notes"])


def doubt_board(server) -> str:
    """Fruit and Tools; "x" sits in Fruit, marked by an Organize as close to Tools."""
    return server.board("Doubt", groups=[
        {"id": "fruit", "title": "Fruit", "x": 0, "y": 0, "w": 400, "h": 240},
        {"id": "tools", "title": "Tools", "x": 600, "y": 0, "w": 400, "h": 240}],
        notes=[{"id": "a", "text": "apple", "x": 24, "y": 72, "group_id": "fruit"},
               {"id": "h", "text": "hammer", "x": 624, "y": 72, "group_id": "tools"},
               {"id": "x", "text": "apple hammer", "x": 200, "y": 72, "group_id": "fruit",
                "runner_up": "tools"}])


def test_a_doubtful_note_moves_to_its_runner_up_in_one_click_and_back_with_undo(
        page, server, open_board):
    b = doubt_board(server)
    open_board(page, b)
    # The mark is board data: a fresh page load shows it, with no Organize job in memory.
    mark = page.locator('.note[data-id="x"] .note-doubt')
    mark.wait_for()
    assert page.locator(".note-doubt").count() == 1
    assert "in doubt: close to Tools" in page.locator('.note[data-id="x"]').get_attribute(
        "aria-label")
    mark.click()
    page.get_by_role("menuitem", name="Move to Tools").click()
    page.wait_for_function("window.herd.model.notes.get('x').group_id === 'tools' "
                           "&& !window.herd.busy()")
    notes, groups = server.notes(b), {g["id"]: g for g in server.snapshot(b)["groups"]}
    x, tools = notes["x"], groups["tools"]
    assert tools["x"] <= x["x"] and x["x"] + x["w"] <= tools["x"] + tools["w"]
    assert x["y"] >= 72 + 120 and x["y"] + x["h"] <= tools["y"] + tools["h"]  # below, grown
    assert x["runner_up"] is None  # gone for everyone, not only here
    assert page.locator(".note-doubt").count() == 0
    page.locator("#viewport").click(position={"x": 5, "y": 300})
    page.keyboard.press("Control+z")
    page.wait_for_function("window.herd.model.notes.get('x').group_id === 'fruit' "
                           "&& !window.herd.busy()")
    assert server.notes(b)["x"]["group_id"] == "fruit"
    assert server.notes(b)["x"]["runner_up"] == "tools"  # undo brings the mark back too
    assert {g["id"]: g["h"] for g in server.snapshot(b)["groups"]}["tools"] == 240
    mark.wait_for()


def test_a_doubt_mark_reaches_everyone_and_a_hand_move_clears_it(browser, server):
    b = doubt_board(server)
    with people(browser, f"{server.base}/b/{b}", width=1280) as (_, (p1, p2)):
        for pg in (p1, p2):
            pg.locator('.note[data-id="x"] .note-doubt').wait_for()
        # Someone drags it into Tools by hand (here: the API): the mark goes for both.
        server.api("PATCH", f"/api/boards/{b}/notes/x", {"x": 800.0, "y": 100.0})
        for pg in (p1, p2):
            pg.wait_for_function("window.herd.model.notes.get('x').group_id === 'tools'")
            assert pg.locator(".note-doubt").count() == 0


def test_the_doubt_items_are_in_the_notes_own_menu_from_the_keyboard(page, server, open_board):
    b = doubt_board(server)
    open_board(page, b)
    page.locator('.note[data-id="x"] .note-doubt').wait_for()
    page.locator('.note[data-id="x"]').focus()
    page.keyboard.press("Shift+F10")
    menu = page.get_by_role("menu", name="Note actions")
    items = menu.get_by_role("menuitem")
    assert items.nth(0).inner_text().startswith("Move to Tools")
    assert items.nth(1).inner_text().startswith("Keep it here")
    page.keyboard.press("ArrowDown")  # to the second item: keep it here
    page.keyboard.press("Enter")
    page.wait_for_function("window.herd.model.notes.get('x').runner_up === null "
                           "&& !window.herd.busy()")
    assert server.notes(b)["x"]["runner_up"] is None
    assert server.notes(b)["x"]["group_id"] == "fruit"
    assert page.locator(".note-doubt").count() == 0
