"""Access in the browser: the board under its real CSP, share links per role, rotation, and
an attacker's page on another origin (and a rebound name) that changes nothing."""

from __future__ import annotations

import http.server
import json
import threading
from pathlib import Path

import pytest
from browser_helpers import TEST_CONTEXT, people
from conftest import CHROMIUM, CHROMIUM_ARGS, _free_port

pytestmark = pytest.mark.e2e


def note(id_, text, x, y):
    return {"id": id_, "text": text, "x": x, "y": y}


def test_the_board_works_under_its_own_csp_with_no_violation(browser, server):
    """The tests' other contexts lift CSP (Playwright's string predicates use eval): this one
    does not, and the board loads, takes a note, and opens its menus without a violation."""
    b = server.board("Under CSP", notes=[note("a", "A", 0, 0)])
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        pg = ctx.new_page()
        violations: list[str] = []
        pg.on("console", lambda m: violations.append(m.text)
              if "Content Security Policy" in m.text else None)
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        server.login(pg)
        pg.goto(f"{server.base}/b/{b}")
        pg.locator(".note[data-id='a']").wait_for()
        # The board socket opens under connect-src 'self' (ws: of the same host).
        pg.wait_for_function("() => window.herd.socket?.isOpen()")
        pg.locator("#viewport").dblclick(position={"x": 700, "y": 500})
        pg.keyboard.type("typed under CSP")
        pg.keyboard.press("Escape")
        pg.get_by_role("button", name="Share").click()
        pg.locator(".share-pop .share-url").first.wait_for()
        pg.locator(".share-row[data-role='viewer'] button", has_text="QR").click()
        pg.locator(".share-qr").wait_for()
        # The QR image is loaded from the server, not blocked (img-src 'self').
        pg.wait_for_function("() => { const i = document.querySelector('.share-qr'); "
                             "return i.complete && i.naturalWidth > 0; }")
        pg.keyboard.press("Escape")
        pg.locator("#menu-btn").click()
        pg.locator(".popover.menu").wait_for()
        texts = [n["text"] for n in server.snapshot(b)["notes"]]
        assert "typed under CSP" in texts
        assert not violations, violations
        assert not errors, errors
    finally:
        ctx.close()


def test_share_links_give_each_person_their_role_and_rotation_cuts_one_off(browser, server):
    b = server.board("Workshop", notes=[note("a", "First idea", 0, 0)])
    links = server.api("GET", f"/api/boards/{b}/links")
    url = f"{server.base}/b/{b}"
    with people(browser, url, count=1, link=links["editor"]) as (_, (editor,)), \
            people(browser, url, count=1, link=links["viewer"]) as (_, (viewer,)):
        # The secret left the address bar as soon as the link was opened.
        assert editor.url == url and "key=" not in editor.url
        assert editor.evaluate("herd.access.role") == "editor"
        assert viewer.evaluate("herd.access.role") == "viewer"
        # Editors add notes; they do not see the links.
        assert editor.locator("#share-btn").is_hidden()
        editor.locator("#viewport").dblclick(position={"x": 120, "y": 560})
        editor.keyboard.type("from the editor")
        editor.keyboard.press("Escape")
        viewer.wait_for_selector(".note >> text=from the editor")
        # A viewer sees it live, but has no tools that write, and a double-click adds nothing.
        assert viewer.locator("#add-note").is_hidden()
        assert viewer.locator("#organize-btn").is_hidden()
        viewer.locator("#viewport").dblclick(position={"x": 120, "y": 300})
        viewer.wait_for_selector(".toast >> text=You are viewing this board")
        assert len(server.snapshot(b)["notes"]) == 2
        # The facilitator rotates the editor link: the editor is told at once.
        with people(browser, url, count=1, link=links["facilitator"]) as (_, (fac,)):
            fac.get_by_role("button", name="Share").click()
            fac.locator(".share-row[data-role='editor'] button", has_text="Rotate").click()
            fac.get_by_role("button", name="Rotate", exact=True).last.click()
            new = fac.locator(".share-row[data-role='editor'] .share-url")
            fac.wait_for_function("old => document.querySelector("
                                  "\".share-row[data-role='editor'] .share-url\").value !== old",
                                  arg=links["editor"])
            assert new.input_value() != links["editor"]
        editor.wait_for_selector("#board-missing >> text=Your link to this board was replaced")
        assert viewer.evaluate("herd.connection") == "live"  # nobody else was cut off
        editor.locator("#viewport").dblclick(position={"x": 500, "y": 500}, force=True)
        assert len(server.snapshot(b)["notes"]) == 2


ATTACK = """<!doctype html><html><body>
<iframe id="frame" src="{herd}/b/{board}"></iframe>
<iframe name="sink" id="sink"></iframe>
<form id="f1" method="POST" action="{herd}/api/boards/{board}/ops" enctype="text/plain"
      target="sink"><input name='{{"ops":[{{"op":"create","kind":"note","fields":{{"text":"pwned'
      value='"}}}}]}}'></form>
<form id="f2" method="POST" action="{herd}/api/boards" enctype="text/plain" target="sink">
  <input name='{{"name":"evil' value='"}}'></form>
<script>
  window.done = (async () => {{
    document.getElementById('f1').submit();
    await new Promise(r => setTimeout(r, 300));
    document.getElementById('f2').submit();
    const hit = (path, body, type) => fetch('{herd}' + path, {{method: 'POST', mode: 'no-cors',
      credentials: 'include', headers: {{'Content-Type': type}}, body}}).catch(() => null);
    await hit('/api/boards/{board}/ops', JSON.stringify({{ops: [{{op: 'update', kind: 'note',
      id: 'a', fields: {{text: 'overwritten'}}}}]}}), 'text/plain');
    await hit('/api/boards/{board}/import-text', JSON.stringify({{text: 'x\\ny'}}),
      'application/x-www-form-urlencoded');
    await hit('/api/boards/{board}', '', 'text/plain');
    let read = 'blocked';
    try {{ read = await (await fetch('{herd}/api/boards', {{credentials: 'include'}})).text(); }}
    catch (e) {{ read = 'blocked'; }}
    await new Promise(r => setTimeout(r, 500));
    return read;
  }})();
</script></body></html>"""


@pytest.fixture
def attacker_site(tmp_path):
    """A page on another origin (localhost:<other port>), served by a plain HTTP server."""
    servers = []

    def serve(html: str) -> str:
        (tmp_path / "attack.html").write_text(html)
        port = _free_port()
        handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(  # noqa: E731
            *a, directory=str(tmp_path), **k)
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append(httpd)
        return f"http://localhost:{port}/attack.html"

    yield serve
    for s in servers:
        s.shutdown()
        s.server_close()


def test_another_origin_changes_nothing_even_with_the_owner_logged_in(context, server,
                                                                        attacker_site):
    b = server.board("Target", notes=[note("a", "original", 0, 0)])
    before_boards = {x["id"] for x in server.api("GET", "/api/boards")["boards"]}
    server.login(context)  # the victim: the owner, signed in, visits another site
    pg = context.new_page()
    pg.goto(attacker_site(ATTACK.format(herd=server.base, board=b)))
    read = pg.evaluate("window.done")
    assert "boards" not in read  # the cross-origin read got nothing (CORS; no CORS headers)
    snap = server.snapshot(b)
    assert [(n["id"], n["text"]) for n in snap["notes"]] == [("a", "original")]
    assert {x["id"] for x in server.api("GET", "/api/boards")["boards"]} == before_boards
    # The board refused to render inside the other site's frame (frame-ancestors 'none').
    frames = [f for f in pg.frames if f != pg.main_frame]
    assert frames and all(f.query_selector("#viewport") is None for f in frames)


def test_a_rebound_name_gets_nothing(server, playwright_chromium):
    """DNS rebinding: a name the attacker controls, resolved to 127.0.0.1."""
    b = server.board("Rebind", notes=[note("a", "secret note", 0, 0)])
    port = server.base.rsplit(":", 1)[1]
    browser = playwright_chromium.launch(
        executable_path=CHROMIUM, headless=True,
        args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP evil.test 127.0.0.1"])
    try:
        ctx = browser.new_context(**TEST_CONTEXT)
        pg = ctx.new_page()
        resp = pg.goto(f"http://evil.test:{port}/")
        assert resp.status == 400
        assert json.loads(pg.inner_text("body"))["error"]["code"] == "host_not_allowed"
        got = pg.evaluate("""async (b) => {
            const r = await fetch('/api/boards/' + b + '/export?format=md');
            const d = await fetch('/api/boards/' + b, {method: 'DELETE'});
            return [r.status, await r.text(), d.status];
        }""", b)
        assert got[0] == 400 and "secret note" not in got[1] and got[2] == 400
        assert server.snapshot(b)["notes"][0]["text"] == "secret note"
    finally:
        browser.close()


@pytest.fixture(scope="session")
def playwright_chromium(browser):
    """Playwright's chromium launcher, for a test that needs a browser with other flags."""
    return browser.browser_type


def test_the_start_page_is_private_without_the_owner_link(context, server):
    pg = context.new_page()
    pg.goto(server.base + "/")
    pg.wait_for_selector("h1 >> text=This Herd is private")
    assert pg.locator("#boards").count() == 0
    pg.fill("#link-input", server.token)
    pg.keyboard.press("Enter")
    pg.wait_for_url(server.base + "/")
    pg.wait_for_selector("#create-form")
    assert "token" not in pg.url


def test_static_files_are_still_served(server):
    import urllib.request

    with urllib.request.urlopen(server.base + "/static/css/herd.css", timeout=5) as r:
        assert r.status == 200 and r.headers["X-Content-Type-Options"] == "nosniff"
    assert Path(__file__).exists()
