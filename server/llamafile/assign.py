"""Give each role the model that is good at it when the user names one server for both."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import models
from .choose import CHAT, Verdict, classify
from .errors import LlamafileError
from .pool import connect

EMBED_WITH = ("auto", "bundled", "llamafile")
BUNDLED_EMBED = Path(models.EMBED_FILE).stem.split(".")[0]  # all-MiniLM-L6-v2
BUNDLED_CHAT = Path(models.CHAT_FILE).stem.split(".")[0]  # SmolLM2-135M-Instruct


@contextlib.contextmanager
def assign(
    cfg: dict[str, Any], user_embed: str, user_chat: str, *, refusal_counts: bool
) -> Iterator[dict[str, Any]]:
    """{"EMBED_URL", "CHAT_URL", "AI_ROLES"} for the user's one server (at `user_embed`,
    and `user_chat` for completions), starting bundled servers for the roles it is bad at."""
    mode = cfg.get("EMBED_WITH") or "auto"
    given_chat = cfg.get("CHAT_URL")
    yours = "unknown"
    try:
        yours = connect(user_embed, role="embed").info().model
        verdict = classify(connect(user_embed, role="embed"), refusal_counts=refusal_counts) \
            if mode == "auto" else None
    except LlamafileError:
        # Not answering now: use it as given; the AI status says what is wrong with it.
        yield {"EMBED_URL": user_embed, "CHAT_URL": given_chat or user_chat,
               "AI_ROLES": _roles(yours, embed="yours", chat="yours", note=None)}
        return
    if mode == "llamafile" or (verdict and verdict.kind != CHAT and given_chat):
        embed_by, chat_by = "yours", "given" if given_chat else "yours"
    elif mode == "bundled" or (verdict and verdict.kind == CHAT):
        embed_by, chat_by = "bundled", "given" if given_chat else "yours"
    else:
        embed_by, chat_by = "yours", "bundled"
    need = tuple(r for r, by in (("embed", embed_by), ("chat", chat_by)) if by == "bundled")
    with contextlib.ExitStack() as stack:
        started: dict[str, Any] = {}
        fallback = None
        if need:
            try:
                started = stack.enter_context(_bundled(cfg, need))
            except LlamafileError as e:
                if mode == "bundled" or e.kind != "not_prepared":
                    raise
                # Never worse than before: without the bundle the user's model does it all.
                fallback = "the bundled models are not prepared (herd models prepare)"
                embed_by, chat_by = "yours", "given" if given_chat else "yours"
        urls = {"yours": user_embed, "given": given_chat, "bundled": started.get("EMBED_URL")}
        chat_urls = {"yours": user_chat, "given": given_chat, "bundled": started.get("CHAT_URL")}
        note = _note(yours, verdict, mode, embed_by, chat_by, fallback)
        roles = _roles(yours, embed_by, chat_by, note)
        if note:
            print(note, flush=True)
        yield {"EMBED_URL": urls[embed_by], "CHAT_URL": chat_urls[chat_by], "AI_ROLES": roles}


def _bundled(cfg: dict[str, Any], roles: tuple[str, ...]):
    """The bundled servers for `roles` (a seam for tests)."""
    from .runtime import start_bundled

    return start_bundled(cfg["CACHE_DIR"], roles=roles)


def _roles(yours: str, embed: str, chat: str, note: str | None) -> dict[str, Any]:
    """Which model does each role, and who chose it ("yours", "bundled", "given")."""
    name = {"yours": yours, "bundled": BUNDLED_EMBED, "given": None}
    return {
        "embed": {"by": embed, "model": name[embed]},
        "chat": {"by": chat, "model": BUNDLED_CHAT if chat == "bundled" else name[chat]},
        "note": note,
    }


def _note(yours: str, verdict: Verdict | None, mode: str, embed_by: str, chat_by: str,
          fallback: str | None) -> str | None:
    """One sentence: where Herd overrode the user's single server, why, and the undoing flag."""
    if fallback:
        return (f"Your {yours} does both embeddings and names: {fallback}; "
                f"{verdict.reason if verdict else ''}".rstrip("; ") + ".")
    if mode == "bundled" and embed_by == "bundled":
        return (f"Herd embeds with the bundled {BUNDLED_EMBED}, as --embed-with bundled asks; "
                f"your {yours} names the groups.")
    if verdict is None:
        return None
    if embed_by == "bundled":
        namer = "your model" if chat_by == "yours" else "the --chat-url model"
        return (f"Herd embeds with the bundled {BUNDLED_EMBED}, not your {yours}: "
                f"{verdict.reason}; {namer} names the groups. To embed with yours anyway: "
                "--embed-with llamafile.")
    if chat_by == "bundled":
        return (f"Herd embeds with your {yours} ({verdict.reason}) and names the groups with "
                f"the bundled {BUNDLED_CHAT}, since an embedding model cannot write names. "
                "To name them with another model: --chat-url URL.")
    return None
