"""The bench stage: the proxy as llama.cpp runs it on a device, against PyTorch on the same CPU.

Builds, for every seed's model (``out/bench/seed-<s>/``): ``f32`` (the GGUF export), ``q8_0`` (INT8)
and ``q4_k_m`` (INT4), quantised by llama.cpp (``llama_model_quantize``) from the f32 file. The
evaluate stage scores each build in bits per byte on the evaluation suite (what INT4 costs);
this stage measures speed. Figures (``metrics/bench.json``):

- ``tokens_per_s``: INT4 greedy generation speed, ``prompt_tokens_per_s``: INT4 prompt processing,
  ``torch_tokens_per_s``: PyTorch fp32 greedy generation with its KV cache, all at ``bench.threads``
  (1) on the same fixed prompts (the first ``prompt_tokens`` of one validation document per language
  group), one warm-up, then the median of ``bench.runs`` (5) runs; ``speedup_vs_torch`` = INT4 / torch.
  Speed is a property of the model's shape, not of its seed: it is measured on the first seed's model.
- ``gen_syntax_validity``: language → share of greedy INT4 completions (prompt + up to
  ``gen_tokens`` tokens, stopped at EOS) that the project's validator accepts, as mean, std and
  per-seed values. A 5M-parameter proxy rarely writes a complete valid file: the figure is there to
  move when the data or model improves.
- ``model_bytes``: build → file size; ``params``: parameter count; ``environment``: the CPU, thread
  count and library versions the timings were taken with.
Timings are the one non-deterministic part of the pipeline and live only here.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from codeprep.eval.bands import summarize
from codeprep.model.environment import environment
from codeprep.model.gguf_export import export
from codeprep.model.params import BenchParams
from codeprep.tokenize.packed import read_split

BUILDS = {"q8_0": 7, "q4_k_m": 15}  # llama.cpp LLAMA_FTYPE_MOSTLY_Q8_0, LLAMA_FTYPE_MOSTLY_Q4_K_M
GROUP_LANG = {"js_ts": "javascript", "xml_html": "html", "md_mdx": "markdown", "css": "css", "other": "json"}


def quantize(f32: Path, out: Path, ftype: int) -> Path:
    import logging

    import llama_cpp

    # llama.cpp logs every tensor it converts, and a metadata preview cut mid-character that
    # llama-cpp-python's log callback then fails to decode: keep its errors only.
    logging.getLogger("llama-cpp-python").setLevel(logging.ERROR)

    qparams = llama_cpp.llama_model_quantize_default_params()
    qparams.ftype = ftype
    tmp = out.with_name(out.name + ".tmp")
    if llama_cpp.llama_model_quantize(str(f32).encode(), str(tmp).encode(), qparams) != 0:
        raise RuntimeError(f"llama.cpp could not quantise {f32} to type {ftype}")
    tmp.replace(out)
    return out


def gguf_path(out_dir: Path, seed: int, build: str) -> Path:
    """Where the bench stage writes one seed's build (``f32`` or a key of :data:`BUILDS`)."""
    return out_dir / f"seed-{seed}" / f"model-{build}.gguf"


def load_gguf(path: Path, ctx: int, threads: int, logits_all: bool = False):
    """A llama.cpp model, or a clear error for a missing or corrupt file."""
    from llama_cpp import Llama

    if not path.is_file():
        raise FileNotFoundError(f"GGUF model {path} is missing: run `dvc repro bench`")
    try:
        return Llama(
            model_path=str(path),
            n_ctx=ctx,
            n_batch=ctx,
            n_threads=threads,
            logits_all=logits_all,
            verbose=False,
        )
    except ValueError as exc:
        raise ValueError(
            f"GGUF model {path} could not be loaded (corrupt or not a GGUF file): {exc}"
        ) from None


def greedy_gguf(llm: Any, prompt: list[int], n: int, eos: int) -> tuple[list[int], float, float]:
    """Greedy continuation; returns (new tokens, prompt seconds, generation seconds)."""
    llm.reset()
    t0 = time.perf_counter()
    llm.eval(prompt)
    t1 = time.perf_counter()
    out: list[int] = []
    for _ in range(n):
        token = int(np.argmax(llm.scores[llm.n_tokens - 1]))
        if token == eos:
            break
        out.append(token)
        llm.eval([token])
    return out, t1 - t0, time.perf_counter() - t1


def greedy_torch(model: Any, prompt: list[int], n: int) -> tuple[int, float]:
    """Greedy generation of ``n`` tokens with the KV cache; (tokens, seconds of generation)."""
    import torch

    with torch.no_grad():
        out = model(input_ids=torch.tensor([prompt]), use_cache=True)
        cache, token = out.past_key_values, int(out.logits[0, -1].argmax())
        t0 = time.perf_counter()
        for _ in range(n):
            out = model(input_ids=torch.tensor([[token]]), past_key_values=cache, use_cache=True)
            cache, token = out.past_key_values, int(out.logits[0, -1].argmax())
        return n, time.perf_counter() - t0


def prompts(tokenize_dir: Path, params: BenchParams) -> dict[str, list[int]]:
    """One fixed prompt per language group: the first ``prompt_tokens`` of the first validation
    document of the group's language that is long enough, else the whole of its longest one (a
    small corpus may have no long document in some language)."""
    tokens, index = read_split(tokenize_dir / "val")
    rows = index.to_pylist()
    chosen: dict[str, list[int]] = {}
    for group, lang in GROUP_LANG.items():
        candidates = [r for r in rows if r["lang"] == lang and r["length"] >= 2]
        if not candidates:
            continue
        row = next((r for r in candidates if r["length"] >= params.prompt_tokens), None)
        row = row or max(candidates, key=lambda r: r["length"])
        chosen[group] = tokens[
            row["start"] : row["start"] + min(row["length"], params.prompt_tokens)
        ].tolist()
    if not chosen:
        raise ValueError("bench: the validation split has no document to take a prompt from")
    return chosen


def timings(params: BenchParams, model: Any, int4: Any, fixed: dict[str, list[int]]) -> dict[str, float]:
    """Median INT4 generation and prompt speed and PyTorch generation speed over ``params.runs``
    runs after one warm-up."""
    gen_rates, prompt_rates, torch_rates = [], [], []
    for run in range(params.runs + 1):  # run 0 is the warm-up
        gen_tokens = gen_s = prompt_tokens = prompt_s = torch_tokens = torch_s = 0.0
        for prompt in fixed.values():
            new, p_s, g_s = greedy_gguf(int4, prompt, params.gen_tokens, -1)
            gen_tokens, gen_s = gen_tokens + len(new), gen_s + g_s
            prompt_tokens, prompt_s = prompt_tokens + len(prompt), prompt_s + p_s
            n, t_s = greedy_torch(model, prompt, params.gen_tokens)
            torch_tokens, torch_s = torch_tokens + n, torch_s + t_s
        if run:
            gen_rates.append(gen_tokens / gen_s)
            prompt_rates.append(prompt_tokens / prompt_s)
            torch_rates.append(torch_tokens / torch_s)
    tokens_per_s, torch_tokens_per_s = statistics.median(gen_rates), statistics.median(torch_rates)
    return {
        "tokens_per_s": round(tokens_per_s, 1),
        "prompt_tokens_per_s": round(statistics.median(prompt_rates), 1),
        "torch_tokens_per_s": round(torch_tokens_per_s, 1),
        "speedup_vs_torch": round(tokens_per_s / torch_tokens_per_s, 2),
    }


def gen_validity(
    int4: Any, tokenizer: Any, fixed: dict[str, list[int]], params: BenchParams
) -> dict[str, float]:
    """Language → 1.0 when the greedy INT4 completion of the group's prompt parses, else 0.0."""
    from codeprep.signals.syntax import check

    validity = {}
    for group, prompt in fixed.items():
        new, _, _ = greedy_gguf(int4, prompt, params.gen_tokens, tokenizer.eos_token_id)
        lang = GROUP_LANG[group]
        validity[lang] = (
            1.0 if check(lang, tokenizer.decode(prompt + new, skip_special_tokens=True)).ok else 0.0
        )
    return validity


def run_bench(
    params: BenchParams, seeds: tuple[int, ...], train_dir: Path, tokenize_dir: Path, out_dir: Path
) -> dict[str, Any]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from codeprep.model.train import seed_dir

    fixed = prompts(tokenize_dir, params)
    torch.set_num_threads(params.threads)
    sizes: dict[str, int] = {}
    speed: dict[str, float] = {}
    validity: dict[str, dict[int, float]] = defaultdict(dict)
    for seed in seeds:
        model_dir = seed_dir(train_dir, seed) / "model"
        paths = {"f32": export(model_dir, gguf_path(out_dir, seed, "f32"), params.ctx)}
        for build, ftype in BUILDS.items():
            paths[build] = quantize(paths["f32"], gguf_path(out_dir, seed, build), ftype)
        tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
        int4 = load_gguf(paths["q4_k_m"], params.ctx, params.threads, logits_all=True)
        if not speed:
            model = AutoModelForCausalLM.from_pretrained(str(model_dir), local_files_only=True).eval()
            speed = timings(params, model, int4, fixed)
            sizes = {build: path.stat().st_size for build, path in paths.items()}
            count = sum(p.numel() for p in model.parameters())
        for lang, ok in gen_validity(int4, tokenizer, fixed, params).items():
            validity[lang][seed] = ok
        int4.close()
    return speed | {
        "gen_syntax_validity": {lang: summarize(v) for lang, v in sorted(validity.items())},
        "model_bytes": sizes,
        "params": count,
        "environment": environment("cpu", params.threads),
    }
