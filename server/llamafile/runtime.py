"""Which servers Herd talks to: the user's URLs, the user's .llamafile, or the bundled models."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import models
from .errors import LlamafileError
from .procs import Child, free_port, sigterm_as_exit


def threads() -> int:
    """Threads per server: half the cores each (two servers), at most 4; HERD_LLAMA_THREADS wins.

    Measured on a busy 2-core machine: with 2 threads per server, ggml's threads wait on each
    other whenever one is descheduled, and 8 labels took 10-45 s; with 1 thread, 1-2 s.
    The servers also run with --poll 0: idle threads sleep instead of spinning on shared cores.
    """
    if os.environ.get("HERD_LLAMA_THREADS"):
        return max(1, int(os.environ["HERD_LLAMA_THREADS"]))
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:
        n = os.cpu_count() or 2
    return max(1, min(4, n // 2))


EMBED_SLOTS = 16  # notes embedded in one decode step (bench/embed.py --sweep, bench/README.md)


def embed_command(server: Path, model: Path, port: int) -> list[str]:
    """llama-server for embeddings: mean pooling, batch = ubatch = the model's 512 positions.

    Each note of a request is its own sequence, one per slot: with 4 slots a decode step held
    4 short notes (~50 tokens). 16 slots (each keeping the model's 512 positions, so the longest
    note it takes is unchanged) embed 1,000 notes 1.26-1.30x faster on 1 thread, for 1.2x less
    server CPU; 32 or 64 slots, a 2048 batch, 1 slot or 2 threads were no better or worse."""
    return [
        str(server), "-m", str(model), "--host", "127.0.0.1", "--port", str(port),
        "--embeddings", "--pooling", "mean", "-t", str(threads()), "--poll", "0",
        "-c", str(512 * EMBED_SLOTS), "-b", "512", "-ub", "512", "-np", str(EMBED_SLOTS),
        "--no-webui",
    ]  # fmt: skip


def chat_command(server: Path, model: Path, port: int) -> list[str]:
    """llama-server for labels: 4 slots of 2048 tokens, enough for a cluster's prompt."""
    return [
        str(server), "-m", str(model), "--host", "127.0.0.1", "--port", str(port),
        "-t", str(threads()), "--poll", "0", "-c", "8192", "-np", "4", "--no-webui",
    ]  # fmt: skip


def llamafile_command(path: Path, port: int, embedding: bool = True) -> list[str]:
    """A user's .llamafile; through sh, since APE binaries are also shell scripts."""
    return [
        "sh", str(path), "--server", "--nobrowser", *(["--embedding"] if embedding else []),
        "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip


def _refuses_chat(url: str) -> bool:
    """True when the server is embeddings-only (llamafile 0.10+ with --embedding is)."""
    from .chat import LlamafileChat
    from .protocols import ChatRequest

    try:
        LlamafileChat(url).complete(
            ChatRequest(messages=[{"role": "user", "content": "hi"}], max_tokens=1)
        )
    except LlamafileError as e:
        return e.kind == "chat_refused"
    return False


def _spawn(name: str, make_cmd, log: Path) -> Child:
    port = free_port()
    return Child(name, make_cmd(port), f"http://127.0.0.1:{port}", log)


@contextlib.contextmanager
def start_bundled(
    cache_dir: str | Path, timeout: float = 120.0, roles: tuple[str, ...] = ("embed", "chat")
) -> Iterator[dict[str, Any]]:
    """Start the bundled servers for `roles`; yield their URLs; stop them on the way out."""
    b = models.bundle(cache_dir)  # raises "run: herd models prepare" when not ready
    logs = Path(cache_dir) / "logs"
    t0 = time.monotonic()
    children: list[Child] = []
    with sigterm_as_exit():
        try:
            specs = [spec for role, spec in (
                ("embed", ("embedding server",
                           lambda p: embed_command(b.server, b.embed_model, p))),
                ("chat", ("chat server", lambda p: chat_command(b.server, b.chat_model, p))),
            ) if role in roles]
            # Both load at once: startup costs the slower of the two, not the sum.
            for name, make in specs:
                children.append(_spawn(name, make, logs / f"{name.split()[0]}.log"))
            for i, (name, make) in enumerate(specs):
                try:
                    children[i].wait_ready(timeout)
                except LlamafileError:
                    children[i].stop()
                    if "address already in use" not in children[i].log_tail().lower():
                        raise
                    children[i] = _ready(name, make, children[i].log_path, timeout)
            urls = dict(zip([r for r in ("embed", "chat") if r in roles], children, strict=True))
            yield {
                **{f"{r.upper()}_URL": c.url for r, c in urls.items()},
                "AI_SOURCE": "bundled",
                "AI_STARTUP_S": round(time.monotonic() - t0, 2),
                "AI_PIDS": [c.proc.pid for c in children],
            }
        finally:
            for child in children:
                child.stop()


def _ready(name: str, make_cmd, log: Path, timeout: float) -> Child:
    last: LlamafileError | None = None
    for _ in range(2):
        child = _spawn(name, make_cmd, log)
        try:
            child.wait_ready(timeout)
            return child
        except LlamafileError as e:
            child.stop()
            last = e
            if "address already in use" not in child.log_tail().lower():
                break  # only a lost port race is worth a second try
    assert last is not None
    raise last


@contextlib.contextmanager
def start_llamafile(
    path: str | Path, cache_dir: str | Path, timeout: float = 300.0
) -> Iterator[dict[str, Any]]:
    """Run the user's .llamafile for both roles; yield its URL; stop it on the way out."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise LlamafileError("start_failed", f"No such llamafile: {p}. Give the path to the file.")
    logs = Path(cache_dir) / "logs"
    with sigterm_as_exit():
        children = [_ready(p.name, lambda port: llamafile_command(p, port),
                           logs / "llamafile.log", timeout)]
        try:
            chat_url = children[0].url
            if _refuses_chat(chat_url):
                # Newer llamafiles serve only embeddings with --embedding: run a second one
                # of the same file for labels.
                children.append(_ready(f"{p.name} (chat)",
                                       lambda port: llamafile_command(p, port, embedding=False),
                                       logs / "llamafile-chat.log", timeout))
                chat_url = children[1].url
            yield {"EMBED_URL": children[0].url, "CHAT_URL": chat_url, "AI_SOURCE": "llamafile"}
        finally:
            for child in children:
                child.stop()


@contextlib.contextmanager
def servers_for(cfg: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Config overrides {"EMBED_URL", "CHAT_URL", ...} for the servers this config asks for."""
    from .assign import assign

    embed, chat, both = cfg.get("EMBED_URL"), cfg.get("CHAT_URL"), cfg.get("LLAMAFILE_URL")
    if both and not embed:
        # One server given for both roles: it keeps only the role its model is good at.
        with assign(cfg, both, both, refusal_counts=True) as urls:
            yield {**urls, "AI_SOURCE": "url"}
    elif embed or chat:
        # One URL serves both roles unless each is given its own.
        yield {
            "EMBED_URL": embed or both or chat,
            "CHAT_URL": chat or both or embed,
            "AI_SOURCE": "url",
        }
    elif cfg.get("LLAMAFILE_PATH"):
        with start_llamafile(cfg["LLAMAFILE_PATH"], cfg["CACHE_DIR"]) as urls:
            print(f"Llamafile {cfg['LLAMAFILE_PATH']} is on {urls['EMBED_URL']}", flush=True)
            # Herd started it with --embedding, so a refused completion proves nothing.
            with assign(cfg, urls["EMBED_URL"], urls["CHAT_URL"], refusal_counts=False) as roles:
                yield {**urls, **roles}
    else:
        with start_bundled(cfg["CACHE_DIR"]) as urls:
            print(
                f"Bundled models up in {urls['AI_STARTUP_S']}s: embeddings {urls['EMBED_URL']}, "
                f"chat {urls['CHAT_URL']}",
                flush=True,
            )
            yield urls
