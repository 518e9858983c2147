"""Convert a sentence-transformers BERT (all-MiniLM-L6-v2) to a GGUF that llama-server embeds with.

Done with the `gguf` and `safetensors` packages only (no torch), following llama.cpp's own
BertModel converter: BERT hyper-parameters, mean pooling, non-causal attention, WordPiece vocab.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

CONTROL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
# Tensors llama.cpp's BERT graph does not use (the pooler belongs to the NSP head).
F32_TABLES = ("position_embd", "token_types")
SKIP = ("embeddings.position_ids", "pooler.dense.weight", "pooler.dense.bias")


def _pooling_type(model_dir: Path):
    import gguf

    try:
        modules = json.loads((model_dir / "modules.json").read_text())
    except OSError:
        return gguf.PoolingType.MEAN
    for mod in modules:
        if mod["type"].endswith("Pooling"):
            cfg = json.loads((model_dir / mod["path"] / "config.json").read_text())
            if cfg.get("pooling_mode_cls_token"):
                return gguf.PoolingType.CLS
    return gguf.PoolingType.MEAN


def _vocab(model_dir: Path) -> tuple[list[str], list[int]]:
    import gguf

    tokens, types = [], []
    for tok in (model_dir / "vocab.txt").read_text(encoding="utf-8").splitlines():
        if tok in CONTROL_TOKENS:
            tokens.append(tok)
            types.append(gguf.TokenType.CONTROL)
        elif tok.startswith("##"):
            # llama.cpp's WPM tokenizer marks word starts with U+2581 instead of "##" continuations.
            tokens.append(tok[2:])
            types.append(gguf.TokenType.NORMAL)
        else:
            tokens.append("\u2581" + tok)
            types.append(gguf.TokenType.NORMAL)
    return tokens, types


def convert_minilm(
    model_dir: Path, out_path: Path, f16: bool = True, name: str = "all-MiniLM-L6-v2"
) -> None:
    """Write `out_path` (a GGUF) from a sentence-transformers BERT directory; deterministic."""
    import gguf
    from safetensors.numpy import load_file

    hp = json.loads((model_dir / "config.json").read_text())
    n_layers = hp["num_hidden_layers"]
    w = gguf.GGUFWriter(str(out_path), gguf.MODEL_ARCH_NAMES[gguf.MODEL_ARCH.BERT])
    w.add_name(name)
    w.add_context_length(hp["max_position_embeddings"])
    w.add_embedding_length(hp["hidden_size"])
    w.add_feed_forward_length(hp["intermediate_size"])
    w.add_block_count(n_layers)
    w.add_head_count(hp["num_attention_heads"])
    w.add_layer_norm_eps(hp["layer_norm_eps"])
    w.add_causal_attention(False)
    w.add_pooling_type(_pooling_type(model_dir))
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16 if f16 else gguf.LlamaFileType.ALL_F32)

    tokens, types = _vocab(model_dir)
    w.add_tokenizer_model("bert")
    w.add_tokenizer_pre("default")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_type_count(hp.get("type_vocab_size", 2))
    ids = {t: i for i, t in enumerate(tokens)}
    w.add_unk_token_id(ids["[UNK]"])
    w.add_sep_token_id(ids["[SEP]"])
    w.add_pad_token_id(ids["[PAD]"])
    # llama.cpp's BERT vocab starts every input with BOS: that must be [CLS].
    w.add_bos_token_id(ids["[CLS]"])
    w.add_uint32("tokenizer.ggml.cls_token_id", ids["[CLS]"])
    w.add_mask_token_id(ids["[MASK]"])

    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.BERT, n_layers)
    tensors = load_file(str(model_dir / "model.safetensors"))
    for name, data in tensors.items():
        name = name.removeprefix("bert.")
        if name in SKIP:
            continue
        new = names.get_name(name, try_suffixes=(".weight", ".bias"))
        if new is None:
            raise ValueError(f"unexpected tensor {name} in {model_dir}")
        data = data.astype(np.float32)
        # Norms and biases stay f32, and so do the tables the graph adds (not looks up):
        # ggml's CPU add has no f32 + f16.
        if f16 and data.ndim == 2 and new.split(".")[0] not in F32_TABLES:
            data = data.astype(np.float16)
        w.add_tensor(new, data)

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
