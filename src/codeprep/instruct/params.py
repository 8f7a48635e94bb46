"""``params.yaml`` ``instruct:``: the checks every instruction record goes through."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from codeprep.languages import CODE_LANGS
from codeprep.params import dataclass_from


@dataclass(frozen=True)
class Lengths:
    min_instruction_chars: int = 10
    max_instruction_chars: int = 4000
    min_output_chars: int = 20
    max_output_chars: int = 8192


@dataclass(frozen=True)
class InstructParams:
    opencodeinstruct: tuple[str, ...] = ()  # files or directories (parquet / jsonl(.gz)), under data/
    min_test_score: float = 0.7  # seed plan: unit-test pass rate > 70%
    languages: tuple[str, ...] = tuple(sorted(CODE_LANGS | {"markdown"}))
    min_clarity: float = 0.8  # seed plan's instruction_clarity threshold (5 checks: one may fail)
    min_completeness: float = 0.9  # seed plan's output_completeness threshold (5 checks: none may fail)
    min_instruction_chars: int = 10
    max_instruction_chars: int = 4000
    min_output_chars: int = 20
    max_output_chars: int = 8192  # seed plan: max_length 8192
    langid_min_prob: float = 0.5  # an untagged code block takes the langid model's call above this

    @classmethod
    def from_params(cls, section: dict[str, Any] | None) -> InstructParams:
        section = dict(section or {})
        for key in ("opencodeinstruct", "languages"):
            if key in section:
                section[key] = tuple(section[key] or ())
        return dataclass_from(cls, section, "instruct")

    @property
    def lengths(self) -> Lengths:
        return Lengths(
            self.min_instruction_chars,
            self.max_instruction_chars,
            self.min_output_chars,
            self.max_output_chars,
        )
