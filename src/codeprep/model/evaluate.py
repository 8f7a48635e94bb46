"""The evaluate stage: every seed's proxy, in PyTorch and in each llama.cpp build, scored in bits per
byte on the fixed evaluation suite (:mod:`codeprep.eval.bpb`), written as ``metrics/eval.json``.

Figures (each ``{"mean", "std", "per_seed"}`` over ``train_proxy.seeds``):

- ``bpb.<build>.<group>``: bits per byte of the suite's sample per language group, and ``all``, the
  unweighted mean of the groups (every group counts the same, whatever its size). ``<build>`` is
  ``torch`` (PyTorch fp32) or a GGUF build (``f32``, ``q8_0``, ``q4_k_m``): the gap between ``torch``
  and ``q4_k_m`` is what INT4 costs.
- ``completion_bpb.<build>``: bits per byte of documented functions' bodies given their JSDoc and
  signature.
- ``bpb_by_lang.<lang>``: PyTorch, per language.

Plus ``suite_hash`` (the suite's content hash: two runs compare only on the same suite), ``seeds``,
``ctx`` and ``environment`` (device, threads, library versions).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from codeprep.eval import bpb
from codeprep.eval.bands import summarize
from codeprep.eval.settings import EVAL_GROUPS
from codeprep.eval.suite import load_suite
from codeprep.model.bench import BUILDS, gguf_path, load_gguf
from codeprep.model.environment import environment, resolve_device
from codeprep.model.params import ProxyParams
from codeprep.model.train import seed_dir

TORCH = "torch"


def _macro(result: dict[str, Any]) -> dict[str, Any]:
    """Adds ``all``: the unweighted mean of the groups' bits per byte."""
    result["bpb"]["all"] = sum(result["bpb"][g] for g in EVAL_GROUPS) / len(EVAL_GROUPS)
    return result


def score_seed(
    params: ProxyParams,
    seed: int,
    train_dir: Path,
    bench_dir: Path,
    texts: list[bpb.Text],
    device: str,
    builds: tuple[str, ...],
) -> dict[str, dict[str, Any]]:
    """Build → ``evaluate`` result of one seed's models (PyTorch, then each GGUF build)."""
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(
        str(seed_dir(train_dir, seed) / "model"), local_files_only=True, dtype=torch.float32
    )
    results = {TORCH: _macro(bpb.evaluate(texts, bpb.torch_scorer(model.to(device).eval())))}
    for build in builds:
        llm = load_gguf(gguf_path(bench_dir, seed, build), params.seq_len, params.threads, logits_all=True)
        results[build] = _macro(bpb.evaluate(texts, bpb.llama_scorer(llm)))
        llm.close()
    return results


GGUF_BUILDS = ("f32", *BUILDS)


def run_evaluate(
    params: ProxyParams,
    train_dir: Path,
    bench_dir: Path,
    suite_dir: Path,
    builds: tuple[str, ...] = GGUF_BUILDS,
) -> dict[str, Any]:
    """``metrics/eval.json`` for PyTorch and ``builds`` (the sensitivity benchmark passes none)."""
    import torch
    from transformers import AutoTokenizer

    device = resolve_device(params.device)
    torch.set_num_threads(params.threads)
    digest, rows, items = load_suite(suite_dir)
    first = seed_dir(train_dir, params.seeds[0]) / "model"
    tokenizer = AutoTokenizer.from_pretrained(str(first), local_files_only=True)
    texts = bpb.prepare(tokenizer, rows, items, params.seq_len)
    per_seed = {
        seed: score_seed(params, seed, train_dir, bench_dir, texts, device, builds) for seed in params.seeds
    }
    builds = list(per_seed[params.seeds[0]])
    collected: dict[tuple[str, ...], dict[int, float]] = defaultdict(dict)
    for seed, results in per_seed.items():
        for build, result in results.items():
            for group, value in result["bpb"].items():
                collected[("bpb", build, group)][seed] = value
            collected[("completion_bpb", build)][seed] = result["completion_bpb"]
        for lang, value in results[TORCH]["bpb_by_lang"].items():
            collected[("bpb_by_lang", lang)][seed] = value
    metrics: dict[str, Any] = {
        "suite_hash": digest,
        "seeds": list(params.seeds),
        "ctx": params.seq_len,
        "bpb": {b: {} for b in builds},
        "completion_bpb": {},
        "bpb_by_lang": {},
        "environment": environment(device, params.threads),
    }
    for key, values in sorted(collected.items()):
        node = metrics
        for part in key[:-1]:
            node = node[part]
        node[key[-1]] = summarize(values)
    return metrics
