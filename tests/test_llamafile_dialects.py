"""Each server dialect, against a fake server on loopback: detection, embeddings, completions."""

from __future__ import annotations

import time

import numpy as np
import pytest
from llamafile_fake import (
    FakeServer,
    llama_server,
    llamafiler,
    ok,
    old_llamafile,
    openai_compatible,
    slow,
    vec,
)

from server.llamafile import chat as chat_mod
from server.llamafile import client
from server.llamafile.chat import LlamafileChat
from server.llamafile.embed import LlamafileEmbedder, parse_embeddings
from server.llamafile.protocols import ChatRequest

TEXTS = ["apples", "a banana", "", "kiwi fruit salad", "apples"]
REQ = ChatRequest(messages=[{"role": "user", "content": "apples, pears?"}], prefill="They are all")


@pytest.fixture
def fake(request):
    srv = FakeServer(request.param())
    yield srv
    srv.close()


def _expected(texts):
    m = np.array([vec(t) for t in texts], dtype=np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


PRESETS = [
    (old_llamafile, client.OLD, "TinyLlama-1.1B-Chat-v1.0.Q5_K_M.gguf", 2, "zephyr"),
    (llamafiler, client.V2, "all-MiniLM-L6-v2.Q8_0.gguf", 2, None),
    (llama_server, client.LLAMA_SERVER, "SmolLM2-135M-Instruct.Q4_1.gguf", 4, "chatml"),
    (openai_compatible, client.OPENAI, "nomic-embed-text:latest", 4, None),
]


@pytest.mark.parametrize(
    "fake,dialect,model,slots,template", PRESETS, indirect=["fake"], ids=lambda p: str(p)[:12]
)
def test_detects_dialect_model_slots_template(fake, dialect, model, slots, template):
    info = client.Server(fake.url).info()
    assert (info.dialect, info.model, info.slots, info.template) == (
        dialect, model, slots, template
    )


@pytest.mark.parametrize("fake", [p[0] for p in PRESETS], indirect=True)
def test_embeddings_in_order_normalised(fake):
    v = LlamafileEmbedder(fake.url, batch_size=2).embed(TEXTS)
    assert v.dtype == np.float32 and v.shape == (5, 3)
    assert np.allclose(v, _expected(TEXTS), atol=1e-6)


@pytest.mark.parametrize("fake", [old_llamafile, llama_server], indirect=True)
def test_llamacpp_dialects_batch_through_embedding(fake):
    LlamafileEmbedder(fake.url, batch_size=3).embed([f"t{i}" for i in range(7)])
    assert sorted(len(b["content"]) for b in fake.calls("/embedding")) == [1, 3, 3]


@pytest.mark.parametrize("fake", [llamafiler], indirect=True)
def test_llamafiler_batches_through_v1_embeddings(fake):
    LlamafileEmbedder(fake.url, batch_size=4).embed([f"t{i}" for i in range(6)])
    assert sorted(len(b["input"]) for b in fake.calls("/v1/embeddings")) == [2, 4]
    assert fake.calls("/embedding") == [{"content": "probe"}]  # detection only


@pytest.mark.parametrize("fake", [llama_server], indirect=True)
def test_cache_means_unchanged_notes_are_not_embedded_twice(fake):
    e = LlamafileEmbedder(fake.url)
    first = e.embed(["a", "b"])
    again = e.embed(["b", "a", "c"])
    assert [b["content"] for b in fake.calls("/embedding")] == [["a", "b"], ["c"]]
    assert np.allclose(again[0], first[1]) and np.allclose(again[1], first[0])


def test_batches_run_concurrently_up_to_slots():
    fake = FakeServer(llama_server({
        ("POST", "/embedding"): slow(0.2, llama_server()[("POST", "/embedding")])
    }))
    try:
        LlamafileEmbedder(fake.url, batch_size=1).embed([f"t{i}" for i in range(8)])
    finally:
        fake.close()
    # Four calls were in flight at once (the server's total_slots), never more.
    assert fake.max_active == 4


def test_parse_per_token_vectors_are_mean_pooled():
    vecs, dialect = parse_embeddings([{"index": 0, "embedding": [[1.0, 0.0], [3.0, 2.0]]}])
    assert dialect == client.LLAMA_SERVER
    assert np.allclose(vecs[0], [2.0, 1.0])


@pytest.mark.parametrize("fake", [llama_server], indirect=True)
def test_llama_server_completion_renders_template_with_prefill(fake):
    out = LlamafileChat(fake.url).complete(REQ)
    assert out == " fruits"
    body = fake.calls("/completion")[0]
    assert body["prompt"].endswith("<|im_start|>assistant\nThey are all")
    assert "<|im_end|>" in body["stop"] and body["n_predict"] == 16


@pytest.mark.parametrize("fake", [old_llamafile], indirect=True)
def test_old_llamafile_uses_model_name_template(fake):
    LlamafileChat(fake.url).complete(REQ)
    assert fake.calls("/completion")[0]["prompt"].endswith("<|assistant|>\nThey are all")


def unidentified_old_llamafile() -> dict:
    """An old llamafile whose /props names no model or template, with no /v1/* routes."""
    routes = old_llamafile()
    routes[("GET", "/props")] = ok({"total_slots": 2})
    del routes[("GET", "/v1/models")]
    del routes[("POST", "/v1/chat/completions")]
    return routes


@pytest.mark.parametrize("fake", [unidentified_old_llamafile], indirect=True)
def test_old_llamafile_it_cannot_identify_falls_back_to_a_generic_completion(fake):
    chat = LlamafileChat(fake.url)
    assert chat.route().startswith("/v1/chat/completions")  # what it tries first
    assert chat.complete(REQ) == " fruits"
    body = fake.calls("/completion")[0]
    assert body["prompt"] == "User: apples, pears?\n\nAssistant: They are all"
    assert "\nUser:" in body["stop"]
    assert chat.complete(REQ) == " fruits"
    # The 404 is learned once: the second request goes straight to /completion.
    assert len(fake.calls("/v1/chat/completions")) == 1 and len(fake.calls("/completion")) == 2
    assert chat.route() == chat_mod.GENERIC_VIA


@pytest.mark.parametrize("fake", [unidentified_old_llamafile], indirect=True)
def test_the_ai_status_says_which_way_it_talks_to_the_server(fake):
    from server.llamafile.service import AIService

    ai = AIService(fake.url, fake.url)
    ai.chat.complete(REQ)
    status = ai.status()
    assert status["ready"] and status["chat"]["dialect"] == client.OLD
    assert status["chat"]["via"] == chat_mod.GENERIC_VIA
    assert "generic" in status["chat"]["via"]


@pytest.mark.parametrize("fake", [llama_server], indirect=True)
def test_the_ai_status_names_the_template_route(fake):
    from server.llamafile.service import AIService

    status = AIService(fake.url, fake.url).status()
    assert status["chat"]["via"] == "/completion with the chatml template"


@pytest.mark.parametrize("fake", [llamafiler], indirect=True)
def test_llamafiler_without_known_template_uses_chat_completions(fake):
    assert LlamafileChat(fake.url).complete(REQ) == " fruits"
    msgs = fake.calls("/v1/chat/completions")[0]["messages"]
    assert msgs[-1] == {"role": "assistant", "content": "They are all"}


@pytest.mark.parametrize("fake", [openai_compatible], indirect=True)
def test_openai_prefill_echo_is_stripped(fake):
    fake.routes[("POST", "/v1/chat/completions")] = lambda b: (
        200, {"choices": [{"message": {"content": "They are all fruits"}}]})
    assert LlamafileChat(fake.url).complete(REQ) == " fruits"
    assert fake.calls("/v1/chat/completions")[0]["model"] == "nomic-embed-text:latest"


def test_llama_server_unknown_template_uses_apply_template():
    routes = llama_server()
    routes[("GET", "/props")] = lambda b: (200, {"total_slots": 1, "build_info": "x",
                                                 "model_path": "weird.gguf"})
    fake = FakeServer(routes)
    try:
        LlamafileChat(fake.url).complete(REQ)
    finally:
        fake.close()
    assert fake.calls("/completion")[0]["prompt"] == "<templated>They are all"


def test_complete_many_is_concurrent_and_ordered():
    def reply(body):
        time.sleep(0.2)
        return 200, {"content": body["prompt"][-1]}

    fake = FakeServer(llama_server({("POST", "/completion"): reply}))
    try:
        reqs = [ChatRequest(messages=[{"role": "user", "content": "x"}], prefill=str(i))
                for i in range(8)]
        seen: list[int] = []
        out = LlamafileChat(fake.url).complete_many(reqs, progress=seen.append)
    finally:
        fake.close()
    assert out == [str(i) for i in range(8)]
    assert fake.max_active == 4
    assert seen == list(range(1, 9))  # one tick per finished request, on the calling thread


def test_complete_many_drops_unsent_requests_when_progress_raises():
    """How a Cancel reaches the naming stage: the prompts not yet sent are never sent."""

    def reply(body):
        time.sleep(0.3)  # long enough that no third wave starts before the cancel
        return 200, {"content": "x"}

    class Stop(Exception):
        pass

    def progress(n):
        if n == 2:
            raise Stop

    fake = FakeServer(llama_server({("POST", "/completion"): reply}))
    try:
        reqs = [ChatRequest(messages=[{"role": "user", "content": "x"}]) for _ in range(16)]
        with pytest.raises(Stop):
            LlamafileChat(fake.url).complete_many(reqs, progress=progress)
        time.sleep(1.0)  # let the requests already on the wire finish
        sent = len(fake.calls("/completion"))
    finally:
        fake.close()
    # The first wave of 4 (one per slot) and, at worst, the 4 the freed slots took at once;
    # never the other 8.
    assert 2 <= sent <= 8


def test_disk_cache_survives_a_restart(tmp_path):
    from server.llamafile.cache import EmbeddingCache

    fake = FakeServer(llama_server())
    try:
        first = LlamafileEmbedder(fake.url, cache=EmbeddingCache(path=tmp_path / "e.db"))
        a = first.embed(["alpha", "beta"])
        again = LlamafileEmbedder(fake.url, cache=EmbeddingCache(path=tmp_path / "e.db"))
        b = again.embed(["beta", "alpha"])
    finally:
        fake.close()
    assert len(fake.calls("/embedding")) == 1
    assert np.allclose(a[::-1], b)


@pytest.mark.parametrize("fake", [openai_compatible], indirect=True)
def test_model_can_be_named_in_the_url(fake):
    LlamafileEmbedder(fake.url + "#all-minilm").embed(["x"])
    assert fake.calls("/v1/embeddings")[0]["model"] == "all-minilm"


def test_a_server_restarted_with_another_model_is_noticed():
    routes = llama_server()
    fake = FakeServer(routes)
    try:
        srv = client.Server(fake.url)
        assert srv.info().model == "SmolLM2-135M-Instruct.Q4_1.gguf"
        routes[("GET", "/props")] = lambda b: (200, {"model_path": "other.gguf", "build_info": "x"})
        assert srv.info().model == "SmolLM2-135M-Instruct.Q4_1.gguf"  # remembered...
        srv.info_ttl = 0
        assert srv.info().model == "other.gguf"  # ...but not forever
    finally:
        fake.close()


def test_nothing_to_embed_asks_nobody():
    assert LlamafileEmbedder("http://127.0.0.1:9").embed([]).shape[0] == 0


@pytest.mark.parametrize("fake", [unidentified_old_llamafile], indirect=True)
def test_organize_works_against_an_old_llamafile_it_cannot_identify(fake):
    from server.organize.pipeline import organize

    notes = [{"id": i, "text": t} for i, t in enumerate(
        ["apples", "pears", "plums", "a long note about taxes", "another long note on taxes",
         "a third long note about tax"])]
    result = organize(notes, LlamafileEmbedder(fake.url), LlamafileChat(fake.url), k=2)
    assert sum(len(g.note_ids) for g in result.groups) == 6
    assert fake.calls("/completion")  # named through the generic prompt, not a 404


def _gemma_base_routes() -> dict:
    """llama-server with a base model: no template in its GGUF, so /props shows the ChatML
    fallback, whose `<|im_start|>` the model's vocabulary splits into pieces."""
    routes = llama_server()
    routes[("GET", "/props")] = ok({
        "total_slots": 4, "model_path": "/cache/gemma-3-270m-q4_k_m.gguf",
        "chat_template": "{{- '<|im_start|>' + message.role + '\n' -}}", "build_info": "b0"})
    routes[("POST", "/tokenize")] = lambda b: (200, {"tokens": [236820, 236909, 548, 236779]})
    return routes


def test_a_base_model_behind_the_chatml_fallback_gets_a_plain_text_prompt():
    fake = FakeServer(_gemma_base_routes())
    try:
        chat = LlamafileChat(fake.url)
        request = ChatRequest([{"role": "user", "content": "Q\n- a"},
                               {"role": "assistant", "content": "They are all x."},
                               {"role": "user", "content": "Q\n- b"}], "They are all")
        assert chat.complete(request) == " fruits"
        prompt = fake.calls("/completion")[0]["prompt"]
        assert prompt == "Q\n- a\nThey are all x.\n\nQ\n- b\nThey are all"
        assert "<|im_start|>" not in prompt and chat.plain
        assert "plain" in chat.route()
    finally:
        fake.close()


def test_a_model_with_its_own_template_keeps_it():
    routes = llama_server()
    routes[("POST", "/tokenize")] = lambda b: (200, {"tokens": [1]})  # one special token
    fake = FakeServer(routes)
    try:
        chat = LlamafileChat(fake.url)
        chat.complete(ChatRequest([{"role": "user", "content": "hi"}], "They are all"))
        assert not chat.plain
        assert fake.calls("/completion")[0]["prompt"].startswith("<|im_start|>user")
    finally:
        fake.close()
