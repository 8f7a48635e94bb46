"""The proxy model: a small Qwen2 (the 3.09B target's family: grouped-query attention, RMSNorm,
SwiGLU, rotary positions, tied embeddings) trained on the mixed stream for a fixed token budget, once
per seed, so a data change is judged by its effect on a model and against the model's own noise.

Dimensions are multiples of 256 where llama.cpp's k-quants need it (the hidden size and the MLP width
are the input width of every matrix). The attention keeps the target's 8:1 query:KV head ratio.

**Seeds** (``train_proxy.seeds``): each seed sets the initial weights *and* which ``seq_len + 1``
token windows of the stream the proxy reads, in what order (a seeded permutation of the stream's
non-overlapping windows, re-drawn when the budget exceeds the stream). Both are noise a data change
brings anyway: a new dedup threshold reshuffles the whole mixed stream. So the spread over seeds is
the band a difference between two experiments has to clear (:mod:`codeprep.eval.bands`).

**Device** (``train_proxy.device``): ``auto`` takes a CUDA GPU when one is present, else the CPU;
``cpu`` or ``cuda`` force one. On CUDA the forward and backward passes run in bf16 autocast (weights
and optimizer state stay fp32). Deterministic algorithms are on, so one CPU machine repeats itself
exactly; on CUDA they are asked for too (cuBLAS with its fixed workspace), with a warning rather than a
failure for kernels that have no deterministic version, so a GPU run is close to, not guaranteed,
bit-identical. Float kernels differ between machines, which is why the metrics name the device and
library versions (:mod:`codeprep.model.environment`).

Outputs: ``out/train_proxy/seed-<s>/model`` (safetensors + tokenizer) per seed; ``metrics/train.json``
with ``final_loss`` (the mean training loss over the last tenth of the steps) and the per-token
validation loss per language (secondary figures; the primary
ones are bits per byte on the evaluation suite, :mod:`codeprep.model.evaluate`), each as mean, std and
per-seed values; ``plots/train_loss.csv``, the loss curve (mean, min and max over seeds).
"""

from __future__ import annotations

import math
import os
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from codeprep.eval.bands import summarize
from codeprep.metrics import write_csv
from codeprep.model.environment import environment, resolve_device
from codeprep.model.params import ProxyParams
from codeprep.tokenize.hf_dirs import save_model
from codeprep.tokenize.packed import read_split


def build_model(params: ProxyParams, vocab_size: int, eos_id: int, pad_id: int, seed: int = 0):
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(seed)
    config = Qwen2Config(
        vocab_size=vocab_size,
        hidden_size=params.hidden_size,
        intermediate_size=params.intermediate_size,
        num_hidden_layers=params.num_layers,
        num_attention_heads=params.num_heads,
        num_key_value_heads=params.num_kv_heads,
        max_position_embeddings=max(2048, params.seq_len),
        tie_word_embeddings=True,
        bos_token_id=eos_id,
        eos_token_id=eos_id,
        pad_token_id=pad_id,
    )
    return Qwen2ForCausalLM(config)


def _windows(tokens: np.ndarray, params: ProxyParams, seed: int) -> Iterator[np.ndarray]:
    """Batches of ``(batch, seq_len + 1)`` windows: the stream's non-overlapping windows in a seeded
    order, a new order each time the stream is used up."""
    span = params.seq_len + 1
    count = len(tokens) // span
    if count < 1:
        raise ValueError(f"the mixed stream has {len(tokens)} tokens, fewer than one window of {span}")
    rng = np.random.default_rng(seed)
    order = rng.permutation(count)
    at = 0
    while True:
        rows = []
        for _ in range(params.batch_size):
            if at == count:
                order, at = rng.permutation(count), 0
            start = int(order[at]) * span
            rows.append(np.asarray(tokens[start : start + span], dtype=np.int64))
            at += 1
        yield np.stack(rows)


def validation_loss(model: Any, val_dir: Path, params: ProxyParams) -> dict[str, float]:
    """Mean next-token loss per language over the first ``val_docs_per_lang`` documents of each
    language in the validation split (one window from each document's start)."""
    import torch

    tokens, index = read_split(val_dir)
    per_lang: dict[str, list[float]] = defaultdict(list)
    seen: dict[str, int] = defaultdict(int)
    device = next(model.parameters()).device
    model.eval()
    with torch.no_grad():
        for row in index.to_pylist():
            lang = row["lang"]
            if seen[lang] >= params.val_docs_per_lang or row["length"] < 3:
                continue
            seen[lang] += 1
            window = np.asarray(
                tokens[row["start"] : row["start"] + min(row["length"], params.seq_len + 1)], dtype=np.int64
            )
            loss = _next_token_loss(model, torch.from_numpy(window)[None, :].to(device))
            per_lang[lang].append(float(loss))
    return {lang: float(np.mean(v)) for lang, v in sorted(per_lang.items())}


def _next_token_loss(model: Any, ids: Any) -> Any:
    import torch.nn.functional as F

    logits = model(input_ids=ids[:, :-1]).logits
    return F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1))


def _lr_factor(step: int, params: ProxyParams) -> float:
    """Linear warm-up, then cosine decay to ``min_lr_ratio`` of the peak."""
    if step < params.warmup_steps:
        return (step + 1) / params.warmup_steps
    progress = (step - params.warmup_steps) / max(1, params.steps - params.warmup_steps)
    floor = params.min_lr_ratio
    return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))


def train_seed(
    params: ProxyParams, seed: int, stream: np.ndarray, tokenizer: Any, device: str
) -> tuple[Any, list[float]]:
    """One proxy trained on ``stream``: the model and its loss per step."""
    import contextlib

    import torch

    model = build_model(params, len(tokenizer), tokenizer.eos_token_id, tokenizer.pad_token_id, seed)
    model.to(device)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=params.lr, weight_decay=params.weight_decay, betas=(0.9, 0.95)
    )
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: _lr_factor(step, params))
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if device == "cuda" else contextlib.nullcontext()
    batches = _windows(stream, params, seed)
    losses = []
    model.train()
    for _ in range(params.steps):
        ids = torch.from_numpy(next(batches)).to(device)
        with autocast:
            loss = _next_token_loss(model, ids)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        losses.append(round(float(loss.detach()), 4))
    return model, losses


def seed_dir(out_dir: Path, seed: int) -> Path:
    return out_dir / f"seed-{seed}"


def train(
    params: ProxyParams, mix_dir: Path, tokenize_dir: Path, out_dir: Path, plot_path: Path | None = None
) -> dict[str, Any]:
    """Train one proxy per seed; save each under ``out_dir/seed-<s>/model``; return the metrics
    (``train_seconds`` is a timing, for the caller to log, not to store)."""
    import torch
    from transformers import AutoTokenizer

    device = resolve_device(params.device)
    if device == "cuda":  # cuBLAS is deterministic only with a fixed workspace, set before it starts
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.set_num_threads(params.threads)
    # On CUDA some kernels (flash attention's backward) have no deterministic version: warn, not fail.
    torch.use_deterministic_algorithms(True, warn_only=device == "cuda")
    tokenizer = AutoTokenizer.from_pretrained(str(tokenize_dir / "tokenizer"), local_files_only=True)
    stream = np.memmap(mix_dir / "tokens.bin", dtype=np.dtype(_meta_dtype(tokenize_dir)), mode="r")
    final: dict[int, float] = {}
    val: dict[str, dict[int, float]] = defaultdict(dict)
    curves: dict[int, list[float]] = {}
    started = time.perf_counter()
    for seed in params.seeds:
        model, curves[seed] = train_seed(params, seed, stream, tokenizer, device)
        tail = curves[seed][-max(1, params.steps // 10) :]  # one batch's loss is too noisy to report
        final[seed] = sum(tail) / len(tail)
        for lang, loss in validation_loss(model, tokenize_dir / "val", params).items():
            val[lang][seed] = loss
        target = seed_dir(out_dir, seed) / "model"
        save_model(model.to("cpu"), tokenizer, target)
    if plot_path is not None:
        write_csv(plot_path, _curve_rows(curves), ["step", "loss", "loss_min", "loss_max"])
    return {
        "params": sum(p.numel() for p in model.parameters()),
        "steps": params.steps,
        "tokens": params.steps * params.batch_size * params.seq_len,
        "seeds": list(params.seeds),
        "final_loss": summarize(final),
        "val_loss": {lang: summarize(per_seed) for lang, per_seed in sorted(val.items())},
        "environment": environment(device, params.threads),
        "train_seconds": round(time.perf_counter() - started, 1),
        "config": asdict(params),
    }


def _curve_rows(curves: dict[int, list[float]]) -> list[dict[str, Any]]:
    rows = []
    for step, losses in enumerate(zip(*curves.values(), strict=True)):
        rows.append(
            {
                "step": step,
                "loss": sum(losses) / len(losses),
                "loss_min": min(losses),
                "loss_max": max(losses),
            }
        )
    return rows


def _meta_dtype(tokenize_dir: Path) -> str:
    import json

    return json.loads((tokenize_dir / "meta.json").read_text())["dtype"]
