"""The bench stage: the proxy as llama.cpp runs it on a device, against PyTorch on the same CPU.

Builds: ``f32`` (the GGUF export), ``q8_0`` (INT8) and ``q4_k_m`` (INT4), quantised by llama.cpp
(``llama_model_quantize``) from the f32 file. Figures (``metrics/bench.json``):

- ``tokens_per_s``: INT4 greedy generation speed, ``prompt_tokens_per_s``: INT4 prompt processing,
  ``torch_tokens_per_s``: PyTorch fp32 greedy generation with its KV cache, all at ``bench.threads``
  (1) on the same fixed prompts (the first ``prompt_tokens`` of one validation document per language
  group), one warm-up, then the median of ``bench.runs`` (5) runs; ``speedup_vs_torch`` = INT4 / torch.
- ``ppl``: build → language → perplexity on the validation split (the held-out packages), the same
  token windows for every build and for ``torch``; f32 GGUF and torch agree to a few 1e-4 in the
  logits (tested), so their perplexities match and INT8/INT4 show what quantisation costs.
- ``gen_syntax_validity``: language → share of greedy INT4 completions (prompt + up to
  ``gen_tokens`` tokens, stopped at EOS) that the project's validator accepts. A 5M-parameter proxy
  rarely writes a complete valid file: the figure is there to move when the data or model improves.
- ``model_bytes``: build → file size; ``params``: parameter count.
Timings are the one non-deterministic part of the pipeline and live only here.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from codeprep.model.gguf_export import export
from codeprep.params import dataclass_from
from codeprep.tokenize.stage import read_split

BUILDS = {"q8_0": 7, "q4_k_m": 15}  # llama.cpp LLAMA_FTYPE_MOSTLY_Q8_0, LLAMA_FTYPE_MOSTLY_Q4_K_M
GROUP_LANG = {"js_ts": "javascript", "xml_html": "html", "md_mdx": "markdown", "css": "css", "other": "json"}


@dataclass(frozen=True)
class BenchParams:
    threads: int = 1
    runs: int = 5
    prompt_tokens: int = 64
    gen_tokens: int = 64
    ppl_docs_per_lang: int = 16
    ctx: int = 256

    @classmethod
    def from_params(cls, section: dict[str, Any] | None) -> BenchParams:
        params = dataclass_from(cls, section, "bench")
        if params.runs < 5:
            raise ValueError("bench.runs must be at least 5 (the median of at least 5 runs)")
        return params


def quantize(f32: Path, out: Path, ftype: int) -> Path:
    import llama_cpp

    qparams = llama_cpp.llama_model_quantize_default_params()
    qparams.ftype = ftype
    tmp = out.with_name(out.name + ".tmp")
    if llama_cpp.llama_model_quantize(str(f32).encode(), str(tmp).encode(), qparams) != 0:
        raise RuntimeError(f"llama.cpp could not quantise {f32} to type {ftype}")
    tmp.replace(out)
    return out


def load_gguf(path: Path, params: BenchParams, logits_all: bool = False):
    """A llama.cpp model, or a clear error for a missing or corrupt file."""
    from llama_cpp import Llama

    if not path.is_file():
        raise FileNotFoundError(f"GGUF model {path} is missing: run `dvc repro bench`")
    try:
        return Llama(
            model_path=str(path),
            n_ctx=params.ctx,
            n_batch=params.ctx,
            n_threads=params.threads,
            logits_all=logits_all,
            verbose=False,
        )
    except ValueError as exc:
        raise ValueError(
            f"GGUF model {path} could not be loaded (corrupt or not a GGUF file): {exc}"
        ) from None


def _windows(tokenize_dir: Path, params: BenchParams) -> dict[str, list[list[int]]]:
    """Per language, the first ``ctx`` tokens of its first ``ppl_docs_per_lang`` validation documents."""
    tokens, index = read_split(tokenize_dir / "val")
    out: dict[str, list[list[int]]] = defaultdict(list)
    for row in index.to_pylist():
        if len(out[row["lang"]]) < params.ppl_docs_per_lang and row["length"] > 2:
            out[row["lang"]].append(
                tokens[row["start"] : row["start"] + min(row["length"], params.ctx)].tolist()
            )
    return dict(sorted(out.items()))


def _nll(logits: np.ndarray, ids: list[int]) -> tuple[float, int]:
    """Summed next-token negative log-likelihood of ``ids[1:]`` and its count."""
    logits = logits[: len(ids) - 1].astype(np.float64)
    shifted = logits - logits.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(ids) - 1), ids[1:]].sum()), len(ids) - 1


def ppl_gguf(llm: Any, windows: dict[str, list[list[int]]]) -> dict[str, float]:
    result = {}
    for lang, docs in windows.items():
        total = count = 0.0
        for ids in docs:
            llm.reset()
            llm.eval(ids)
            nll, n = _nll(np.asarray(llm.scores[: len(ids)]), ids)
            total, count = total + nll, count + n
        result[lang] = round(float(np.exp(total / count)), 3)
    return result


def ppl_torch(model: Any, windows: dict[str, list[list[int]]]) -> dict[str, float]:
    import torch

    result = {}
    with torch.no_grad():
        for lang, docs in windows.items():
            total = count = 0.0
            for ids in docs:
                logits = model(input_ids=torch.tensor([ids])).logits[0].numpy()
                nll, n = _nll(logits, ids)
                total, count = total + nll, count + n
            result[lang] = round(float(np.exp(total / count)), 3)
    return result


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
    document of the group's language that is long enough."""
    tokens, index = read_split(tokenize_dir / "val")
    chosen: dict[str, list[int]] = {}
    for group, lang in GROUP_LANG.items():
        for row in index.to_pylist():
            if row["lang"] == lang and row["length"] >= params.prompt_tokens:
                chosen[group] = tokens[row["start"] : row["start"] + params.prompt_tokens].tolist()
                break
    if not chosen:
        raise ValueError("bench: no validation document is long enough for a prompt")
    return chosen


def run_bench(params: BenchParams, model_dir: Path, tokenize_dir: Path, out_dir: Path) -> dict[str, Any]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from codeprep.signals.syntax import check

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"f32": export(model_dir, out_dir / "model-f32.gguf", params.ctx)}
    for build, ftype in BUILDS.items():
        paths[build] = quantize(paths["f32"], out_dir / f"model-{build}.gguf", ftype)
    torch.set_num_threads(params.threads)
    model = AutoModelForCausalLM.from_pretrained(str(model_dir), local_files_only=True).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    windows = _windows(tokenize_dir, params)
    ppl = {"torch": ppl_torch(model, windows)}
    for build, path in paths.items():
        ppl[build] = ppl_gguf(load_gguf(path, params, logits_all=True), windows)
    int4 = load_gguf(paths["q4_k_m"], params, logits_all=True)
    fixed = prompts(tokenize_dir, params)
    eos = tokenizer.eos_token_id
    gen_rates, prompt_rates, torch_rates = [], [], []
    for run in range(params.runs + 1):  # run 0 is the warm-up
        gen_tokens = gen_s = prompt_tokens = prompt_s = torch_tokens = torch_s = 0.0
        for prompt in fixed.values():
            new, p_s, g_s = greedy_gguf(int4, prompt, params.gen_tokens, -1)
            gen_tokens, gen_s, prompt_tokens, prompt_s = (
                gen_tokens + len(new),
                gen_s + g_s,
                prompt_tokens + len(prompt),
                prompt_s + p_s,
            )
            n, t_s = greedy_torch(model, prompt, params.gen_tokens)
            torch_tokens, torch_s = torch_tokens + n, torch_s + t_s
        if run:
            gen_rates.append(gen_tokens / gen_s)
            prompt_rates.append(prompt_tokens / prompt_s)
            torch_rates.append(torch_tokens / torch_s)
    validity = {}
    for group, prompt in fixed.items():
        new, _, _ = greedy_gguf(int4, prompt, params.gen_tokens, eos)
        lang = GROUP_LANG[group]
        validity[lang] = (
            1.0 if check(lang, tokenizer.decode(prompt + new, skip_special_tokens=True)).ok else 0.0
        )
    tokens_per_s = statistics.median(gen_rates)
    torch_tokens_per_s = statistics.median(torch_rates)
    return {
        "tokens_per_s": round(tokens_per_s, 1),
        "prompt_tokens_per_s": round(statistics.median(prompt_rates), 1),
        "torch_tokens_per_s": round(torch_tokens_per_s, 1),
        "speedup_vs_torch": round(tokens_per_s / torch_tokens_per_s, 2),
        "ppl": ppl,
        "gen_syntax_validity": validity,
        "model_bytes": {build: path.stat().st_size for build, path in paths.items()},
        "params": sum(p.numel() for p in model.parameters()),
    }
