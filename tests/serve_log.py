"""Reading what `herd serve` prints: the owner's link, with the token tests act as."""

from __future__ import annotations

import re

LINK = re.compile(r"Herd is on \S+/\?token=(\S+)")


def token_from_log(log: str) -> str:
    """The owner token from `herd serve`'s line "Herd is on http://HOST:PORT/?token=TOKEN"."""
    found = LINK.findall(log)
    if not found:
        raise RuntimeError(f"herd serve printed no owner link: {log[-2000:]}")
    return found[-1]
