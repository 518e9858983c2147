"""The real llama-server with the bundled models: conversion quality, labels, failures."""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pytest

from server import create_app
from server.llamafile import runtime
from server.llamafile.client import LLAMA_SERVER
from server.llamafile.embed import LlamafileEmbedder
from server.llamafile.errors import LlamafileError
from server.llamafile.procs import Child, free_port
from server.llamafile.protocols import ChatRequest


def test_minilm_conversion_reproduces_published_similarities(embedder):
    v = embedder.embed_uncached(
        ["A man is eating food.", "A man is eating a piece of bread.", "A man is riding a horse."]
    )
    assert v.shape == (3, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert abs(float(v[0] @ v[1]) - 0.755) < 0.01
    assert abs(float(v[0] @ v[2]) - 0.247) < 0.01


def test_dialect_and_model_are_detected(embedder, chat):
    assert embedder.dialect == LLAMA_SERVER
    assert "MiniLM" in embedder.model
    assert "SmolLM2" in chat.model
    assert chat.server.info().template == "chatml"
    # The bundled server is still driven through /completion with its own template.
    assert chat.route() == "/completion with the chatml template"


def test_batched_embeddings_keep_order(embedder):
    texts = [f"note number {i} about {w}" for i, w in enumerate(["cats", "tax", "rain"] * 30)]
    batched = embedder.embed_uncached(texts)
    single = np.vstack([embedder.embed_uncached([t]) for t in texts[:5]])
    # Each row is its own note's vector: the same up to float rounding, which depends on how
    # many notes share a decode step (16 slots: up to 16), and unlike its neighbours'.
    assert np.allclose(batched[:5], single, atol=5e-4)
    sims = batched[:5] @ single.T
    assert (np.diag(sims) > 0.9999).all() and (sims.argmax(axis=1) == np.arange(5)).all()


def test_too_long_note_is_named(embedder):
    with pytest.raises(LlamafileError) as ei:
        embedder.embed_uncached(["short", "word " * 700, "also short"])
    assert ei.value.kind == "input_too_large"
    assert ei.value.details["index"] == 1
    assert "Note 2" in ei.value.message and "512" in ei.value.message


def test_label_completion_returns_text(chat):
    req = ChatRequest(
        messages=[{"role": "user", "content": "What do these have in common?\n"
                   "- apples\n- pears\n- bananas\n- plums"}],
        prefill="They are all",
        max_tokens=8,
    )
    text = chat.complete(req)
    assert text.strip()
    assert chat.server.info().chat_via is None  # no fallback was needed
    many = chat.complete_many([req, req, req])
    assert all(isinstance(t, str) and t.strip() for t in many)


def test_embed_server_refuses_chat_clearly(embed_url):
    from server.llamafile.chat import LlamafileChat

    with pytest.raises(LlamafileError) as ei:
        LlamafileChat(embed_url).complete(ChatRequest(messages=[{"role": "user", "content": "hi"}]))
    assert ei.value.kind == "chat_refused"
    assert "--chat-url" in ei.value.message


def test_api_ai_reports_both_servers(ai_config):
    status = create_app(ai_config).test_client().get("/api/ai").get_json()
    assert status["ready"] is True
    assert status["embed"]["dialect"] == LLAMA_SERVER
    assert "SmolLM2" in status["chat"]["model"]


def test_killed_server_mid_request_gives_clear_error_quickly(bundle, cache_dir, tmp_path):
    port = free_port()
    child = Child(
        "embedding server",
        runtime.embed_command(bundle.server, bundle.embed_model, port),
        f"http://127.0.0.1:{port}",
        tmp_path / "embed.log",
    )
    try:
        child.wait_ready(60)
        emb = LlamafileEmbedder(child.url, batch_size=64)
        emb.embed_uncached(["warm up"])
        texts = [f"a fairly long sentence number {i} " * 20 for i in range(3000)]
        killer = threading.Timer(0.3, lambda: os.killpg(child.proc.pid, signal.SIGKILL))
        killer.start()
        # A killed server is an error at once, not a hang (the suite's timeout would catch one).
        with pytest.raises(LlamafileError) as ei:
            emb.embed_uncached(texts)
        killer.join()
    finally:
        child.stop()
    assert ei.value.kind == "unreachable"
    assert "Start it with" in ei.value.message


def test_bundled_servers_start_in_their_own_process_groups_and_stop(bundle, cache_dir):
    with runtime.start_bundled(cache_dir) as urls:
        pids = urls["AI_PIDS"]
        assert all(os.getpgid(pid) == pid for pid in pids)  # own process groups
        assert len(pids) == 2
    time.sleep(0.2)
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.killpg(pid, 0)


def test_herd_serve_starts_the_models_and_sigterm_leaves_no_orphans(bundle, tmp_path):
    import subprocess
    import sys

    import requests

    port = free_port()
    herd = [sys.executable, "-m", "server.cli", "serve", "--port", str(port),
            "--db", str(tmp_path / "herd.db")]
    proc = subprocess.Popen(herd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        status, deadline = None, time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(f"http://127.0.0.1:{port}/api/health", timeout=5).raise_for_status()
                break
            except requests.RequestException:
                time.sleep(0.2)
        from server.store import Store

        token = Store(str(tmp_path / "herd.db")).secret("owner")
        status = requests.get(f"http://127.0.0.1:{port}/api/ai", timeout=5,
                              headers={"Authorization": f"Bearer {token}"}).json()
        assert status and status["ready"], status
        out = subprocess.run(["pgrep", "-P", str(proc.pid), "-f", "llama-server"],
                             capture_output=True, text=True)
        servers = [int(p) for p in out.stdout.split()]
        assert len(servers) == 2
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
    finally:
        proc.kill()
        proc.wait()
    time.sleep(0.5)
    for pid in servers:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
