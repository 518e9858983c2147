"""The board in real Chromium: notes, paste, selection, undo/redo, live, XSS, groups, errors."""

from __future__ import annotations

import pytest
from browser_helpers import TEST_CONTEXT, paste, people, record_batches

pytestmark = pytest.mark.e2e

MOD = "Control"


def note(id_: str, text: str, x: float, y: float, **extra) -> dict:
    return {"id": id_, "text": text, "x": x, "y": y, **extra}


def center(pg, selector: str) -> tuple[float, float]:
    box = pg.locator(selector).bounding_box()
    assert box, f"{selector} is not on screen"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def drag(pg, selector: str, dx: float, dy: float, steps: int = 12) -> None:
    x, y = center(pg, selector)
    pg.mouse.move(x, y)
    pg.mouse.down()
    pg.mouse.move(x + dx, y + dy, steps=steps)
    pg.mouse.up()


def settled(pg) -> None:
    """Wait until this page has no batch in flight."""
    pg.wait_for_function("!window.herd.busy()")


def test_start_page_create_rename_delete(page, server, wait):
    server.login(page)
    page.goto(server.base + "/")
    page.fill("#new-name", "Workshop e2e")
    page.click("button[type=submit]")
    page.wait_for_url("**/b/*")
    board_id = page.url.rsplit("/", 1)[1]
    page.wait_for_selector("#board-name >> text=Workshop e2e")

    server.login(page)
    page.goto(server.base + "/")
    card = page.locator(f".board-card[data-id='{board_id}']")
    card.get_by_role("button", name="Rename board Workshop e2e").click()
    page.fill(".rename-input", "Workshop renamed")
    page.keyboard.press("Enter")
    page.wait_for_selector(f".board-card[data-id='{board_id}'] .card-name >> text=Workshop renamed")
    assert server.snapshot(board_id)["board"]["name"] == "Workshop renamed"

    page.locator(f".board-card[data-id='{board_id}']").get_by_role(
        "button", name="Delete board Workshop renamed").click()
    page.get_by_role("button", name="Delete", exact=True).click()
    page.wait_for_selector(f".board-card[data-id='{board_id}']", state="detached")
    ids = {b["id"] for b in server.api("GET", "/api/boards")["boards"]}
    assert board_id not in ids


def test_add_edit_drag_delete_note(page, server, open_board, wait):
    b = server.board("Notes")
    open_board(page, b)
    # Double-click the canvas: a note appears with the caret in it.
    page.mouse.dblclick(500, 400)
    page.wait_for_selector(".note.editing textarea:focus")
    page.keyboard.type("First line")
    page.keyboard.press("Enter")
    page.keyboard.type("second line")
    page.keyboard.press("Escape")
    notes = wait(lambda: list(server.notes(b).values()), what="the note on the server")
    assert notes[0]["text"] == "First line\nsecond line"
    nid = notes[0]["id"]
    sel = f".note[data-id='{nid}']"
    assert page.locator(sel + " .note-text").inner_text() == "First line\nsecond line"

    # Edit: double-click the note, replace its text.
    page.dblclick(sel)
    page.wait_for_selector(sel + " textarea:focus")
    page.keyboard.press(f"{MOD}+a")
    page.keyboard.type("Edited")
    page.mouse.click(900, 650)  # clicking away finishes the edit
    wait(lambda: server.notes(b)[nid]["text"] == "Edited", what="edited text saved")

    # Drag: the server ends up with the new position.
    x0 = server.notes(b)[nid]["x"]
    drag(page, sel, 150, 60)
    settled(page)
    wait(lambda: abs(server.notes(b)[nid]["x"] - (x0 + 150)) < 2, what="drag saved")

    # N adds a note at the pointer, also in edit mode.
    page.mouse.move(300, 300)
    page.keyboard.press("n")
    page.wait_for_selector(".note.editing textarea:focus")
    page.keyboard.type("By keyboard")
    page.keyboard.press("Escape")
    wait(lambda: len(server.notes(b)) == 2, what="second note")

    # Delete removes the selection.
    page.click(sel)
    page.keyboard.press("Delete")
    wait(lambda: nid not in server.notes(b), what="note deleted")
    page.wait_for_selector(sel, state="detached")


def test_paste_list_makes_one_note_per_line_in_one_call(page, server, open_board, wait):
    b = server.board("Paste")
    open_board(page, b)
    calls = record_batches(page)  # on the board's socket or over HTTP, whichever is open
    page.mouse.move(640, 420)
    paste(page, "- apples\n* pears\n\n1. plums\n2) figs\n• kiwis\n")
    wait(lambda: len(server.notes(b)) == 5, what="five pasted notes")
    texts = sorted(n["text"] for n in server.notes(b).values())
    assert texts == ["apples", "figs", "kiwis", "pears", "plums"]
    assert len(calls()) == 1
    page.wait_for_function("document.querySelectorAll('.note').length === 5")
    # A neat grid: no two notes overlap, and the pasted notes are selected.
    rows = list(server.notes(b).values())
    for i, a in enumerate(rows):
        for c in rows[i + 1:]:
            assert (abs(a["x"] - c["x"]) >= a["w"]) or (abs(a["y"] - c["y"]) >= a["h"])
    assert page.locator(".note.sel").count() == 5


def test_select_many_move_recolor_delete(page, server, open_board, wait):
    b = server.board("Many", notes=[note("a", "A", 0, 0), note("b", "B", 200, 0),
                                    note("c", "C", 400, 0), note("d", "D", 0, 400)])
    open_board(page, b)
    # Rubber band (shift+drag on the background) around a, b, c but not d.
    ax, ay = center(page, ".note[data-id='a']")
    cx, cy = center(page, ".note[data-id='c']")
    page.keyboard.down("Shift")
    page.mouse.move(ax - 110, ay - 90)
    page.mouse.down()
    page.mouse.move(cx + 110, cy + 90, steps=8)
    page.mouse.up()
    page.keyboard.up("Shift")
    assert page.locator(".note.sel").count() == 3
    # Shift-click adds d, shift-click again removes it.
    page.click(".note[data-id='d']", modifiers=["Shift"])
    assert page.locator(".note.sel").count() == 4
    page.click(".note[data-id='d']", modifiers=["Shift"])
    assert page.locator(".note.sel").count() == 3

    before = server.notes(b)
    drag(page, ".note[data-id='b']", 80, 120)
    settled(page)
    wait(lambda: all(abs(server.notes(b)[i]["y"] - (before[i]["y"] + 120)) < 2 for i in "abc"),
         what="all three moved")
    assert server.notes(b)["d"]["y"] == before["d"]["y"]

    page.get_by_role("button", name="Colour blue").click()
    wait(lambda: all(server.notes(b)[i]["color"] == "blue" for i in "abc"), what="recolour")
    page.keyboard.press("Backspace")
    wait(lambda: set(server.notes(b)) == {"d"}, what="three deleted")


def test_undo_redo(page, server, open_board, wait):
    b = server.board("Undo", notes=[note("a", "A", 0, 0), note("b", "B", 220, 0)])
    open_board(page, b)
    drag(page, ".note[data-id='a']", 100, 100)
    settled(page)
    moved = wait(lambda: server.notes(b)["a"]["x"] > 50 and server.notes(b)["a"],
                 what="move saved")
    page.keyboard.press(f"{MOD}+z")
    wait(lambda: server.notes(b)["a"]["x"] == 0 and server.notes(b)["a"]["y"] == 0,
         what="undo of the move")
    page.keyboard.press(f"{MOD}+Shift+z")
    wait(lambda: server.notes(b)["a"]["x"] == moved["x"], what="redo of the move")

    # Undo of a delete brings the same note back (same id, text, colour).
    page.click(".note[data-id='b']")
    page.keyboard.press("Delete")
    wait(lambda: "b" not in server.notes(b), what="delete")
    page.keyboard.press(f"{MOD}+z")
    wait(lambda: "b" in server.notes(b), what="undo of the delete")
    assert server.notes(b)["b"]["text"] == "B"
    page.wait_for_selector(".note[data-id='b']")
    page.keyboard.press(f"{MOD}+y")
    wait(lambda: "b" not in server.notes(b), what="redo of the delete")
    page.get_by_role("button", name="Undo", exact=True).click()  # the board is "Undo" too
    wait(lambda: "b" in server.notes(b), what="undo from the toolbar")


def test_two_browsers_see_each_others_moves(browser, server, open_board, wait):
    b = server.board("Live", notes=[note("a", "Shared", 0, 0)])
    with people(browser, f"{server.base}/b/{b}") as ((c1, c2), (p1, p2)):
        p1.wait_for_selector("#presence >> text=2 here")
        p2.wait_for_selector("#presence >> text=2 here")
        # A second tab of the first browser is the same person: still two here, in every tab.
        p1b = c1.new_page()
        open_board(p1b, b)
        p1b.wait_for_selector("#presence >> text=2 here")
        p1b.close()
        drag(p1, ".note[data-id='a']", 200, 50)
        settled(p1)
        x = wait(lambda: server.notes(b)["a"]["x"] > 100 and server.notes(b)["a"]["x"],
                 what="move saved")
        p2.wait_for_function("x => window.herd.model.notes.get('a').x === x", arg=x)
        # The move came as a patch of x and y: the rest of the note is still there.
        assert p2.evaluate("() => window.herd.model.notes.get('a').text") == "Shared"
        assert p2.inner_text(".note[data-id='a'] .note-text") == "Shared"
        # And the other way round, including a new note.
        drag(p2, ".note[data-id='a']", -100, 0)
        settled(p2)
        p1.wait_for_function("x => window.herd.model.notes.get('a').x < x - 50", arg=x)
        p2.mouse.dblclick(300, 600)
        p2.keyboard.type("From two")
        p2.keyboard.press("Escape")
        p1.wait_for_selector(".note-text >> text=From two")
        c2.close()
        p1.wait_for_selector("#presence >> text=1 here")


def test_note_text_is_never_html(page, server, open_board, wait):
    evil = "<img src=x onerror=alert(1)>"
    b = server.board("XSS", notes=[note("x", evil, 0, 0)])
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_board(page, b)
    assert page.locator(".note[data-id='x'] .note-text").inner_text() == evil
    assert page.locator(".note img").count() == 0
    # Typed in by a user, and pasted as a list, it is text too.
    page.mouse.dblclick(600, 500)
    page.keyboard.type(evil)
    page.keyboard.press("Escape")
    paste(page, f"- {evil}\n- <script>alert(2)</script>")
    wait(lambda: sum(n["text"] == evil for n in server.notes(b).values()) == 3, what="3 notes")
    page.wait_for_function("document.querySelectorAll('.note').length === 4")
    assert page.locator(".note img, .note script").count() == 0
    assert not dialogs


def test_groups_frame_title_move_and_membership(page, server, open_board, wait):
    b = server.board("Groups", notes=[note("a", "A", 0, 0), note("b", "B", 200, 0),
                                      note("c", "C", 600, 0)])
    open_board(page, b)
    page.click(".note[data-id='a']")
    page.click(".note[data-id='b']", modifiers=["Shift"])
    page.keyboard.press(f"{MOD}+g")
    page.wait_for_selector(".frame-title-edit:focus")
    page.keyboard.press(f"{MOD}+a")
    page.keyboard.type("Fruit")
    page.keyboard.press("Enter")
    snap = wait(lambda: (s := server.snapshot(b))["groups"] and s["groups"][0]["title"] == "Fruit"
                and s, what="group with title")
    gid = snap["groups"][0]["id"]
    assert {n["id"] for n in snap["notes"] if n["group_id"] == gid} == {"a", "b"}

    # Dragging the frame by its title moves its notes.
    before = server.notes(b)
    drag(page, f".frame[data-id='{gid}'] .frame-title", 0, 150)
    settled(page)
    wait(lambda: all(abs(server.notes(b)[i]["y"] - (before[i]["y"] + 150)) < 2 for i in "ab"),
         what="notes moved with their frame")
    assert server.notes(b)["c"]["y"] == before["c"]["y"]

    # Dropping c into the frame puts it in the group; dragging a out takes it out.
    fx, fy = center(page, f".frame[data-id='{gid}']")
    cx, cy = center(page, ".note[data-id='c']")
    page.mouse.click(cx, cy)
    drag(page, ".note[data-id='c']", fx - cx, fy - cy + 40)
    settled(page)
    wait(lambda: server.notes(b)["c"]["group_id"] == gid, what="c joined the group")
    drag(page, ".note[data-id='a']", 0, 600)
    settled(page)
    wait(lambda: server.notes(b)["a"]["group_id"] is None, what="a left the group")

    # Rename in place by double-clicking the title.
    page.dblclick(f".frame[data-id='{gid}'] .frame-title")
    page.keyboard.press(f"{MOD}+a")
    page.keyboard.type("Fruits")
    page.keyboard.press("Enter")
    wait(lambda: server.snapshot(b)["groups"][0]["title"] == "Fruits", what="renamed")

    # Resize the frame from its corner.
    g0 = server.snapshot(b)["groups"][0]
    page.hover(f".frame[data-id='{gid}'] .frame-title")
    zoom = page.evaluate("window.herd.view.zoom")
    drag(page, f".frame[data-id='{gid}'] .frame-resize", 100, 50)
    settled(page)
    wait(lambda: abs(server.snapshot(b)["groups"][0]["w"] - (g0["w"] + 100 / zoom)) < 2,
         what="frame resized")

    # Remove the group: its notes stay.
    page.click(f".frame[data-id='{gid}'] .frame-title")
    page.get_by_role("button", name="Remove the selected groups (notes stay)").click()
    wait(lambda: not server.snapshot(b)["groups"], what="group removed")
    assert set(server.notes(b)) == {"a", "b", "c"}


def test_api_error_is_a_toast_and_the_board_stays(page, server, open_board, wait):
    b = server.board("Errors", notes=[note("a", "short", 0, 0)])
    open_board(page, b)
    page.dblclick(".note[data-id='a']")
    page.fill(".note[data-id='a'] textarea", "x" * 10_001)
    page.keyboard.press("Escape")
    toast = page.wait_for_selector(".toast.error")
    assert "10,000" in toast.inner_text()
    page.wait_for_function(
        "document.querySelector(\".note[data-id='a'] .note-text\").textContent === 'short'")
    assert server.notes(b)["a"]["text"] == "short"


def test_zoom_buttons_and_fit(page, server, open_board):
    b = server.board("Zoom", notes=[note("a", "A", 0, 0), note("b", "B", 3000, 2000)])
    open_board(page, b)
    page.evaluate("window.herd.setView({tx: 0, ty: 0, zoom: 1})")
    page.get_by_role("button", name="Zoom in").click()
    page.wait_for_selector("#zoom-label >> text=125%")
    page.get_by_role("button", name="Fit to content").click()
    page.wait_for_function("window.herd.view.zoom < 0.5")
    page.wait_for_function("document.querySelector('#zoom-label').textContent !== '125%'")
    for _ in range(30):
        page.get_by_role("button", name="Zoom out").click()
    page.wait_for_selector("#zoom-label >> text=10%")
    for button in page.locator(".toolbar button, .zoombar button").all():
        assert button.get_attribute("aria-label") and button.get_attribute("title")


def test_copy_paste_and_duplicate(page, server, open_board, wait):
    b = server.board("Clipboard", notes=[note("a", "Copy me", 0, 0, color="pink")])
    open_board(page, b)
    page.click(".note[data-id='a']")
    page.keyboard.press(f"{MOD}+d")
    wait(lambda: len(server.notes(b)) == 2, what="duplicate")
    dup = next(n for i, n in server.notes(b).items() if i != "a")
    assert (dup["text"], dup["color"], dup["x"]) == ("Copy me", "pink", 24)

    # Copy then paste through real clipboard events: the notes come back with their colour.
    page.click(".note[data-id='a']", position={"x": 8, "y": 8})
    page.mouse.move(900, 600)
    page.evaluate("""() => {
        const dt = new DataTransfer();
        document.dispatchEvent(new ClipboardEvent('copy', {clipboardData: dt, bubbles: true}));
        document.dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt, bubbles: true}));
    }""")
    wait(lambda: len(server.notes(b)) == 3, what="pasted copy")
    assert sorted(n["color"] for n in server.notes(b).values()) == ["pink"] * 3


def test_wheel_pans_and_ctrl_wheel_zooms_around_the_pointer(page, server, open_board):
    b = server.board("Wheel", notes=[note("a", "A", 0, 0)])
    open_board(page, b)
    page.evaluate("herd.setView({tx: 100, ty: 100, zoom: 1})")
    page.mouse.move(400, 300)
    page.mouse.wheel(0, 120)
    page.wait_for_function("herd.view.ty === -20")
    under = page.evaluate("(() => { const v = herd.view; return [(400 - v.tx) / v.zoom,"
                          " (300 - v.ty) / v.zoom]; })()")
    page.keyboard.down(MOD)
    page.mouse.wheel(0, -50)
    page.keyboard.up(MOD)
    page.wait_for_function("herd.view.zoom > 1")
    after = page.evaluate("(() => { const v = herd.view; return [(400 - v.tx) / v.zoom,"
                          " (300 - v.ty) / v.zoom]; })()")
    assert abs(after[0] - under[0]) < 0.01 and abs(after[1] - under[1]) < 0.01


def test_text_edit_survives_a_concurrent_move_but_not_a_concurrent_text_edit(
        page, server, open_board, wait):
    b = server.board("Conflicts", notes=[note("a", "A", 0, 0), note("b", "B", 300, 0)])
    open_board(page, b)
    # Someone moves `a` while we type in it: our text lands on top of their move.
    page.dblclick(".note[data-id='a']")
    page.wait_for_selector(".note[data-id='a'] textarea:focus")
    server.api("PATCH", f"/api/boards/{b}/notes/a", {"x": 40})
    page.wait_for_function("window.herd.model.server.note.get('a').x === 40")
    page.keyboard.type(" typed")
    page.keyboard.press("Escape")
    wait(lambda: server.notes(b)["a"]["text"] == "A typed", what="text re-applied on top")
    assert server.notes(b)["a"]["x"] == 40
    # Someone changes the text of `b` while we type in it: theirs is kept, and we are told.
    page.dblclick(".note[data-id='b']")
    page.wait_for_selector(".note[data-id='b'] textarea:focus")
    server.api("PATCH", f"/api/boards/{b}/notes/b", {"text": "Theirs"})
    page.wait_for_function("window.herd.model.server.note.get('b').text === 'Theirs'")
    page.keyboard.type(" mine")
    page.keyboard.press("Escape")
    page.wait_for_selector(".toast.error >> text=their text is kept")
    assert server.notes(b)["b"]["text"] == "Theirs"
    page.wait_for_selector(".note[data-id='b'] .note-text >> text=Theirs")


def test_keyboard_shortcuts_help(page, server, open_board):
    open_board(page, server.board("Help"))
    page.keyboard.press("?")
    page.wait_for_selector(".help-pop >> text=Keyboard shortcuts")
    page.get_by_role("button", name="Keyboard shortcuts").click()
    page.wait_for_selector(".help-pop", state="detached")


def test_unknown_board_and_board_deleted_while_open(page, server, open_board):
    server.login(page)
    page.goto(server.base + "/b/no-such-board")
    page.wait_for_selector("#board-missing >> text=does not exist")
    b = server.board("Doomed", notes=[note("a", "A", 0, 0)])
    open_board(page, b)
    server.api("DELETE", f"/api/boards/{b}")
    page.wait_for_selector("#board-missing >> text=This board was deleted")
    page.get_by_role("link", name="All boards", exact=True).click()
    page.wait_for_url(server.base + "/")


def test_pinch_zooms_on_a_touch_screen(browser, server, open_board):
    b = server.board("Pinch", notes=[note("a", "A", 0, 0)])
    ctx = browser.new_context(viewport={"width": 1000, "height": 700}, has_touch=True,
                              **TEST_CONTEXT)
    try:
        page = ctx.new_page()
        open_board(page, b)
        page.evaluate("herd.setView({tx: 0, ty: 0, zoom: 1})")
        cdp = ctx.new_cdp_session(page)

        def touch(kind: str, spread: float) -> None:
            points = [{"x": 500 - spread, "y": 350, "id": 1},
                      {"x": 500 + spread, "y": 350, "id": 2}]
            cdp.send("Input.dispatchTouchEvent",
                     {"type": kind, "touchPoints": [] if kind == "touchEnd" else points})

        touch("touchStart", 50)
        for spread in range(60, 160, 10):
            touch("touchMove", spread)
        touch("touchEnd", 150)
        page.wait_for_function("herd.view.zoom > 2")
    finally:
        ctx.close()


def test_resize_a_note_from_its_corner_and_undo(page, server, open_board, wait):
    b = server.board("Resize", notes=[note("a", "A long note that wants more room", 0, 0)])
    open_board(page, b)
    page.evaluate("herd.setView({tx: 100, ty: 100, zoom: 1})")
    page.click(".note[data-id='a']")
    box = page.locator(".note[data-id='a'] .note-resize").bounding_box()
    page.mouse.move(box["x"] + 7, box["y"] + 7)
    page.mouse.down()
    page.mouse.move(box["x"] + 107, box["y"] + 57, steps=6)
    page.mouse.up()
    wait(lambda: (server.notes(b)["a"]["w"], server.notes(b)["a"]["h"]) == (260, 170),
         what="note resized")
    page.keyboard.press(f"{MOD}+z")
    wait(lambda: (server.notes(b)["a"]["w"], server.notes(b)["a"]["h"]) == (160, 120),
         what="resize undone")


def test_note_text_shrinks_until_it_fits_its_note(page, server, open_board):
    texts = ["too many meetings on Wednesdays", "nobody owns the Jenkins config",
             "planning meeting has no agenda", "WWWWWWWWWWWWWWWWWWWWWWWWWWWW MMMMMMMMMMMMM",
             "short"]
    b = server.board("Fit", notes=[note(f"n{i}", t, i * 200, 0) for i, t in enumerate(texts)])
    open_board(page, b)
    page.wait_for_function("""() => [...document.querySelectorAll('.note-text')].every(
        el => el.scrollHeight <= el.clientHeight + 1)""", timeout=5_000)
    sizes = page.eval_on_selector_all(".note-text", "els => els.map(e => e.style.fontSize)")
    assert sizes[-1] == "22px"  # a short text keeps the largest size
