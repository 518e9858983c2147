"""Real llama-server fixtures: the bundled models, prepared once and served once per session.

Use `embed_url` / `chat_url` for raw HTTP, `embedder` / `chat` for the Herd clients, or
`ai_config` to build an app against the real servers. Every test here is marked integration.
Set HERD_EMBED_URL / HERD_CHAT_URL to run against servers you already have.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from server import config as config_mod
from server.llamafile import models, runtime
from server.llamafile.chat import LlamafileChat
from server.llamafile.embed import LlamafileEmbedder

HERE = Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if Path(str(item.fspath)).is_relative_to(HERE):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def cache_dir() -> Path:
    """The models cache (HERD_CACHE_DIR or ~/.cache/herd), shared with `herd models`."""
    return Path(config_mod.default_cache_dir())


@pytest.fixture(scope="session")
def bundle(cache_dir: Path) -> models.Bundle:
    """The prepared bundle; prepares it (idempotently) when something is missing."""
    try:
        return models.bundle(cache_dir)
    except Exception:
        return models.prepare(cache_dir, say=lambda msg: print(msg, flush=True))


@pytest.fixture(scope="session")
def llama_servers(bundle, cache_dir: Path):
    """URLs of the two running bundled servers: {"EMBED_URL", "CHAT_URL", "AI_STARTUP_S"}."""
    if os.environ.get("HERD_EMBED_URL") and os.environ.get("HERD_CHAT_URL"):
        yield {"EMBED_URL": os.environ["HERD_EMBED_URL"], "CHAT_URL": os.environ["HERD_CHAT_URL"]}
        return
    with runtime.start_bundled(cache_dir) as urls:
        yield urls


@pytest.fixture(scope="session")
def embed_url(llama_servers) -> str:
    """Base URL of the real embedding server (all-MiniLM-L6-v2, --embeddings)."""
    return llama_servers["EMBED_URL"]


@pytest.fixture(scope="session")
def chat_url(llama_servers) -> str:
    """Base URL of the real chat server (SmolLM2-135M-Instruct)."""
    return llama_servers["CHAT_URL"]


@pytest.fixture(scope="session")
def embedder(embed_url: str) -> LlamafileEmbedder:
    """The Herd Embedder on the real embedding server (in-memory cache only)."""
    e = LlamafileEmbedder(embed_url)
    yield e
    e.close()


@pytest.fixture(scope="session")
def chat(chat_url: str) -> LlamafileChat:
    """The Herd Chat on the real chat server."""
    c = LlamafileChat(chat_url)
    yield c
    c.close()


@pytest.fixture
def ai_config(embed_url: str, chat_url: str, tmp_path) -> dict:
    """create_app() settings for an app using the real servers, on a temporary database."""
    return {
        "DATABASE": str(tmp_path / "herd.db"),
        "TESTING": True,
        "AI_ENABLED": True,
        "EMBED_URL": embed_url,
        "CHAT_URL": chat_url,
    }


@pytest.fixture(scope="session")
def gemma_url(bundle, cache_dir: Path):
    """A real llama-server with Gemma-3-270M (a base model: no chat template of its own), for
    naming on a model Herd was not tuned on. `make test` prepares it (setup.sh --gemma); a
    missing Gemma skips elsewhere and fails under CI=true. HERD_GEMMA_URL: one already running."""
    if os.environ.get("HERD_GEMMA_URL"):
        yield os.environ["HERD_GEMMA_URL"]
        return
    path = models.extra_model(cache_dir, "gemma")
    if path is None:
        pytest.skip("Gemma-3-270M is not prepared: herd models prepare --with gemma")
    from server.llamafile.procs import Child, free_port

    port = free_port()
    child = Child("gemma chat server", runtime.chat_command(bundle.server, path, port),
                  f"http://127.0.0.1:{port}", cache_dir / "logs" / "gemma.log")
    try:
        child.wait_ready(120)
        yield child.url
    finally:
        child.stop()


@pytest.fixture(scope="session")
def gemma_chat(gemma_url: str) -> LlamafileChat:
    """The Herd Chat on the real Gemma server."""
    c = LlamafileChat(gemma_url)
    yield c
    c.close()
