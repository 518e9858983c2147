"""Small things the browser tests do the same way."""

from __future__ import annotations


def paste(pg, text: str) -> None:
    """A real paste event carrying text, as the browser fires it for ctrl+V."""
    pg.evaluate("""text => {
        const dt = new DataTransfer();
        dt.setData('text/plain', text);
        document.dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt, bubbles: true}));
    }""", text)
