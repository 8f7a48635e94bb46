"""``params.yaml`` ``pairs:``: bounds of a code-comment pair and the CodeSearchNet inputs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from codeprep.params import dataclass_from


@dataclass(frozen=True)
class PairParams:
    min_doc_chars: int = 50  # seed plan: documentation 50-2000 characters
    max_doc_chars: int = 2000
    min_code_chars: int = 100  # seed plan: code 100-10000 characters
    max_code_chars: int = 10000
    min_relevance: float = 0.2
    codesearchnet: tuple[str, ...] = ()  # published CodeSearchNet jsonl(.gz) files or dirs, under data/

    @classmethod
    def from_params(cls, section: dict[str, Any] | None) -> PairParams:
        section = dict(section or {})
        if "codesearchnet" in section:
            section["codesearchnet"] = tuple(section["codesearchnet"] or ())
        return dataclass_from(cls, section, "pairs")
