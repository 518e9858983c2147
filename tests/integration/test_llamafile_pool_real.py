"""Two real embedding servers as one: a Organize-sized embed survives one of them being killed."""

from __future__ import annotations

import os
import signal
import threading

import numpy as np

from server.llamafile import runtime
from server.llamafile.embed import LlamafileEmbedder
from server.llamafile.procs import Child, free_port


def _embed_server(bundle, tmp_path, name: str) -> Child:
    port = free_port()
    child = Child(f"embedding server {name}",
                  runtime.embed_command(bundle.server, bundle.embed_model, port),
                  f"http://127.0.0.1:{port}", tmp_path / f"{name}.log")
    child.wait_ready(60)
    return child


def test_killing_one_of_two_servers_mid_run_loses_nothing(bundle, embedder, tmp_path):
    a, b = _embed_server(bundle, tmp_path, "a"), _embed_server(bundle, tmp_path, "b")
    try:
        both = LlamafileEmbedder(f"{a.url},{b.url}", batch_size=16)
        texts = [f"sticky note number {i} about topic {i % 7}" for i in range(600)]
        killer = threading.Timer(0.3, lambda: os.killpg(b.proc.pid, signal.SIGKILL))
        killer.start()
        got = both.embed_uncached(texts)
        killer.join()
        # Every vector is there and is what one healthy server gives for that text.
        assert got.shape[0] == len(texts)
        alone = embedder.embed_uncached(texts[:50] + texts[-50:])
        # (batched beside other notes, a vector differs from the note's alone by up to ~1.3e-4
        # per component on this server: the same tolerance as test_llamafile_real.py)
        assert np.allclose(got[:50], alone[:50], atol=5e-4)
        assert np.allclose(got[-50:], alone[50:], atol=5e-4)
        assert (np.sum(got[:50] * alone[:50], axis=1) > 0.9999).all()
        status = {m["url"]: m["ready"] for m in both.server.members()}
        assert status == {a.url: True, b.url: False}
        both.close()
    finally:
        a.stop()
        b.stop()
