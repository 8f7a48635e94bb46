"""``params.yaml`` ``decontam:``: what the decontam stage removes, checked before any work."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from codeprep.decontam.benchmarks import HUMANEVAL, BenchmarkSpec
from codeprep.params import dataclass_from


@dataclass(frozen=True)
class DecontamParams:
    ngram: int = 13
    humaneval: bool = True
    benchmarks: tuple[BenchmarkSpec, ...] = ()
    eval_suite: bool = True  # drop documents that overlap the evaluation suite
    eval_jaccard: float = 0.6  # near duplicate of an eval document at this shingle Jaccard
    eval_containment: float = 0.8  # ... or containing this share of an eval document's shingles

    @classmethod
    def from_params(cls, section: dict[str, Any] | None) -> DecontamParams:
        section = dict(section or {})
        section["benchmarks"] = tuple(BenchmarkSpec.from_params(b) for b in section.get("benchmarks") or ())
        params = dataclass_from(cls, section, "decontam")
        if params.ngram < 2:
            raise ValueError("decontam.ngram must be at least 2")
        for key in ("eval_jaccard", "eval_containment"):
            if not 0 < getattr(params, key) <= 1:
                raise ValueError(f"decontam.{key} must be in (0, 1]")
        names = [b.name for b in params.specs]
        if len(names) != len(set(names)):
            raise ValueError(f"decontam.benchmarks: duplicate names in {names}")
        return params

    @property
    def specs(self) -> tuple[BenchmarkSpec, ...]:
        return ((HUMANEVAL,) if self.humaneval else ()) + self.benchmarks
