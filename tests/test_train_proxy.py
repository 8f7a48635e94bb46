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
