"""Small things the browser tests do the same way."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


def paste(pg, text: str) -> None:
    """A real paste event carrying text, as the browser fires it for ctrl+V."""
    pg.evaluate("""text => {
        const dt = new DataTransfer();
        dt.setData('text/plain', text);
        document.dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt, bubbles: true}));
    }""", text)


@contextlib.contextmanager
def people(browser, url: str, count: int = 2, width: int = 1200,
           height: int = 800) -> Iterator[tuple]:
    """`count` people on one board: a browser context each (own storage, own tab ids), each
    with the board open and live; yields (contexts, pages) and closes them on the way out."""
    contexts = [browser.new_context(viewport={"width": width, "height": height})
                for _ in range(count)]
    try:
        pages = [c.new_page() for c in contexts]
        for pg in pages:
            pg.goto(url)
            pg.wait_for_function("window.herd?.model && window.herd.connection === 'live'")
        yield contexts, pages
    finally:
        for c in contexts:
            c.close()
