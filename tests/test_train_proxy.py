"""The proxy model: a tiny Qwen2 trained on a packed stream lowers its loss, keeps the GQA shape,
saves a model transformers loads, and gives the same figures run to run (fixed seed, deterministic
algorithms)."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeprep.mix.stage import MixParams, run_mix
from codeprep.model.train import ProxyParams, build_model, train
from codeprep.tokenize.stage import TokenizeParams, run_tokenize

TINY = ProxyParams(
    num_layers=1,
    seq_len=64,
    batch_size=4,
    token_budget=64 * 4 * 12,
    warmup_steps=2,
    val_docs_per_lang=2,
    threads=1,
)


@pytest.fixture(scope="module")
def stream(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from test_tokenize_mix import corpus

    tmp = tmp_path_factory.mktemp("proxy")
    run_tokenize(
        TokenizeParams(vocab_size=400, val_fraction=0.25, batch_docs=16),
        corpus(tmp),
        tmp / "tok",
        tmp / "t.json",
    )
    run_mix(MixParams(default_max_epochs=8.0), tmp / "tok", tmp / "mix", tmp / "m.json", tmp / "m.csv")
    return tmp


def test_params_follow_llama_cpp_and_gqa_rules() -> None:
    with pytest.raises(ValueError, match="multiples of 256"):
        ProxyParams.from_params({"hidden_size": 320})
    with pytest.raises(ValueError, match="num_kv_heads"):
        ProxyParams.from_params({"num_heads": 8, "num_kv_heads": 3})
    model = build_model(ProxyParams(), vocab_size=512, eos_id=0, pad_id=1)
    attention = model.model.layers[0].self_attn
    assert (
        attention.q_proj.out_features == 256 and attention.k_proj.out_features == 32
    )  # 8 query heads : 1 KV head


def test_training_lowers_the_loss_and_is_reproducible(stream: Path, tmp_path: Path) -> None:
    from transformers import AutoModelForCausalLM

    first = train(TINY, stream / "mix", stream / "tok", tmp_path / "a", tmp_path / "live_a")
    assert first["steps"] == 12 and first["final_loss"] < 5.9  # ln(400) = 5.99: it learned something
    assert set(first["val_loss"]) >= {"javascript", "typescript", "css"}
    loss_curve = (tmp_path / "live_a" / "plots" / "metrics" / "train" / "loss.tsv").read_text().splitlines()
    assert loss_curve[0] == "step\tloss" and len(loss_curve) == 13
    model = AutoModelForCausalLM.from_pretrained(str(tmp_path / "a" / "model"), local_files_only=True)
    assert model.config.num_key_value_heads == 1
    second = train(TINY, stream / "mix", stream / "tok", tmp_path / "b", tmp_path / "live_b")
    first.pop("train_seconds"), second.pop("train_seconds")
    assert first == second


# ----------------------------------------------------------------------------------- GGUF and bench


@pytest.fixture(scope="module")
def tiny_model(stream: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("model")
    train(TINY, stream / "mix", stream / "tok", out, out / "live")
    return out / "model"


def test_gguf_round_trip_reproduces_torch_logits(tiny_model: Path, stream: Path, tmp_path: Path) -> None:
    import numpy as np
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from codeprep.model.bench import BenchParams, load_gguf
    from codeprep.model.gguf_export import export

    gguf_path = export(tiny_model, tmp_path / "tiny-f32.gguf", 256)
    llm = load_gguf(gguf_path, BenchParams(ctx=256), logits_all=True)
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_model), local_files_only=True)
    ids = tokenizer("export const total = items.reduce((a, b) => a + b, 0);\n", add_special_tokens=False)[
        "input_ids"
    ]
    llm.eval(ids)
    gguf_logits = np.asarray(llm.scores[: len(ids)])
    model = AutoModelForCausalLM.from_pretrained(str(tiny_model), local_files_only=True).eval()
    with torch.no_grad():
        torch_logits = model(input_ids=torch.tensor([ids])).logits[0].numpy()
    assert np.abs(gguf_logits - torch_logits).max() < 1e-3
    assert (gguf_logits.argmax(-1) == torch_logits.argmax(-1)).all()


def test_bench_figures_and_clear_errors(tiny_model: Path, stream: Path, tmp_path: Path) -> None:
    from codeprep.model.bench import BenchParams, load_gguf, run_bench

    params = BenchParams(prompt_tokens=16, gen_tokens=8, ppl_docs_per_lang=2, ctx=64)
    result = run_bench(params, tiny_model, stream / "tok", tmp_path / "bench")
    assert set(result) == {
        "tokens_per_s",
        "prompt_tokens_per_s",
        "torch_tokens_per_s",
        "speedup_vs_torch",
        "ppl",
        "gen_syntax_validity",
        "model_bytes",
        "params",
    }
    assert set(result["ppl"]) == {"torch", "f32", "q8_0", "q4_k_m"}
    for lang, value in result["ppl"]["torch"].items():
        assert result["ppl"]["f32"][lang] == pytest.approx(value, rel=1e-3)
    assert result["model_bytes"]["q4_k_m"] < result["model_bytes"]["q8_0"] < result["model_bytes"]["f32"]
    assert result["tokens_per_s"] > 0 and result["torch_tokens_per_s"] > 0
    with pytest.raises(FileNotFoundError, match="missing"):
        load_gguf(tmp_path / "none.gguf", params)
    (tmp_path / "corrupt.gguf").write_bytes(b"GGUF" + b"\x00" * 64)
    with pytest.raises(ValueError, match="corrupt"):
        load_gguf(tmp_path / "corrupt.gguf", params)
    with pytest.raises(ValueError, match="at least 5"):
        BenchParams.from_params({"runs": 3})


def test_ondevice_memory_of_the_target() -> None:
    """3.09B at Q4_K_M (4.85 bits) is 1.87 GB; the f16 KV cache of 36 layers x 2 KV heads x 128 is
    36,864 bytes per token, 1.21 GB at 32K; every row stays under the plan's 8 GB."""
    from codeprep.model.ondevice import rows

    table = {(r["build"], r["kv_cache"], r["context"]): r for r in rows()}
    assert table[("int4_q4_k_m", "f16", 32768)]["weights_gb"] == pytest.approx(1.873, abs=1e-3)
    assert table[("int4_q4_k_m", "f16", 32768)]["kv_gb"] == pytest.approx(36_864 * 32_768 / 1e9, abs=1e-3)
    assert table[("int8_q8_0", "f16", 2048)]["kv_gb"] == pytest.approx(36_864 * 2048 / 1e9, abs=1e-3)
    assert all(r["fits_8gb"] for r in rows())
