"""A chat-model .llamafile for both roles, for real: it names, the bundled MiniLM embeds."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from sklearn.metrics import adjusted_rand_score

from server import cli
from server.llamafile import runtime
from server.llamafile.service import AIService

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench import standin  # noqa: E402

TOPICS = {
    "fruit": ["apples", "pears", "bananas", "cherries", "plums"],
    "pets": ["cats", "dogs", "hamsters", "goldfish", "parrots"],
    "building": ["brick", "concrete", "lumber", "glass", "steel beams"],
    "units": ["meters", "kilograms", "seconds", "liters", "inches"],
}


@pytest.fixture
def smol_llamafile(bundle, tmp_path) -> Path:
    """A stand-in .llamafile: the bundled llama-server with SmolLM2 (a chat model) inside."""
    return standin.write(tmp_path / "smol.llamafile", bundle.server, bundle.chat_model)


@pytest.fixture
def notes_file(tmp_path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text("\n".join(t for texts in TOPICS.values() for t in texts) + "\n")
    return path


def _organize(capsys, *args) -> tuple[dict, float, str]:
    assert cli.main(["organize", *args, "--json", "--groups", str(len(TOPICS))]) == 0
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    topic = {t: k for k, texts in TOPICS.items() for t in texts}
    texts = [t for g in out["groups"] for t in g["notes"]]
    found = [i for i, g in enumerate(out["groups"]) for _ in g["notes"]]
    return out, adjusted_rand_score([topic[t] for t in texts], found), captured.err


def test_chat_llamafile_names_and_the_bundled_model_embeds(smol_llamafile, notes_file, capsys):
    split, split_ari, err = _organize(capsys, str(notes_file), "--llamafile", str(smol_llamafile))
    roles = split["roles"]
    assert roles["embed"] == {"by": "bundled", "model": "all-MiniLM-L6-v2"}
    assert roles["chat"]["by"] == "yours" and "SmolLM2" in roles["chat"]["model"]
    assert "--embed-with llamafile" in roles["note"] and roles["note"] in err
    # --embed-with llamafile brings back one model for both, and its worse grouping.
    old, old_ari, err = _organize(capsys, str(notes_file), "--llamafile", str(smol_llamafile),
                                  "--embed-with", "llamafile")
    assert old["roles"]["embed"]["by"] == old["roles"]["chat"]["by"] == "yours"
    assert old["roles"]["note"] is None and "Herd embeds" not in err
    assert split_ari > old_ari, (split_ari, old_ari)


def test_ai_status_says_the_bundled_model_embeds(smol_llamafile, cache_dir):
    cfg = {"LLAMAFILE_PATH": str(smol_llamafile), "CACHE_DIR": str(cache_dir)}
    with runtime.servers_for(cfg) as urls:
        ai = AIService(urls["EMBED_URL"], urls["CHAT_URL"], roles=urls["AI_ROLES"])
        st = ai.status()
        ai.embedder.close()
        ai.chat.close()
    assert st["ready"], st
    assert st["embed"]["model"].startswith("all-MiniLM-L6-v2")
    assert st["chat"]["model"].startswith("SmolLM2-135M-Instruct")
    assert "one vector per token" in st["roles"]["note"]


def test_probe_tells_minilm_from_smollm2_pooled(bundle, embed_url, tmp_path):
    # SmolLM2 pooled by the server answers one vector per note, as an old llamafile does:
    # only the probe can tell it from an embedding model.
    from server.llamafile.choose import CHAT, EMBEDDING, probe
    from server.llamafile.client import Server
    from server.llamafile.procs import Child, free_port

    assert probe(Server(embed_url)).kind == EMBEDDING
    port = free_port()
    child = Child("smol pooled", [str(bundle.server), "-m", str(bundle.chat_model), "--port",
                                  str(port), "--host", "127.0.0.1", "--embeddings", "--pooling",
                                  "mean", "-t", "1", "--poll", "0", "--no-webui"],
                  f"http://127.0.0.1:{port}", tmp_path / "smol.log")
    try:
        child.wait_ready(120)
        verdict = probe(Server(child.url))
    finally:
        child.stop()
    assert verdict.kind == CHAT and "follow words" in verdict.reason, verdict


def test_herd_serve_says_which_model_embeds(smol_llamafile, tmp_path):
    import os
    import signal
    import subprocess
    import time
    import urllib.request

    from serve_log import token_from_log

    from server.llamafile.procs import free_port

    port = free_port()
    herd = Path(sys.executable).with_name("herd")
    with open(tmp_path / "serve.log", "w+b") as log:
        proc = subprocess.Popen([str(herd), "serve", "--db", str(tmp_path / "h.db"), "--port",
                                 str(port), "--llamafile", str(smol_llamafile)],
                                stdout=log, stderr=log, start_new_session=True)
        try:
            deadline = time.monotonic() + 240
            while proc.poll() is None and time.monotonic() < deadline:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2)
                    break
                except OSError:
                    time.sleep(0.2)
            out = (tmp_path / "serve.log").read_text()
            req = urllib.request.Request(f"http://127.0.0.1:{port}/api/ai", headers={
                "Authorization": f"Bearer {token_from_log(out)}"})
            st = json.loads(urllib.request.urlopen(req, timeout=30).read())
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(30)
    assert st["roles"]["embed"]["by"] == "bundled" and st["roles"]["chat"]["by"] == "yours"
    assert st["embed"]["model"].startswith("all-MiniLM-L6-v2")
    assert st["roles"]["note"] in out  # the start-up line
