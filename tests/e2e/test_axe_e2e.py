"""axe-core on every page and popover, in light and dark (issue 13): no serious or critical
violation. axe comes from npm (scripts/setup.sh --browser), never from a CDN."""

from __future__ import annotations

import pytest
from browser_helpers import axe
from test_board import note

pytestmark = pytest.mark.e2e

SCHEMES = ["light", "dark"]
# Every control that opens a popover or a menu on the board page.
POPOVERS = ["#menu-btn", "#share-btn", "#organize-btn", "#ai-status", "#timer-btn", "#help-btn",
            "#presence",
            ".frame[data-id='u'] .frame-menu-btn"]


def assert_clean(pg, where: str) -> None:
    found = axe(pg)
    assert not found, f"{where}: " + "; ".join(
        f"{v['id']} ({v['impact']}) x{len(v['nodes'])}: {v['nodes'][:4]}" for v in found)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_start_page(page, server, scheme):
    page.emulate_media(color_scheme=scheme)
    server.board("Listed board")
    server.login(page)  # the owner, as the person who started Herd
    page.goto(server.base + "/")
    page.wait_for_selector("#boards li")
    page.wait_for_selector(".template-card input[value=retrospective]")  # the templates, loaded
    assert page.locator("h1").count() == 1
    assert_clean(page, f"start page ({scheme})")


@pytest.fixture
def busy_board(server) -> str:
    return server.board("Axe", groups=[
        {"id": "g", "title": "Fruit", "x": 0, "y": 0, "w": 600, "h": 400},
        {"id": "u", "title": "", "x": 700, "y": 0, "w": 400, "h": 300}],
        notes=[note("a", "Apple", 50, 50), note("b", "Pear", 300, 50, color="blue"),
               note("c", "Loose", 900, 500, color="white"),
               note("d", "Plum", 750, 60, color="purple")])


@pytest.mark.parametrize("scheme", SCHEMES)
def test_board_and_every_popover(page, server, open_board, busy_board, scheme):
    page.emulate_media(color_scheme=scheme)
    open_board(page, busy_board)
    page.wait_for_selector("#presence:not([hidden])")
    assert page.locator("h1").count() == 1
    assert_clean(page, f"board ({scheme})")
    page.click(".note[data-id='a']")
    page.click(".note[data-id='b']", modifiers=["Shift"])
    assert_clean(page, f"board with a selection ({scheme})")
    for opener in POPOVERS:
        page.hover(opener.replace(" .frame-menu-btn", " .frame-title"))
        page.click(opener)
        page.wait_for_selector(".popover")
        # Judge the colours as they end up, not halfway through the popover's fade-in.
        page.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")
        assert_clean(page, f"{opener} open ({scheme})")
        page.keyboard.press("Escape")
        page.evaluate("document.querySelectorAll('.popover').forEach(p => p.remove())")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_search_with_matches_marked(page, server, open_board, busy_board, scheme):
    page.emulate_media(color_scheme=scheme)
    open_board(page, busy_board)
    page.keyboard.press("Control+f")
    page.keyboard.type("p")  # Apple, Pear, Plum: several marked, one current
    page.wait_for_selector("#search-count >> text=1 of")
    page.keyboard.press("Enter")
    assert page.locator(".search-hit").count() >= 3
    assert_clean(page, f"search open with matches ({scheme})")
    page.fill("#search-input", "nothing here")
    page.wait_for_selector("#search-count >> text=No matches")
    assert_clean(page, f"search with no match ({scheme})")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_phone_board_with_a_selection(browser, server, busy_board, scheme):
    from browser_helpers import TEST_CONTEXT

    ctx = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True,
                              is_mobile=True, device_scale_factor=3, **TEST_CONTEXT)
    try:
        pg = ctx.new_page()
        pg.emulate_media(color_scheme=scheme)
        server.login(pg)
        pg.goto(f"{server.base}/b/{busy_board}")
        pg.wait_for_function("window.herd?.model && window.herd.connection === 'live'")
        pg.evaluate("herd.select(['note:a'])")
        pg.wait_for_selector("#selbar:not([hidden])")
        assert_clean(pg, f"phone board with a selection ({scheme})")
    finally:
        ctx.close()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_private_mode_cards_banner_and_authors(page, server, open_board, busy_board, scheme):
    """Private mode as the facilitator sees it: the banner with Reveal, a face-down card
    (written by someone else: the owner's token is another person than this browser), our
    own hidden note, and the author lines once shown."""
    page.emulate_media(color_scheme=scheme)
    b = busy_board
    server.api("PATCH", f"/api/boards/{b}/modes", {"private": True})
    server.api("POST", f"/api/boards/{b}/notes", {"id": "h", "text": "blind", "x": 300,
                                                   "y": 500, "color": "green"})
    open_board(page, b)
    page.wait_for_selector(".note.face-down")
    page.wait_for_selector("#private-banner:not([hidden])")
    page.mouse.dblclick(700, 650)
    page.wait_for_selector("textarea.note-edit")
    page.keyboard.type("Mine, hidden")
    page.keyboard.press("Escape")
    page.wait_for_selector(".note.private-own")
    assert_clean(page, f"private mode ({scheme})")
    server.api("PATCH", f"/api/boards/{b}/modes", {"show_authors": True})
    server.api("PUT", f"/api/boards/{b}/me", {"name": "Owner script"})
    page.wait_for_selector(".layer.show-authors .note-author")
    assert_clean(page, f"private mode with authors ({scheme})")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_note_in_doubt_its_mark_and_its_menus(page, server, open_board, scheme):
    """The doubt mark sits on a note that is itself a control: it must not be a control
    inside it (axe's nested-interactive); its menus come from a click on it or the note's own
    menu (Shift+F10). No violation of any impact on the notes or the menus."""
    page.emulate_media(color_scheme=scheme)
    b = server.board("Doubt", groups=[
        {"id": "fruit", "title": "Fruit", "x": 0, "y": 0, "w": 400, "h": 240},
        {"id": "tools", "title": "Tools", "x": 600, "y": 0, "w": 400, "h": 240}],
        notes=[{"id": "x", "text": "apple hammer", "x": 24, "y": 72, "group_id": "fruit",
                "runner_up": "tools"}])
    open_board(page, b)
    page.locator(".note[data-id='x'] .note-doubt").wait_for()

    def clean(where: str) -> None:
        found = [v for v in axe(page, serious_only=False)
                 if v["id"] == "nested-interactive" or v["impact"] in ("serious", "critical")
                 or any(".note" in n or "popover" in n or "menu" in n for n in v["nodes"])]
        assert not found, f"{where}: {found}"

    clean(f"a note in doubt ({scheme})")
    page.click(".note[data-id='x'] .note-doubt")
    page.get_by_role("menuitem", name="Move to Tools").wait_for()
    page.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")
    clean(f"the mark's menu ({scheme})")
    page.keyboard.press("Escape")
    page.locator(".note[data-id='x']").focus()
    page.keyboard.press("Shift+F10")
    page.get_by_role("menu", name="Note actions").get_by_role(
        "menuitem", name="Move to Tools").wait_for()
    page.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")
    clean(f"the note's menu, from the keyboard ({scheme})")
