"""``params.yaml`` ``train_proxy:`` and ``bench:``: the proxy model, its training and its llama.cpp benchmark."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from codeprep.params import dataclass_from

DEVICES = ("auto", "cpu", "cuda")


@dataclass(frozen=True)
class ProxyParams:
    hidden_size: int = 256
    intermediate_size: int = 512
    num_layers: int = 1
    num_heads: int = 8
    num_kv_heads: int = 1
    seq_len: int = 256
    batch_size: int = 8
    token_budget: int = 1_200_000
    lr: float = 3e-3
    min_lr_ratio: float = 0.0
    warmup_steps: int = 20
    weight_decay: float = 0.1
    seeds: tuple[int, ...] = (0, 1, 2)
    device: str = "auto"
    threads: int = 2
    val_docs_per_lang: int = 16

    @classmethod
    def from_params(cls, section: dict[str, Any] | None) -> ProxyParams:
        section = dict(section or {})
        seeds = section.get("seeds", list(cls.seeds))
        if (
            not isinstance(seeds, list | tuple)
            or not seeds
            or not all(isinstance(s, int) and not isinstance(s, bool) for s in seeds)
        ):
            raise ValueError(f"train_proxy.seeds must be a non-empty list of integers, got {seeds!r}")
        if len(set(seeds)) != len(seeds):
            raise ValueError(f"train_proxy.seeds has duplicates: {seeds}")
        section["seeds"] = tuple(seeds)
        params = dataclass_from(cls, section, "train_proxy")
        if params.device not in DEVICES:
            raise ValueError(f"train_proxy.device {params.device!r} is not one of {DEVICES}")
        if params.hidden_size % 256 or params.intermediate_size % 256:
            raise ValueError(
                "train_proxy.hidden_size and intermediate_size must be multiples of 256 (llama.cpp k-quants)"
            )
        if params.hidden_size % params.num_heads or params.num_heads % params.num_kv_heads:
            raise ValueError("train_proxy: hidden_size % num_heads and num_heads % num_kv_heads must be 0")
        if not 0 <= params.min_lr_ratio <= 1:
            raise ValueError("train_proxy.min_lr_ratio must be in [0, 1]")
        return params

    @property
    def steps(self) -> int:
        return max(1, self.token_budget // (self.seq_len * self.batch_size))


@dataclass(frozen=True)
class BenchParams:
    threads: int = 1
    runs: int = 5
    prompt_tokens: int = 64
    gen_tokens: int = 64
    ctx: int = 256

    @classmethod
    def from_params(cls, section: dict[str, Any] | None) -> BenchParams:
        params = dataclass_from(cls, section, "bench")
        if params.runs < 5:
            raise ValueError("bench.runs must be at least 5 (the median of at least 5 runs)")
        return params
