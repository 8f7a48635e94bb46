"""The proxy model: a small Qwen2 (the 3.09B target's family: grouped-query attention, RMSNorm,
SwiGLU, rotary positions, tied embeddings) trained on CPU on the mixed stream for a fixed token
budget with a fixed seed, so a data change is judged by its effect on a model.

Dimensions are multiples of 256 where llama.cpp's k-quants need it (the hidden size and the MLP width
are the input width of every matrix). The attention keeps the target's 8:1 query:KV head ratio
(16:2 in the 3.09B plan). Training reads ``seq_len + 1`` token windows from the mixed stream in order
(the stream is already shuffled by the mix stage), wraps around when the budget exceeds it, and logs
the loss with dvclive so ``dvc plots`` draws the curve. Validation loss per language is measured on
the held-out packages (``out/tokenize/val``), one window per document start.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from codeprep.params import dataclass_from
from codeprep.tokenize.stage import read_split


@dataclass(frozen=True)
class ProxyParams:
    hidden_size: int = 256
    intermediate_size: int = 768
    num_layers: int = 4
    num_heads: int = 8
    num_kv_heads: int = 1
    seq_len: int = 256
    batch_size: int = 8
    token_budget: int = 400_000
    lr: float = 3e-3
    warmup_steps: int = 20
    weight_decay: float = 0.1
    seed: int = 0
    threads: int = 2
    val_docs_per_lang: int = 32

    @classmethod
    def from_params(cls, section: dict[str, Any] | None) -> ProxyParams:
        params = dataclass_from(cls, section, "train_proxy")
        if params.hidden_size % 256 or params.intermediate_size % 256:
            raise ValueError(
                "train_proxy.hidden_size and intermediate_size must be multiples of 256 (llama.cpp k-quants)"
            )
        if params.hidden_size % params.num_heads or params.num_heads % params.num_kv_heads:
            raise ValueError("train_proxy: hidden_size % num_heads and num_heads % num_kv_heads must be 0")
        return params

    @property
    def steps(self) -> int:
        return max(1, self.token_budget // (self.seq_len * self.batch_size))


def build_model(params: ProxyParams, vocab_size: int, eos_id: int, pad_id: int):
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(params.seed)
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


def _windows(tokens: np.ndarray, params: ProxyParams):
    """Batches of ``(batch, seq_len + 1)`` windows read in order, wrapping around."""
    span = params.seq_len + 1
    if len(tokens) < span:
        raise ValueError(f"the mixed stream has {len(tokens)} tokens, fewer than one window of {span}")
    position = 0
    while True:
        rows = []
        for _ in range(params.batch_size):
            if position + span > len(tokens):
                position = 0
            rows.append(np.asarray(tokens[position : position + span], dtype=np.int64))
            position += span
        yield np.stack(rows)


def validation_loss(model: Any, val_dir: Path, params: ProxyParams) -> dict[str, float]:
    """Mean next-token loss per language over the first ``val_docs_per_lang`` documents of each
    language in the validation split (one window from each document's start)."""
    import torch

    tokens, index = read_split(val_dir)
    per_lang: dict[str, list[float]] = defaultdict(list)
    seen: dict[str, int] = defaultdict(int)
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
            ids = torch.from_numpy(window)[None, :]
            loss = _next_token_loss(model, ids)
            per_lang[lang].append(float(loss))
    return {lang: float(np.mean(v)) for lang, v in sorted(per_lang.items())}


def _next_token_loss(model: Any, ids: Any) -> Any:
    import torch.nn.functional as F

    logits = model(input_ids=ids[:, :-1]).logits
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1))


def train(
    params: ProxyParams, mix_dir: Path, tokenize_dir: Path, out_dir: Path, live_dir: Path
) -> dict[str, Any]:
    import torch
    from dvclive import Live
    from transformers import AutoTokenizer

    torch.set_num_threads(params.threads)
    torch.use_deterministic_algorithms(True)
    tokenizer = AutoTokenizer.from_pretrained(str(tokenize_dir / "tokenizer"), local_files_only=True)
    model = build_model(params, len(tokenizer), tokenizer.eos_token_id, tokenizer.pad_token_id)
    stream = np.memmap(mix_dir / "tokens.bin", dtype=np.dtype(_meta_dtype(tokenize_dir)), mode="r")
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=params.lr, weight_decay=params.weight_decay, betas=(0.9, 0.95)
    )

    def schedule(step: int) -> float:
        if step < params.warmup_steps:
            return (step + 1) / params.warmup_steps
        progress = (step - params.warmup_steps) / max(1, params.steps - params.warmup_steps)
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))

    lr_schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    batches = _windows(stream, params)
    model.train()
    started = time.perf_counter()
    with Live(dir=str(live_dir), dvcyaml=None, save_dvc_exp=False, report=None) as live:
        for _ in range(params.steps):
            ids = torch.from_numpy(next(batches))
            loss = _next_token_loss(model, ids)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            lr_schedule.step()
            live.log_metric("train/loss", round(float(loss.detach()), 4), plot=True)
            live.next_step()
    seconds = time.perf_counter() - started
    val = validation_loss(model, tokenize_dir / "val", params)
    model.save_pretrained(str(out_dir / "model"), safe_serialization=True)
    tokenizer.save_pretrained(str(out_dir / "model"))
    return {
        "params": sum(p.numel() for p in model.parameters()),
        "steps": params.steps,
        "tokens": params.steps * params.batch_size * params.seq_len,
        "final_loss": round(float(loss.detach()), 4),
        "val_loss": {lang: round(v, 4) for lang, v in val.items()},
        "train_seconds": round(seconds, 1),
        "config": asdict(params),
    }


def _meta_dtype(tokenize_dir: Path) -> str:
    import json

    return json.loads((tokenize_dir / "meta.json").read_text())["dtype"]
