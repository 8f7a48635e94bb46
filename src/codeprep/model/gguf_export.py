"""Write the trained proxy (a transformers Qwen2) as an f32 GGUF file llama.cpp runs, tokenizer included.

The upstream convert script does not know a tokenizer trained here, so the file is written directly
with the ``gguf`` package: architecture ``qwen2``, the hyper-parameters llama.cpp reads for it, the
byte-level BPE vocabulary as ``tokenizer.ggml.model = "gpt2"`` (tokens in id order, merges, special
tokens typed as control) with the GPT-2 pre-tokenizer regex (``pre = "gpt-2"``, the one
``tokenizers``' ``ByteLevel(use_regex=True)`` applies), and the tensors under llama.cpp's names.
Qwen2's rotary embedding is the NeoX form llama.cpp uses for ``qwen2``, so q/k need no permutation.
Quantisation (Q4_K_M, Q8_0) is llama.cpp's own, from this f32 file.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

#: transformers parameter name → GGUF tensor name ({i}: layer).
TENSOR_NAMES = {
    "model.embed_tokens.weight": "token_embd.weight",
    "model.norm.weight": "output_norm.weight",
    "model.layers.{i}.input_layernorm.weight": "blk.{i}.attn_norm.weight",
    "model.layers.{i}.post_attention_layernorm.weight": "blk.{i}.ffn_norm.weight",
    "model.layers.{i}.self_attn.q_proj.weight": "blk.{i}.attn_q.weight",
    "model.layers.{i}.self_attn.q_proj.bias": "blk.{i}.attn_q.bias",
    "model.layers.{i}.self_attn.k_proj.weight": "blk.{i}.attn_k.weight",
    "model.layers.{i}.self_attn.k_proj.bias": "blk.{i}.attn_k.bias",
    "model.layers.{i}.self_attn.v_proj.weight": "blk.{i}.attn_v.weight",
    "model.layers.{i}.self_attn.v_proj.bias": "blk.{i}.attn_v.bias",
    "model.layers.{i}.self_attn.o_proj.weight": "blk.{i}.attn_output.weight",
    "model.layers.{i}.mlp.gate_proj.weight": "blk.{i}.ffn_gate.weight",
    "model.layers.{i}.mlp.up_proj.weight": "blk.{i}.ffn_up.weight",
    "model.layers.{i}.mlp.down_proj.weight": "blk.{i}.ffn_down.weight",
}


def _gguf_name(name: str, layers: int) -> str:
    for pattern, target in TENSOR_NAMES.items():
        if "{i}" not in pattern:
            if name == pattern:
                return target
            continue
        for i in range(layers):
            if name == pattern.format(i=i):
                return target.format(i=i)
    raise KeyError(f"no GGUF name for tensor {name!r}")


def _vocab(tokenizer_json: Path) -> tuple[list[str], list[int], list[str]]:
    """Tokens in id order, their GGUF types (1 normal, 3 control) and the merges, from tokenizer.json."""
    spec = json.loads(tokenizer_json.read_text(encoding="utf-8"))
    vocab: dict[str, int] = dict(spec["model"]["vocab"])
    specials = {t["content"]: t["id"] for t in spec.get("added_tokens", [])}
    vocab.update(specials)
    size = max(vocab.values()) + 1
    tokens = [f"[PAD{i}]" for i in range(size)]
    for token, i in vocab.items():
        tokens[i] = token
    types = [3 if tokens[i] in specials else 1 for i in range(size)]
    merges = [m if isinstance(m, str) else " ".join(m) for m in spec["model"]["merges"]]
    return tokens, types, merges


def export(model_dir: Path, out_path: Path, context_length: int = 2048) -> Path:
    """``model_dir`` (``save_pretrained`` output with its tokenizer) → an f32 GGUF at ``out_path``."""
    import gguf
    from safetensors.numpy import load_file

    config = json.loads((model_dir / "config.json").read_text())
    weights_file = model_dir / "model.safetensors"
    if not weights_file.is_file():
        raise FileNotFoundError(f"{weights_file} is missing: run the train_proxy stage first")
    weights = load_file(str(weights_file))
    layers = int(config["num_hidden_layers"])
    rope = config.get("rope_parameters") or {}
    rope_theta = float(rope.get("rope_theta", config.get("rope_theta", 10000.0)))
    tokens, types, merges = _vocab(model_dir / "tokenizer.json")
    tmp = out_path.with_name(out_path.name + ".tmp")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(str(tmp), arch="qwen2")
    writer.add_name("codeprep-proxy")
    writer.add_context_length(context_length)
    writer.add_embedding_length(int(config["hidden_size"]))
    writer.add_block_count(layers)
    writer.add_feed_forward_length(int(config["intermediate_size"]))
    writer.add_head_count(int(config["num_attention_heads"]))
    writer.add_head_count_kv(int(config["num_key_value_heads"]))
    writer.add_rope_freq_base(rope_theta)
    writer.add_layer_norm_rms_eps(float(config["rms_norm_eps"]))
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("gpt-2")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(merges)
    writer.add_eos_token_id(int(config["eos_token_id"]))
    writer.add_bos_token_id(int(config["bos_token_id"]))
    writer.add_pad_token_id(int(config["pad_token_id"]))
    writer.add_add_bos_token(False)
    for name in sorted(weights):
        writer.add_tensor(_gguf_name(name, layers), np.ascontiguousarray(weights[name], dtype=np.float32))
    if "lm_head.weight" not in weights:  # tied embeddings: llama.cpp reads the output matrix by name
        writer.add_tensor(
            "output.weight", np.ascontiguousarray(weights["model.embed_tokens.weight"], dtype=np.float32)
        )
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    tmp.replace(out_path)
    return out_path
