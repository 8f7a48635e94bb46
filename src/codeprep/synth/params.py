"""``params.yaml`` ``synth:``: template instructions, AST mutants and teacher generation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from codeprep.params import dataclass_from
from codeprep.synth.teacher import TeacherParams


@dataclass(frozen=True)
class SynthParams:
    seed: int = 0
    templates: int = 2000  # template records wanted
    family_mix: dict[str, float] = field(
        default_factory=lambda: {"xml_generation": 0.25, "mdx_creation": 0.25, "js_enhancement": 0.5}
    )
    max_attempts_factor: int = 4
    pool_size: int = 5000  # snippets kept per pool (reservoir sample)
    min_chars: int = 150  # snippet bounds
    max_chars: int = 3000
    mutants: int = 1000  # augmentation mutants wanted
    mutation_rate: float = 0.3  # probability an operator fires at an eligible site
    teacher: TeacherParams = field(default_factory=TeacherParams)

    @classmethod
    def from_params(cls, section: dict[str, Any] | None) -> SynthParams:
        section = dict(section or {})
        section["teacher"] = TeacherParams.from_params(section.get("teacher"))
        return dataclass_from(cls, section, "synth")
