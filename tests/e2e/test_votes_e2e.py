"""Dot voting in real Chromium: a facilitator runs a vote with limits, two participants vote
without seeing each other's dots (not even in what their browsers receive), and the ranked
result opens for everyone."""

from __future__ import annotations

import pytest
from browser_helpers import RECORD_STREAM, heard, people

pytestmark = pytest.mark.e2e

NOTES = [{"id": f"n{i}", "text": f"idea {i}", "x": 60 + 220 * (i - 1), "y": 120}
         for i in range(1, 4)]


def dots(pg, note: str) -> str:
    badge = pg.locator(f".note[data-id='{note}'] .vote-dots")
    return badge.inner_text() if badge.count() else ""


def test_a_dot_vote_with_limits_hidden_dots_and_a_ranked_result(browser, server):
    b = server.board("Retro vote", notes=[dict(n) for n in NOTES])
    links = server.api("GET", f"/api/boards/{b}/links")
    url = f"{server.base}/b/{b}"
    with people(browser, url, count=1, link=links["facilitator"]) as (_, (fac,)), \
            people(browser, url, count=2, link=links["editor"]) as (ctxs, (ann, bob)):
        for pg in (ann, bob):
            pg.add_init_script(RECORD_STREAM)
            pg.reload()
            pg.wait_for_function("window.herd?.model && window.herd.connection === 'live'")
        assert ann.locator("#vote-btn").is_hidden()  # only the facilitator runs votes
        fac.click("#vote-btn")
        form = fac.get_by_role("dialog", name="Start a dot vote")
        form.get_by_label("Votes per person").fill("2")
        form.get_by_role("button", name="Start vote").click()
        for pg in (ann, bob, fac):
            pg.wait_for_selector("#vote-banner >> text=2 of 2 votes left")

        ann.click(".note[data-id='n1']")
        ann.wait_for_function("document.querySelector(\".note[data-id='n1'] .vote-dots\")"
                              "?.textContent === '●'")
        ann.click(".note[data-id='n1']")
        ann.wait_for_selector("#vote-banner >> text=0 of 2 votes left")
        assert dots(ann, "n1") == "●●"
        ann.click(".note[data-id='n2']")  # a third vote: over the limit
        ann.wait_for_selector(".toast >> text=all 2 of your votes")
        assert dots(ann, "n2") == ""

        bob.click(".note[data-id='n2']")
        bob.wait_for_selector("#vote-banner >> text=1 of 2 votes left")
        bob.click(".note[data-id='n1']")
        bob.wait_for_selector("#vote-banner >> text=0 of 2 votes left")
        # Ann takes one back (clicking her dot) and spends it on n3.
        ann.click(".note[data-id='n1'] .vote-dots")
        ann.wait_for_selector("#vote-banner >> text=1 of 2 votes left")
        ann.locator(".note[data-id='n3']").focus()  # from the keyboard: Enter votes
        ann.keyboard.press("Enter")
        ann.wait_for_selector("#vote-banner >> text=0 of 2 votes left")

        # Each browser shows, and received, its own dots only.
        assert (dots(ann, "n1"), dots(ann, "n2"), dots(ann, "n3")) == ("●", "", "●")
        assert (dots(bob, "n1"), dots(bob, "n2"), dots(bob, "n3")) == ("●", "●", "")
        assert dots(fac, "n1") == dots(fac, "n2") == ""
        got_by = {"ann": heard(ann), "bob": heard(bob)}
        for name, mine in (("ann", {"n1", "n3"}), ("bob", {"n1", "n2"})):
            got = [e for e in got_by[name] if e["type"] == "dot"]
            assert got and {e["note_id"] for e in got} == mine, (name, got)
            assert len({e["voter"] for e in got}) == 1, (name, got)
        assert ({e["voter"] for e in got_by["ann"] if e["type"] == "dot"}
                != {e["voter"] for e in got_by["bob"] if e["type"] == "dot"})
        for events in got_by.values():
            assert all(e["vote"]["totals"] is None for e in events if e["type"] == "vote")
        # While voting a press on a note is a vote, never a move: a drag moves nothing.
        box = ann.locator(".note[data-id='n2']").bounding_box()
        ann.mouse.move(box["x"] + 40, box["y"] + 60)
        ann.mouse.down()
        ann.mouse.move(box["x"] + 140, box["y"] + 260, steps=6)
        ann.mouse.up()
        ann.wait_for_selector(".toast >> text=all 2 of your votes")
        assert server.notes(b)["n2"]["y"] == NOTES[1]["y"]

        fac.click("#vote-banner .vb-end")
        for pg in (ann, bob, fac):
            pg.wait_for_selector("#vote-results:not([hidden])")
            rows = pg.locator("#vote-results .vote-row")
            assert rows.count() == 3
            assert rows.nth(0).inner_text().split("\n") == ["2", "idea 1"]
            assert {rows.nth(i).inner_text().split("\n")[1] for i in (1, 2)} == {"idea 2",
                                                                                 "idea 3"}
            assert (dots(pg, "n1"), dots(pg, "n2"), dots(pg, "n3")) == ("2", "1", "1")
        assert ann.locator("#vote-banner").is_hidden()
        bob.locator("#vote-results .vote-row").nth(0).click()
        bob.wait_for_function("window.herd.selection.has('note:n1')")
        # After the end, notes move again.
        box = bob.locator(".note[data-id='n3']").bounding_box()
        bob.mouse.move(box["x"] + 40, box["y"] + 60)
        bob.mouse.down()
        bob.mouse.move(box["x"] + 140, box["y"] + 260, steps=6)
        bob.mouse.up()
        bob.wait_for_function("!window.herd.busy()")
        assert server.notes(b)["n3"]["y"] > NOTES[2]["y"] + 100
