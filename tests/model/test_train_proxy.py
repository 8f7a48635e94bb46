"""The proxy model: a tiny Qwen2 trained per seed on a packed stream lowers its loss, keeps the GQA
shape, saves models transformers and llama.cpp load, gives the same figures run to run (fixed seeds,
deterministic algorithms), and is scored in bits per byte on the evaluation suite for every build."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codeprep.mix.params import MixParams
from codeprep.mix.stage import run_mix
from codeprep.model.params import ProxyParams
from codeprep.model.train import build_model, train
from codeprep.tokenize.params import TokenizeParams
from codeprep.tokenize.stage import run_tokenize

TINY = ProxyParams(
    num_layers=1,
    seq_len=64,
    batch_size=4,
    token_budget=64 * 4 * 12,
    warmup_steps=2,
    val_docs_per_lang=2,
    threads=1,
    seeds=(0, 1),
    device="cpu",
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


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"seeds": []}, "non-empty list of integers"),
        ({"seeds": [0, 1, 0]}, "duplicates"),
        ({"seeds": 3}, "non-empty list of integers"),
        ({"seeds": [0, "1"]}, "non-empty list of integers"),
        ({"device": "tpu"}, "device 'tpu' is not one of"),
        ({"seed": 0}, r"unknown key train_proxy\.seed; did you mean seeds\?"),
    ],
)
def test_seed_and_device_params_are_checked(section: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ProxyParams.from_params(section)


def test_cuda_asked_for_without_a_gpu_is_a_clear_error() -> None:
    import torch

    from codeprep.model.environment import resolve_device

    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="no CUDA device"):
            resolve_device("cuda")


def test_windows_cover_the_stream_in_a_seeded_order() -> None:
    import numpy as np

    from codeprep.model.train import _windows

    params = ProxyParams(seq_len=3, batch_size=2)
    tokens = np.arange(40)  # ten windows of 4
    batches = _windows(tokens, params, 0)
    starts = [int(row[0]) for _ in range(5) for row in next(batches)]
    assert sorted(starts) == list(range(0, 40, 4))  # every window once before any repeats
    assert [int(row[0]) for row in next(_windows(tokens, params, 1))] != starts[:2]  # another order


def test_training_lowers_the_loss_per_seed_and_is_reproducible(stream: Path, tmp_path: Path) -> None:
    from transformers import AutoModelForCausalLM

    first = train(TINY, stream / "mix", stream / "tok", tmp_path / "a", tmp_path / "a.csv")
    assert first["steps"] == 12 and first["seeds"] == [0, 1]
    final = first["final_loss"]
    assert set(final["per_seed"]) == {"0", "1"} and final["mean"] < 5.9  # ln(400) = 5.99: it learned
    assert final["per_seed"]["0"] != final["per_seed"]["1"] and final["std"] > 0  # seeds differ
    assert set(first["val_loss"]) >= {"javascript", "typescript", "css"}
    assert first["environment"]["device"].startswith("cpu") and first["environment"]["threads"] == 1
    curve = (tmp_path / "a.csv").read_text().splitlines()
    assert curve[0] == "step,loss,loss_min,loss_max" and len(curve) == 13
    model = AutoModelForCausalLM.from_pretrained(
        str(tmp_path / "a" / "seed-1" / "model"), local_files_only=True
    )
    assert model.config.num_key_value_heads == 1
    second = train(TINY, stream / "mix", stream / "tok", tmp_path / "b", tmp_path / "b.csv")
    first.pop("train_seconds"), second.pop("train_seconds")
    assert first == second
    for seed in (0, 1):
        weights = f"seed-{seed}/model/model.safetensors"
        assert (tmp_path / "a" / weights).read_bytes() == (tmp_path / "b" / weights).read_bytes()


# ----------------------------------------------------------------------------------- GGUF and bench


@pytest.fixture(scope="module")
def tiny_models(stream: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("models")
    train(TINY, stream / "mix", stream / "tok", out)
    return out


def test_gguf_round_trip_reproduces_torch_logits(tiny_models: Path, stream: Path, tmp_path: Path) -> None:
    import numpy as np
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from codeprep.model.bench import load_gguf
    from codeprep.model.gguf_export import export

    model_dir = tiny_models / "seed-0" / "model"
    gguf_path = export(model_dir, tmp_path / "tiny-f32.gguf", 256)
    llm = load_gguf(gguf_path, 256, 1, logits_all=True)
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    ids = tokenizer("export const total = items.reduce((a, b) => a + b, 0);\n", add_special_tokens=False)[
        "input_ids"
    ]
    llm.eval(ids)
    gguf_logits = np.asarray(llm.scores[: len(ids)])
    model = AutoModelForCausalLM.from_pretrained(str(model_dir), local_files_only=True).eval()
    with torch.no_grad():
        torch_logits = model(input_ids=torch.tensor([ids])).logits[0].numpy()
    assert np.abs(gguf_logits - torch_logits).max() < 1e-3
    assert (gguf_logits.argmax(-1) == torch_logits.argmax(-1)).all()


@pytest.fixture(scope="module")
def benched(tiny_models: Path, stream: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    from codeprep.model.bench import run_bench
    from codeprep.model.params import BenchParams

    out = tmp_path_factory.mktemp("bench")
    params = BenchParams(prompt_tokens=16, gen_tokens=8, ctx=64)
    return out, run_bench(params, TINY.seeds, tiny_models, stream / "tok", out)


def test_bench_builds_every_seed_and_gives_clear_errors(benched: tuple[Path, dict], tmp_path: Path) -> None:
    from codeprep.model.bench import gguf_path, load_gguf
    from codeprep.model.params import BenchParams

    out, result = benched
    assert set(result) == {
        "tokens_per_s",
        "prompt_tokens_per_s",
        "torch_tokens_per_s",
        "speedup_vs_torch",
        "gen_syntax_validity",
        "model_bytes",
        "params",
        "environment",
    }
    assert all(gguf_path(out, s, b).is_file() for s in TINY.seeds for b in ("f32", "q8_0", "q4_k_m"))
    assert all(set(v["per_seed"]) == {"0", "1"} for v in result["gen_syntax_validity"].values())
    assert result["model_bytes"]["q4_k_m"] < result["model_bytes"]["q8_0"] < result["model_bytes"]["f32"]
    assert result["tokens_per_s"] > 0 and result["torch_tokens_per_s"] > 0
    with pytest.raises(FileNotFoundError, match="missing"):
        load_gguf(tmp_path / "none.gguf", 64, 1)
    (tmp_path / "corrupt.gguf").write_bytes(b"GGUF" + b"\x00" * 64)
    with pytest.raises(ValueError, match="corrupt"):
        load_gguf(tmp_path / "corrupt.gguf", 64, 1)
    with pytest.raises(ValueError, match="at least 5"):
        BenchParams.from_params({"runs": 3})


def test_evaluate_scores_every_build_and_seed_in_bits_per_byte(
    benched: tuple[Path, dict], tiny_models: Path, tmp_path: Path
) -> None:
    from conftest import eval_package, write_tree

    from codeprep.eval.suite import build_suite
    from codeprep.model.evaluate import run_evaluate

    for i, name in enumerate(["alpha", "beta"]):
        write_tree(tmp_path / "eval" / f"{name}@2.0.0", eval_package(name, i))
    build_suite(tmp_path / "eval", tmp_path / "suite", tmp_path / "suite.json")
    bench_dir, _ = benched
    m = run_evaluate(TINY, tiny_models, bench_dir, tmp_path / "suite")
    assert m["suite_hash"] == json.loads((tmp_path / "suite.json").read_text())["hash"]
    assert set(m["bpb"]) == {"torch", "f32", "q8_0", "q4_k_m"} and m["seeds"] == [0, 1]
    for groups in m["bpb"].values():
        assert set(groups) == {"js_ts", "xml_html", "md_mdx", "css", "all"}
        for group, band in groups.items():
            assert set(band["per_seed"]) == {"0", "1"} and 0 < band["mean"] < 16
            assert band["mean"] == pytest.approx(m["bpb"]["torch"][group]["mean"], rel=0.05)
    for group, band in m["bpb"]["f32"].items():  # the f32 export is the same model
        assert band["mean"] == pytest.approx(m["bpb"]["torch"][group]["mean"], abs=1e-4)
    assert set(m["completion_bpb"]) == set(m["bpb"]) and "javascript" in m["bpb_by_lang"]
    assert m["environment"]["libraries"]["torch"]


def test_ondevice_memory_of_the_target() -> None:
    """3.09B at Q4_K_M (4.85 bits) is 1.87 GB; the f16 KV cache of 36 layers x 2 KV heads x 128 is
    36,864 bytes per token, 1.21 GB at 32K; every row stays under the plan's 8 GB."""
    from codeprep.model.ondevice import rows

    table = {(r["build"], r["kv_cache"], r["context"]): r for r in rows()}
    assert table[("int4_q4_k_m", "f16", 32768)]["weights_gb"] == pytest.approx(1.873, abs=1e-3)
    assert table[("int4_q4_k_m", "f16", 32768)]["kv_gb"] == pytest.approx(36_864 * 32_768 / 1e9, abs=1e-3)
    assert table[("int8_q8_0", "f16", 2048)]["kv_gb"] == pytest.approx(36_864 * 2048 / 1e9, abs=1e-3)
    assert all(r["fits_8gb"] for r in rows())
