"""Which servers Herd uses, starting and stopping them without orphans, and the AI status."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from llamafile_fake import FakeServer, llama_server

from server import create_app
from server.llamafile import models, runtime
from server.llamafile.errors import LlamafileError
from server.llamafile.procs import free_port
from server.llamafile.service import AIService

FAKE = Path(__file__).parent / "llamafile_fake.py"


def _gone(pid: int, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def fake_llamafile(tmp_path) -> Path:
    """An executable stand-in for a .llamafile that serves the llama-server preset."""
    path = tmp_path / "fake.llamafile"
    path.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{FAKE}" "$@"\n')
    path.chmod(0o755)
    return path


@pytest.mark.parametrize("cfg,embed,chat", [
    ({"LLAMAFILE_URL": "http://h:1"}, "http://h:1", "http://h:1"),
    ({"EMBED_URL": "http://e:1", "CHAT_URL": "http://c:2"}, "http://e:1", "http://c:2"),
    ({"EMBED_URL": "http://e:1"}, "http://e:1", "http://e:1"),
    ({"LLAMAFILE_URL": "http://h:1", "CHAT_URL": "http://c:2"}, "http://h:1", "http://c:2"),
])
def test_urls_are_used_as_given(cfg, embed, chat):
    with runtime.servers_for(cfg) as urls:
        assert (urls["EMBED_URL"], urls["CHAT_URL"]) == (embed, chat)


def test_bundled_needs_prepared_models(tmp_path, monkeypatch):
    monkeypatch.setattr(models, "find_server_binary", lambda: None)
    with pytest.raises(LlamafileError) as ei:
        with runtime.servers_for({"CACHE_DIR": str(tmp_path)}):
            pass
    assert ei.value.kind == "not_prepared" and "run: herd models prepare" in ei.value.message


def test_llamafile_path_is_run_and_stopped(fake_llamafile, tmp_path):
    cfg = {"LLAMAFILE_PATH": str(fake_llamafile), "CACHE_DIR": str(tmp_path)}
    with runtime.start_llamafile(cfg["LLAMAFILE_PATH"], tmp_path) as urls:
        assert urls["EMBED_URL"] == urls["CHAT_URL"]
        app = create_app({"DATABASE": str(tmp_path / "h.db"), "TESTING": True, **urls})
        status = app.test_client().get("/api/ai").get_json()
        assert status["ready"] and status["embed"]["model"] == "SmolLM2-135M-Instruct.Q4_1.gguf"
        out = subprocess.run(["pgrep", "-f", str(FAKE)], capture_output=True, text=True)
        pids = [int(p) for p in out.stdout.split()]
        assert pids
    assert all(_gone(p) for p in pids)


def test_missing_llamafile_is_a_clear_error(tmp_path):
    with pytest.raises(LlamafileError) as ei:
        with runtime.start_llamafile(tmp_path / "nope.llamafile", tmp_path):
            pass
    assert "No such llamafile" in ei.value.message


def test_crashing_server_reports_its_log(tmp_path):
    bad = tmp_path / "bad.llamafile"
    bad.write_text("#!/bin/sh\necho 'error: model file is corrupt' >&2\nexit 3\n")
    with pytest.raises(LlamafileError) as ei:
        with runtime.start_llamafile(bad, tmp_path):
            pass
    assert ei.value.kind == "start_failed" and "model file is corrupt" in ei.value.message


def test_no_orphans_when_herd_is_killed(fake_llamafile, tmp_path):
    # A parent that starts the server then is SIGKILLed: no finally runs, PDEATHSIG must act.
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(Path(__file__).parent.parent)!r})
        from server.llamafile import runtime
        with runtime.start_llamafile({str(fake_llamafile)!r}, {str(tmp_path)!r}) as urls:
            print(urls["EMBED_URL"], flush=True)
            time.sleep(60)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        url = parent.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        out = subprocess.run(["pgrep", "-f", f"{FAKE} --server"], capture_output=True, text=True)
        pids = [int(p) for p in out.stdout.split()]
        assert pids
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(5)
        assert all(_gone(p) for p in pids)
    finally:
        parent.kill()
        parent.wait()


def test_sigterm_stops_the_servers(fake_llamafile, tmp_path):
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(Path(__file__).parent.parent)!r})
        from server.llamafile import runtime
        with runtime.servers_for({{"LLAMAFILE_PATH": {str(fake_llamafile)!r},
                                   "CACHE_DIR": {str(tmp_path)!r}}}) as urls:
            print(urls["EMBED_URL"], flush=True)
            time.sleep(60)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        parent.stdout.readline()
        out = subprocess.run(["pgrep", "-f", f"{FAKE} --server"], capture_output=True, text=True)
        pids = [int(p) for p in out.stdout.split()]
        parent.send_signal(signal.SIGTERM)
        assert parent.wait(10) != 0
        assert pids and all(_gone(p, 1.0) for p in pids)
    finally:
        parent.kill()
        parent.wait()


def test_status_when_not_configured():
    st = AIService(None, None).status()
    assert st["enabled"] and not st["ready"] and st["fix"] == "herd serve"
    assert "No Llamafile is configured" in st["message"]


def test_status_is_cached_and_reports_down_servers():
    fake = FakeServer(llama_server())
    try:
        ai = AIService(fake.url, fake.url)
        st = ai.status()
        assert st["ready"] and st["chat"]["dialect"].startswith("llama.cpp")
        n = len(fake.requests)
        ai.status()
        assert len(fake.requests) == n
    finally:
        fake.close()
    down = AIService(f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}")
    st = down.status()
    assert not st["ready"] and "Start it with" in st["message"] and st["fix"]


def test_api_ai_with_no_ai(client):
    st = client.get("/api/ai").get_json()
    assert st["enabled"] is False and st["ready"] is False and "--no-ai" in st["message"]


def test_api_ai_not_configured(tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "h.db"), "TESTING": True, "AI_ENABLED": True})
    st = app.test_client().get("/api/ai").get_json()
    assert st["enabled"] is True and st["ready"] is False and st["embed"] is None


def test_status_of_a_loading_server_says_loading():
    fake = FakeServer(llama_server({("GET", "/health"): lambda b: (
        503, {"error": {"code": 503, "message": "Loading model"}})}))
    try:
        st = AIService(fake.url, fake.url).status()
    finally:
        fake.close()
    assert not st["ready"] and "still loading" in st["message"]


def test_embedding_only_llamafile_gets_a_second_instance_for_chat(fake_llamafile, tmp_path,
                                                                  monkeypatch):
    monkeypatch.setenv("FAKE_EMBED_ONLY", "1")
    with runtime.start_llamafile(fake_llamafile, tmp_path) as urls:
        assert urls["EMBED_URL"] != urls["CHAT_URL"]
        from server.llamafile.chat import LlamafileChat
        from server.llamafile.protocols import ChatRequest

        req = ChatRequest(messages=[{"role": "user", "content": "hi"}])
        assert LlamafileChat(urls["CHAT_URL"]).complete(req) == " fruits"


def _fake_bundle(tmp_path: Path, script: str) -> models.Bundle:
    server = tmp_path / "llama-server"
    server.write_text(script)
    server.chmod(0o755)
    return models.Bundle(server, tmp_path / "chat.gguf", tmp_path / "embed.gguf")


def test_bundled_servers_start_together_and_stop(tmp_path, monkeypatch):
    b = _fake_bundle(tmp_path, f'#!/bin/sh\nexec "{sys.executable}" "{FAKE}" "$@"\n')
    monkeypatch.setattr(models, "bundle", lambda cache: b)
    with runtime.start_bundled(tmp_path) as urls:
        assert urls["EMBED_URL"] != urls["CHAT_URL"] and urls["AI_SOURCE"] == "bundled"
        pids = urls["AI_PIDS"]
        assert len(pids) == 2
    assert all(_gone(p) for p in pids)


def test_bundled_server_that_fails_reports_its_log(tmp_path, monkeypatch):
    b = _fake_bundle(tmp_path, "#!/bin/sh\necho 'failed to load model' >&2\nexit 1\n")
    monkeypatch.setattr(models, "bundle", lambda cache: b)
    with pytest.raises(LlamafileError) as ei:
        with runtime.start_bundled(tmp_path):
            pass
    assert ei.value.kind == "start_failed" and "failed to load model" in ei.value.message
