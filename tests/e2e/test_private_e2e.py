"""Private mode in real Chromium with three people: a facilitator and two participants. Ann
writes blind; Bob's browser never receives her text (every response body and every live
message it got are recorded, and its DOM searched) until the facilitator reveals, and then
it does. Bob is on a phone (390 px, touch). Authors stay hidden after the reveal until the
facilitator shows them."""

from __future__ import annotations

import json

import pytest
from browser_helpers import RECORD_STREAM, people
from conftest import wait_until

pytestmark = pytest.mark.e2e

SECRET = "ann-writes-blind-4242"


class Received:
    """Everything one page received: each HTTP response body (but the endless live stream,
    recorded message by message instead) and every live message."""

    def __init__(self, pg) -> None:
        self.pg, self.responses = pg, []
        pg.on("response", lambda resp: self.responses.append(resp))

    def text(self) -> str:
        bodies = []
        for resp in self.responses:
            if "/events" in resp.url:
                continue
            try:
                bodies.append(resp.text())
            except Exception:  # a redirect or a cancelled request has no body
                continue
        return "\n".join(bodies + self.pg.evaluate("window.__heard"))

    def stream(self) -> str:
        return "\n".join(self.pg.evaluate("window.__heard"))


def test_blind_writing_then_reveal_with_three_people(browser, server):
    b = server.board("Blind retro", notes=[{"id": "n0", "text": "written before", "x": 60,
                                            "y": 120}])
    links = server.api("GET", f"/api/boards/{b}/links")
    url = f"{server.base}/b/{b}"
    with people(browser, url, count=1, link=links["facilitator"]) as (_, (fac,)), \
            people(browser, url, count=1, link=links["editor"]) as (_, (ann,)), \
            people(browser, url, count=1, link=links["editor"], phone=True) as (_, (bob,)):
        bob.add_init_script(RECORD_STREAM)
        got = Received(bob)
        bob.reload()
        bob.wait_for_function("window.herd?.model && window.herd.connection === 'live'")
        bob.tap("#menu-btn")  # only the facilitator switches it
        assert bob.get_by_role("menuitem", name="Start private mode").count() == 0
        bob.keyboard.press("Escape")

        fac.locator("#menu-btn").focus()  # keyboard alone: the menu, then Enter on the item
        fac.keyboard.press("Enter")
        fac.get_by_role("menuitem", name="Start private mode").focus()
        fac.keyboard.press("Enter")
        for pg in (fac, ann, bob):
            pg.wait_for_selector("#private-banner:not([hidden]) >> text=Private mode is on")

        ann.mouse.dblclick(600, 450)
        ann.wait_for_selector("textarea.note-edit")
        ann.keyboard.type(SECRET)
        ann.keyboard.press("Escape")
        ann.wait_for_function("!window.herd.busy()")
        ann.wait_for_selector(f".note.private-own >> text={SECRET}")  # Ann sees her own text

        for pg in (bob, fac):  # the others see a face-down card, and nothing in it
            pg.wait_for_selector(".note.face-down")
            card = pg.locator(".note.face-down")
            assert card.count() == 1 and card.inner_text().strip() == ""
            assert "Face-down" in card.get_attribute("aria-label")
        bob.wait_for_selector("#private-banner >> text=1 note by others is face down")
        # Bob cannot write on it: a second tap edits a note, here a toast says why.
        bob.locator(".note.face-down").tap()
        bob.locator(".note.face-down").tap()
        bob.wait_for_selector(".toast >> text=face down")

        # Nothing Bob's browser received holds the text: not the board read, not the stream,
        # not any answer; not the DOM, attributes included.
        assert SECRET not in got.text()
        assert SECRET not in bob.content() and SECRET not in fac.content()
        assert any("face_down" in m for m in bob.evaluate("window.__heard"))
        assert "author_id" not in got.text()

        fac.click("#private-banner .pb-reveal")
        bob.wait_for_selector(f".note >> text={SECRET}")
        fac.wait_for_selector(f".note >> text={SECRET}")
        for pg in (fac, ann, bob):
            pg.wait_for_selector("#private-banner", state="hidden")
        assert SECRET in got.stream()  # it arrived, live, at the reveal
        assert bob.locator(".note.face-down").count() == 0
        revealed = [json.loads(m) for m in bob.evaluate("window.__heard") if SECRET in m]
        assert revealed and all("Guest" not in json.dumps(m) for m in revealed)

        # Authors stayed hidden through the reveal (off by default in private mode): Bob's
        # browser has no author name until the facilitator shows them.
        assert bob.locator(".note-author").count() == 0
        fac.click("#menu-btn")
        fac.get_by_role("menuitem", name="Show authors").click()
        bob.wait_for_selector(".layer.show-authors .note-author")
        author = bob.locator(".note-author").first.inner_text()
        assert author.startswith("by Guest")  # Ann's name on this board (she kept the default)
        wait_until(lambda: server.snapshot(b)["modes"]["show_authors"], what="authors shown")
