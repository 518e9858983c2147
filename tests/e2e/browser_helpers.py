"""Small things the browser tests do the same way."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

SERVERS: dict[str, Any] = {}  # base URL -> the e2e Server started there (conftest fills it)
# Playwright evaluates wait_for_function's string predicates with eval(), which Herd's CSP
# forbids; the tests' own contexts lift CSP for that, and tests/e2e/test_access_e2e.py runs
# the board with CSP enforced and no violation.
TEST_CONTEXT = {"bypass_csp": True}


def paste(pg, text: str) -> None:
    """A real paste event carrying text, as the browser fires it for ctrl+V."""
    pg.evaluate("""text => {
        const dt = new DataTransfer();
        dt.setData('text/plain', text);
        document.dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt, bubbles: true}));
    }""", text)


# Every message the page's own live stream delivers, as the raw text it received: what this
# person's browser got, not what the page chose to show. Add with page.add_init_script.
RECORD_STREAM = """(() => {
  const Real = window.EventSource;
  window.__heard = [];
  window.EventSource = class extends Real {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => window.__heard.push(e.data));
    }
  };
})();"""


def heard(pg) -> list[dict]:
    """The live messages a page recorded with RECORD_STREAM, decoded."""
    return [json.loads(m) for m in pg.evaluate("window.__heard")]


PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True,
         "device_scale_factor": 3}


@contextlib.contextmanager
def people(browser, url: str, count: int = 2, width: int = 1200,
           height: int = 800, link: str | None = None, phone: bool = False) -> Iterator[tuple]:
    """`count` people on one board: a browser context each (own storage, own tab ids), each
    with the board open and live (as the owner, or through `link` when given: a share link);
    `phone`: on a 390 px touch screen. Yields (contexts, pages), closed on the way out."""
    shape = PHONE if phone else {"viewport": {"width": width, "height": height}}
    contexts = [browser.new_context(**shape, **TEST_CONTEXT) for _ in range(count)]
    try:
        pages = [c.new_page() for c in contexts]
        base = url.split("/b/", 1)[0]
        for pg in pages:
            if link is None:
                SERVERS[base].login(pg)
            pg.goto(link or url)
            pg.wait_for_function("window.herd?.model && window.herd.connection === 'live'")
        yield contexts, pages
    finally:
        for c in contexts:
            c.close()


AXE = (Path(__file__).resolve().parents[2] / ".venv" / "node" / "node_modules" / "axe-core"
       / "axe.min.js")


def axe(pg, serious_only: bool = True) -> list[dict]:
    """Run axe-core (installed from npm by scripts/setup.sh --browser) on the page as it is;
    returns the violations as {id, impact, nodes: [target, ...]}, serious and critical only
    unless told otherwise. Injected through the DevTools protocol, so a strict
    Content-Security-Policy (script-src 'self') does not block it."""
    if not AXE.exists():
        raise AssertionError(f"axe-core is not installed at {AXE}: run scripts/setup.sh --browser")
    if not pg.evaluate("!!window.axe"):
        pg.evaluate(AXE.read_text() + "\n;true")
    found = pg.evaluate("""async () => {
        const r = await axe.run(document, {
            rules: {'label-content-name-mismatch': {enabled: true}},
            resultTypes: ['violations'],
        });
        return r.violations.map(v => ({id: v.id, impact: v.impact,
                                       nodes: v.nodes.map(n => n.target.join(' '))}));
    }""")
    keep = ("serious", "critical") if serious_only else ("minor", "moderate", "serious", "critical")
    return [v for v in found if v["impact"] in keep]



# Patched into a page that is already open (its socket is too): the prototype's send is
# what an open socket calls, and api.js looks fetch up at each call.
_RECORD_BATCHES = """() => {
  if (window.__batches) return;
  window.__batches = [];
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (String(data).includes('"ops"')) window.__batches.push('socket');
    return send.call(this, data);
  };
  const fetchReal = window.fetch;
  window.fetch = function (url, ...rest) {
    if (String(url).endsWith('/ops')) window.__batches.push('http');
    return fetchReal.call(this, url, ...rest);
  };
}"""


def record_batches(pg) -> Callable[[], list[str]]:
    """From now on, how each batch of ops the page sends goes: "http" (POST .../ops) or
    "socket" (a message on its board socket); call the result for the list so far."""
    pg.evaluate(_RECORD_BATCHES)
    return lambda: pg.evaluate("window.__batches")
