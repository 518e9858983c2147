"""Several servers for one role: calls spread, a dead one is skipped until it answers again."""

from __future__ import annotations

import numpy as np
import pytest
from llamafile_fake import FakeServer, llama_server, slow, vec

from server.llamafile import pool as pool_mod
from server.llamafile.chat import LlamafileChat
from server.llamafile.client import Server
from server.llamafile.embed import LlamafileEmbedder
from server.llamafile.errors import LlamafileError
from server.llamafile.pool import ServerPool, connect, split_urls
from server.llamafile.procs import free_port
from server.llamafile.protocols import ChatRequest
from server.llamafile.service import AIService


class Clock:
    """A clock the test moves by hand, so rests are checked without waiting for them."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fakes():
    started: list[FakeServer] = []

    def start(n: int, routes=None, port: int = 0) -> list[FakeServer]:
        out = [FakeServer(routes or llama_server(), port=port) for _ in range(n)]
        started.extend(out)
        return out

    yield start
    for srv in started:
        srv.close()


def _texts(n: int) -> list[str]:
    return [f"note {i}" for i in range(n)]


def test_one_url_is_a_server_several_are_a_pool():
    assert isinstance(connect("http://127.0.0.1:1", role="embed"), Server)
    both = connect(" http://127.0.0.1:1 , http://127.0.0.1:2#m ", role="chat")
    assert isinstance(both, ServerPool)
    assert both.url == "http://127.0.0.1:1, http://127.0.0.1:2"
    assert split_urls("a,,b, ") == ["a", "b"]
    assert isinstance(LlamafileEmbedder("http://127.0.0.1:1,http://127.0.0.1:2").server, ServerPool)


def test_embedding_calls_spread_over_every_server_and_slots_add_up(fakes):
    slow_embed = slow(0.05, llama_server()[("POST", "/embedding")])
    a, b = fakes(2, llama_server({("POST", "/embedding"): slow_embed}))
    emb = LlamafileEmbedder(f"{a.url},{b.url}", batch_size=1)
    assert emb.server.info().slots == 8  # 4 + 4: as many calls at once as both can take
    vecs = emb.embed_uncached(_texts(16))
    want = np.array([vec(t) for t in _texts(16)])
    want /= np.linalg.norm(want, axis=1, keepdims=True)
    assert np.allclose(vecs, want)  # order kept across servers
    na, nb = len(a.calls("/embedding")), len(b.calls("/embedding"))
    assert na + nb == 16 and na >= 4 and nb >= 4


def test_a_dead_server_is_skipped_and_used_again_once_it_answers(fakes):
    clock = Clock()
    a, b = fakes(2)
    port_b = int(b.url.rsplit(":", 1)[1])
    emb = LlamafileEmbedder(ServerPool([a.url, b.url], role="embed", clock=clock), batch_size=1)
    emb.embed_uncached(_texts(4))
    b.close()  # b dies: its port now refuses connections

    out = emb.embed_uncached(_texts(6))
    assert out.shape == (6, 3)  # nothing lost: every call that met b went to a
    members = {m["url"]: m for m in emb.server.members()}
    assert members[b.url]["ready"] is False and "No Llamafile answers" in members[b.url]["message"]
    before = len(a.calls("/embedding"))
    emb.embed_uncached(_texts(6))
    assert len(a.calls("/embedding")) - before == 6  # b rests: nothing is tried on it

    back = fakes(1, port=port_b)[0]  # b answers again on the same port...
    clock.now += pool_mod.MAX_COOLDOWN  # ...and its rest is over
    emb.embed_uncached(_texts(8))
    assert back.calls("/embedding")  # so it gets calls again
    assert all(m["ready"] for m in emb.server.members())


def test_a_server_that_fails_again_rests_longer(fakes):
    clock = Clock()
    (a,) = fakes(1)
    dead = f"http://127.0.0.1:{free_port()}"
    pool = ServerPool([dead, a.url], role="embed", clock=clock)
    rests, dead_member = [], pool._members[0]
    for _ in range(12):
        fails = dead_member.fails
        pool.post_json("/embedding", {"content": ["x"]})  # always answered (by a)
        if dead_member.fails > fails:
            rest = dead_member.down_until - clock.now
            rests.append(rest)
            clock.now += rest  # the rest ends: a later call tries the dead one again
    assert len(a.calls("/embedding")) == 12
    assert rests[:3] == [pool_mod.COOLDOWN, 2 * pool_mod.COOLDOWN, 4 * pool_mod.COOLDOWN]


def test_all_dead_is_one_clear_error(fakes):
    urls = [f"http://127.0.0.1:{free_port()}" for _ in range(2)]
    err = pytest.raises(LlamafileError, LlamafileEmbedder(",".join(urls)).embed, ["x"]).value
    assert err.kind == "unreachable"
    assert "any of" in err.message and all(u in err.message for u in urls)


def test_a_request_error_is_not_retried_elsewhere(fakes):
    refuse = lambda b: (400, {"error": {"message": "bad input"}})  # noqa: E731
    a, b = fakes(2, llama_server({("POST", "/embedding"): refuse}))
    err = pytest.raises(LlamafileError, LlamafileEmbedder(f"{a.url},{b.url}").embed, ["x"]).value
    assert err.kind == "server_error"
    assert len(a.calls("/embedding")) + len(b.calls("/embedding")) == 1  # the call, not a server


def test_a_server_with_another_model_is_left_out(fakes):
    (a,) = fakes(1)
    other_props = dict(llama_server()[("GET", "/props")](None)[1],
                       model_path="/m/nomic-embed-text.gguf")
    (b,) = fakes(1, llama_server({("GET", "/props"): lambda body: (200, other_props)}))
    emb = LlamafileEmbedder(f"{a.url},{b.url}", batch_size=1)
    emb.embed_uncached(_texts(6))
    assert not b.calls("/embedding")  # mixing two models' vectors would group nonsense
    assert emb.server.info().slots == 4
    msg = {m["url"]: m["message"] for m in emb.server.members()}[b.url]
    assert "nomic-embed-text" in msg


def test_chat_spreads_too_and_the_status_lists_each_server(fakes):
    a, b = fakes(2)
    dead = f"http://127.0.0.1:{free_port()}"
    ai = AIService(f"{a.url},{b.url}", f"{a.url},{b.url},{dead}")
    req = ChatRequest(messages=[{"role": "user", "content": "hi"}])
    answers = ai.chat.complete_many([req] * 8)
    assert all(isinstance(x, str) and "fruits" in x for x in answers), answers
    assert a.calls("/completion") and b.calls("/completion")
    st = ai.status()
    assert st["ready"] is True
    assert [m["url"] for m in st["chat"]["servers"]] == [a.url, b.url, dead]
    assert [m["ready"] for m in st["chat"]["servers"]] == [True, True, False]
    assert isinstance(ai.chat, LlamafileChat)


def test_url_options_repeat_or_take_commas():
    import argparse

    from server.commands.ai_options import add_ai_options, ai_overrides

    p = argparse.ArgumentParser()
    add_ai_options(p)
    over = ai_overrides(p.parse_args(["--embed-url", "http://a:1", "--embed-url", "http://b:2,http://c:3",
                                      "--chat-url", "http://d:4"]))
    assert over["EMBED_URL"] == "http://a:1,http://b:2,http://c:3"
    assert over["CHAT_URL"] == "http://d:4" and over["LLAMAFILE_URL"] is None
    assert split_urls(over["EMBED_URL"]) == ["http://a:1", "http://b:2", "http://c:3"]
