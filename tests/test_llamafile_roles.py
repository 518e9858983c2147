"""One Llamafile for both roles: which model embeds and which names, and the sentence why."""

from __future__ import annotations

import contextlib
import json

import pytest
from llamafile_fake import FakeServer, llama_server, ok, old_llamafile

from server.llamafile import assign as assign_mod
from server.llamafile import runtime
from server.llamafile.choose import CHAT, EMBEDDING, PROBE, classify
from server.llamafile.client import Server
from server.llamafile.errors import LlamafileError
from server.llamafile.service import AIService

REFUSE = (501, {"error": {"code": 501, "message": "This server does not support completions."}})


TOPICAL = {PROBE[0]: [1.0, 0.0, 0.0], PROBE[1]: [0.0, 1.0, 0.0], PROBE[2]: [0.0, 0.0, 1.0],
           PROBE[3]: [0.0, 0.3, 1.0], PROBE[4]: [1.0, 0.0, 0.5]}
WORDY = {**TOPICAL, PROBE[3]: [0.6, 0.0, 1.0], PROBE[4]: [0.5, 0.0, 1.0]}


def _apart(text: str, table: dict = TOPICAL) -> list[float]:
    """Vectors an embedding model would give: unrelated sentences apart, topics together."""
    return table.get(text, [0.2, 0.2, 0.2])


def _pooled_embedding(body):
    c = body["content"]
    items = c if isinstance(c, list) else [c]
    return 200, [{"index": i, "embedding": [_apart(t)]} for i, t in enumerate(items)]


def _per_token_embedding(body):
    c = body["content"]
    items = c if isinstance(c, list) else [c]
    return 200, [{"index": i, "embedding": [_apart(t), [0.5, 0.5, 0.5], [0.2, 0.1, 0.9]]}
                 for i, t in enumerate(items)]


@pytest.fixture
def serve():
    servers: list[FakeServer] = []

    def start(routes: dict) -> FakeServer:
        servers.append(FakeServer(routes))
        return servers[-1]

    yield start
    for s in servers:
        s.close()


def _props(**extra) -> dict:
    return {"total_slots": 2, "model_path": "/m/model.gguf", "build_info": "b1", **extra}


@pytest.mark.parametrize("over, reason", [
    ({("GET", "/props"): ok(_props(bos_token="[CLS]"))}, "WordPiece"),
    ({("GET", "/v1/models"): ok({"data": [{"id": "m", "meta": {"vocab_type": 3}}]})},
     "WordPiece"),
    ({("GET", "/props"): ok(_props(pooling="mean"))}, "pools its vectors (mean)"),
    ({("GET", "/props"): ok(_props(**{"general.architecture": "nomic-bert"}))}, "nomic-bert"),
    ({("POST", "/completion"): lambda b: REFUSE}, "refuses completions"),
])
def test_metadata_or_refusal_names_an_embedding_model(serve, over, reason):
    fake = serve(llama_server({("GET", "/props"): ok(_props()), **over}))
    verdict = classify(Server(fake.url))
    assert verdict.kind == EMBEDDING and reason in verdict.reason
    assert not fake.calls("/embedding")  # metadata was enough: no probe


def test_refusal_does_not_count_when_herd_asked_for_embeddings_only(serve):
    fake = serve(llama_server({("GET", "/props"): ok(_props()),
                               ("POST", "/completion"): lambda b: REFUSE,
                               ("POST", "/embedding"): _per_token_embedding}))
    verdict = classify(Server(fake.url), refusal_counts=False)
    assert verdict.kind == CHAT and "one vector per token" in verdict.reason


def test_probe_per_token_vectors_mean_a_chat_model(serve):
    fake = serve(llama_server({("POST", "/embedding"): _per_token_embedding}))
    verdict = classify(Server(fake.url))
    assert verdict.kind == CHAT
    assert fake.calls("/embedding")[0] == {"content": list(PROBE)}


def test_probe_nearly_identical_vectors_mean_a_chat_model(serve):
    # The fake's vectors are [len, vowels, 1]: the two probe sentences come out ~0.99 alike.
    fake = serve(old_llamafile())
    verdict = classify(Server(fake.url))
    assert verdict.kind == CHAT and "alike in cosine" in verdict.reason


def test_probe_vectors_that_separate_topics_mean_an_embedding_model(serve):
    fake = serve(llama_server({("POST", "/embedding"): _pooled_embedding}))
    verdict = classify(Server(fake.url))
    assert verdict.kind == EMBEDDING and "sentences 0.00 alike" in verdict.reason


def test_probe_vectors_that_follow_words_mean_a_chat_model(serve):
    def wordy(body):
        return 200, [{"index": i, "embedding": [_apart(t, WORDY)]}
                     for i, t in enumerate(body["content"])]

    fake = serve(llama_server({("POST", "/embedding"): wordy}))
    verdict = classify(Server(fake.url))
    assert verdict.kind == CHAT and "follow words, not topics" in verdict.reason


def test_a_server_with_embeddings_off_is_a_chat_model(serve):
    fake = serve(llama_server({("POST", "/embedding"): lambda b: (
        501, {"error": "This server does not support embeddings. Start it with --embeddings"})}))
    assert classify(Server(fake.url)).kind == CHAT


@pytest.fixture
def bundled(serve, monkeypatch):
    """Fake bundled servers: records which roles were started."""
    started: list[tuple[str, ...]] = []
    embed = serve(llama_server({("POST", "/embedding"): _pooled_embedding}))
    chat = serve(llama_server())

    @contextlib.contextmanager
    def fake(cfg, roles):
        started.append(roles)
        urls = {"embed": embed.url, "chat": chat.url}
        yield {f"{r.upper()}_URL": urls[r] for r in roles}

    monkeypatch.setattr(assign_mod, "_bundled", fake)
    return {"embed": embed.url, "chat": chat.url, "started": started}


def _run(url: str, **cfg):
    with runtime.servers_for({"LLAMAFILE_URL": url, "CACHE_DIR": "/nonexistent", **cfg}) as u:
        return u


def test_chat_llamafile_names_and_the_bundled_model_embeds(serve, bundled, capsys):
    yours = serve(llama_server({("POST", "/embedding"): _per_token_embedding}))
    urls = _run(yours.url)
    assert urls["EMBED_URL"] == bundled["embed"] and urls["CHAT_URL"] == yours.url
    assert bundled["started"] == [("embed",)]
    roles = urls["AI_ROLES"]
    assert roles["embed"] == {"by": "bundled", "model": "all-MiniLM-L6-v2"}
    assert roles["chat"] == {"by": "yours", "model": "SmolLM2-135M-Instruct.Q4_1.gguf"}
    assert "one vector per token" in roles["note"] and "--embed-with llamafile" in roles["note"]
    assert roles["note"] in capsys.readouterr().out  # the start-up line


def test_embedding_llamafile_embeds_and_the_bundled_model_names(serve, bundled):
    yours = serve(llama_server({("GET", "/props"): ok(_props(bos_token="[CLS]"))}))
    urls = _run(yours.url)
    assert urls["EMBED_URL"] == yours.url and urls["CHAT_URL"] == bundled["chat"]
    assert bundled["started"] == [("chat",)]
    assert urls["AI_ROLES"]["chat"]["by"] == "bundled"
    assert "--chat-url" in urls["AI_ROLES"]["note"]


def test_embedding_llamafile_with_a_chat_url_starts_nothing(serve, bundled):
    yours = serve(llama_server({("GET", "/props"): ok(_props(bos_token="[CLS]"))}))
    urls = _run(yours.url, CHAT_URL="http://127.0.0.1:9")
    assert (urls["EMBED_URL"], urls["CHAT_URL"]) == (yours.url, "http://127.0.0.1:9")
    assert bundled["started"] == [] and urls["AI_ROLES"]["chat"]["by"] == "given"


def test_embed_with_llamafile_brings_back_one_model_for_both(serve, bundled):
    yours = serve(llama_server({("POST", "/embedding"): _per_token_embedding}))
    urls = _run(yours.url, EMBED_WITH="llamafile")
    assert urls["EMBED_URL"] == urls["CHAT_URL"] == yours.url
    assert bundled["started"] == [] and urls["AI_ROLES"]["note"] is None
    assert not yours.calls("/embedding")  # no probe when the user decided


def test_embed_with_bundled_overrides_an_embedding_model(serve, bundled):
    yours = serve(llama_server({("GET", "/props"): ok(_props(bos_token="[CLS]"))}))
    urls = _run(yours.url, EMBED_WITH="bundled")
    assert urls["EMBED_URL"] == bundled["embed"] and urls["CHAT_URL"] == yours.url
    assert "--embed-with bundled" in urls["AI_ROLES"]["note"]


def test_explicit_embed_url_wins_over_the_choice(serve, bundled):
    yours = serve(llama_server({("POST", "/embedding"): _per_token_embedding}))
    cfg = {"LLAMAFILE_URL": yours.url, "EMBED_URL": yours.url}
    with runtime.servers_for(cfg) as urls:
        assert urls["EMBED_URL"] == urls["CHAT_URL"] == yours.url
    assert bundled["started"] == [] and not yours.calls("/embedding")


def test_without_the_bundle_the_users_model_does_both_and_says_why(serve, monkeypatch):
    @contextlib.contextmanager
    def missing(cfg, roles):
        raise LlamafileError("not_prepared", "not ready")
        yield  # pragma: no cover

    monkeypatch.setattr(assign_mod, "_bundled", missing)
    yours = serve(llama_server({("POST", "/embedding"): _per_token_embedding}))
    urls = _run(yours.url)
    assert urls["EMBED_URL"] == urls["CHAT_URL"] == yours.url
    assert "herd models prepare" in urls["AI_ROLES"]["note"]


def test_a_silent_server_is_used_as_given():
    urls = _run("http://127.0.0.1:9")
    assert urls["EMBED_URL"] == urls["CHAT_URL"] == "http://127.0.0.1:9"
    assert urls["AI_ROLES"]["note"] is None


def test_ai_status_says_which_model_does_which_role(serve, bundled):
    yours = serve(llama_server({("POST", "/embedding"): _per_token_embedding}))
    urls = _run(yours.url)
    st = AIService(urls["EMBED_URL"], urls["CHAT_URL"], roles=urls["AI_ROLES"]).status()
    assert st["ready"] and st["roles"] == urls["AI_ROLES"]
    assert st["embed"]["url"] == bundled["embed"] and st["chat"]["url"] == yours.url


def test_models_status_says_which_model_does_which_role(serve, bundled, monkeypatch, capsys):
    from server import cli
    from server.llamafile import models

    monkeypatch.setattr(models, "status", lambda cache, verify=False: {
        k: {"ready": True, "path": f"/c/{k}"} for k in ("llama-server", "chat", "embed")})
    yours = serve(llama_server({("POST", "/embedding"): _per_token_embedding}))
    assert cli.main(["models", "status", "--llamafile-url", yours.url]) == 0
    out = capsys.readouterr().out
    assert "embeds        all-MiniLM-L6-v2 (bundled)" in out
    assert "names         SmolLM2-135M-Instruct.Q4_1.gguf (yours)" in out
    assert "--embed-with llamafile" in out
    assert cli.main(["models", "status", "--json", "--llamafile-url", yours.url]) == 0
    assert json.loads(capsys.readouterr().out)["roles"]["embed"]["by"] == "bundled"
