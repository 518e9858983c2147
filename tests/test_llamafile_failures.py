"""Each failure becomes one LlamafileError whose message says what to do; retries only if safe."""

from __future__ import annotations

import pytest
from llamafile_fake import CLOSE, FakeServer, llama_server, old_llamafile, slow

from server.llamafile.chat import LlamafileChat
from server.llamafile.client import Server
from server.llamafile.embed import LlamafileEmbedder
from server.llamafile.errors import LlamafileError
from server.llamafile.procs import free_port
from server.llamafile.protocols import ChatRequest

REQ = ChatRequest(messages=[{"role": "user", "content": "hi"}])


class FakeTime:
    """Stands in for the client's `time`: sleeping moves the clock instead of waiting, so how
    long the client would wait is checked exactly, with no wall-clock bound in the test."""

    def __init__(self) -> None:
        self.now, self.slept = 0.0, []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time(monkeypatch) -> FakeTime:
    from server.llamafile import client

    ft = FakeTime()
    monkeypatch.setattr(client, "time", ft)
    return ft


@pytest.fixture
def serve():
    started = []

    def start(routes):
        srv = FakeServer(routes)
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.close()


def _error(fn) -> LlamafileError:
    with pytest.raises(LlamafileError) as ei:
        fn()
    return ei.value


def test_unreachable_says_how_to_start_it_and_is_quick(fake_time):
    url = f"http://127.0.0.1:{free_port()}"
    err = _error(lambda: LlamafileEmbedder(url).embed(["x"]))
    assert err.kind == "unreachable" and err.url == url
    assert "Start it with:" in err.message and "--embedding" in err.message
    # Refused connections are retried with backoff for the retry window (2 s), no longer.
    assert fake_time.slept and sum(fake_time.slept) <= Server(url).retry_window
    assert fake_time.slept[:3] == [0.1, 0.2, 0.4]


def test_start_hint_is_used_when_given():
    srv = Server(f"http://127.0.0.1:{free_port()}", start_hint="herd serve", retry_window=0)
    assert "Start it with: herd serve" in _error(srv.info).message


def test_loading_server_is_waited_for(serve):
    calls = {"n": 0}

    def health(body):
        calls["n"] += 1
        return (503, {"error": {"message": "Loading model"}}) if calls["n"] < 3 else (200, {})

    fake = serve(llama_server({("GET", "/health"): health}))
    assert LlamafileEmbedder(fake.url).embed(["x"]).shape == (1, 3)
    assert calls["n"] == 3


def test_loading_too_long_says_so(serve):
    fake = serve(llama_server({("GET", "/health"): lambda b: (503, {"error": "Loading model"})}))
    err = _error(lambda: Server(fake.url, load_wait=0.3).info())
    assert err.kind == "loading" and "still loading" in err.message


def test_embeddings_disabled(serve):
    msg = "This server does not support embeddings. Start it with `--embeddings`"
    fake = serve(llama_server({("POST", "/embedding"): lambda b: (
        501, {"error": {"code": 501, "message": msg, "type": "not_supported_error"}})}))
    err = _error(lambda: LlamafileEmbedder(fake.url).embed(["x"]))
    assert err.kind == "embeddings_disabled" and "Restart it with --embedding" in err.message


def test_all_zero_vectors_mean_embeddings_were_off(serve):
    fake = serve(old_llamafile({("POST", "/embedding"): lambda b: (
        200, {"results": [{"embedding": [0.0, 0.0, 0.0]} for _ in b["content"]]})}))
    err = _error(lambda: LlamafileEmbedder(fake.url).embed(["x", "y"]))
    assert err.kind == "zero_vectors" and "--embedding" in err.message


@pytest.mark.parametrize("status,message", [
    (501, "This server does not support completions. Start it without `--embeddings`"),
    (500, "the current context does not support logits computation. skipping"),
])
def test_chat_refused_by_embedding_server(serve, status, message):
    fake = serve(llama_server({("POST", "/completion"): lambda b: (
        status, {"error": {"code": status, "message": message}})}))
    err = _error(lambda: LlamafileChat(fake.url).complete(REQ))
    assert err.kind == "chat_refused" and "--chat-url" in err.message


def test_input_too_large_names_the_note_and_the_limit(serve):
    def embedding(body):
        for t in body["content"]:
            if len(t) > 20:
                return 500, {"error": {"code": 500, "message":
                             f"input ({len(t)} tokens) is too large to process. increase the "
                             "physical batch size (current batch size: 16)"}}
        return llama_server()[("POST", "/embedding")](body)

    fake = serve(llama_server({("POST", "/embedding"): embedding}))
    texts = ["short", "fine", "x" * 30, "ok"]
    err = _error(lambda: LlamafileEmbedder(fake.url, batch_size=4).embed(texts))
    assert err.kind == "input_too_large"
    assert err.details == {"index": 2, "tokens": 30, "limit": 16}
    assert "Note 3" in err.message and "at most 16 tokens" in err.message


def test_timeout_is_clear_and_not_retried(serve):
    fake = serve(llama_server({("POST", "/embedding"): slow(2, lambda b: (200, []))}))
    srv = Server(fake.url, timeout=0.3)
    srv.info()
    err = _error(lambda: LlamafileEmbedder(srv).embed(["x"]))
    assert err.kind == "timeout" and "did not answer" in err.message
    assert len(fake.calls("/embedding")) == 1  # a slow answer is not asked for twice


def test_connection_dropped_once_is_retried(serve):
    calls = {"n": 0}

    def flaky(body):
        calls["n"] += 1
        return (200, CLOSE) if calls["n"] == 1 else llama_server()[("POST", "/embedding")](body)

    fake = serve(llama_server({("POST", "/embedding"): flaky}))
    assert LlamafileEmbedder(fake.url).embed(["x"]).shape == (1, 3)
    assert calls["n"] == 2


def test_server_dying_mid_request_gives_unreachable_quickly(serve, fake_time):
    fake = serve(llama_server())
    emb = LlamafileEmbedder(fake.url)
    emb.embed(["warm"])

    def die(body):
        fake.httpd.server_close()  # the listening socket goes: later connects are refused
        return 200, CLOSE

    fake.routes[("POST", "/embedding")] = die
    err = _error(lambda: emb.embed(["new text"]))
    assert err.kind == "unreachable"
    assert sum(fake_time.slept) <= emb.server.retry_window  # retried briefly, then told


def test_not_json_is_a_bad_response(serve):
    fake = serve(llama_server({("POST", "/embedding"): lambda b: (200, "<html>hello</html>")}))
    err = _error(lambda: LlamafileEmbedder(fake.url).embed(["x"]))
    assert err.kind == "bad_response" and "Llamafile" in err.message


def test_unknown_shape_is_a_bad_response(serve):
    fake = serve(llama_server({("POST", "/embedding"): lambda b: (200, {"vectors": []})}))
    assert _error(lambda: LlamafileEmbedder(fake.url).embed(["x"])).kind == "bad_response"


def test_wrong_count_is_a_bad_response(serve):
    fake = serve(old_llamafile({("POST", "/embedding"): lambda b: (
        200, {"results": [{"embedding": [1.0, 0.0]}] * 3})}))
    assert _error(lambda: LlamafileEmbedder(fake.url).embed(["x", "y"])).kind == "bad_response"


def test_other_http_errors_carry_status_and_message(serve):
    fake = serve(llama_server({("POST", "/completion"): lambda b: (
        400, {"error": {"message": "bad n_predict"}})}))
    err = _error(lambda: LlamafileChat(fake.url).complete(REQ))
    assert err.kind == "server_error" and "HTTP 400" in err.message
    assert "bad n_predict" in err.message


def test_complete_many_returns_errors_in_place(serve):
    def reply(body):
        if "boom" in body["prompt"]:
            return 400, {"error": {"message": "nope"}}
        return 200, {"content": "ok"}

    fake = serve(llama_server({("POST", "/completion"): reply}))
    reqs = [REQ, ChatRequest(messages=[{"role": "user", "content": "boom"}]), REQ]
    out = LlamafileChat(fake.url).complete_many(reqs)
    assert out[0] == "ok" and out[2] == "ok" and isinstance(out[1], LlamafileError)
