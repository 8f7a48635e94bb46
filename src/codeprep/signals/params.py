"""``params.yaml`` ``syntax:``: which JavaScript parser the syntax signal uses (signals and clean)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal

from codeprep.params import dataclass_from

#: tree-sitter (with oxc and the reference parsers behind it) or esprima (bench/syntax.py compares them).
JS_BACKENDS = ("tree-sitter", "esprima")


@dataclass(frozen=True)
class SyntaxParams:
    js_backend: Literal["tree-sitter", "esprima"] = "tree-sitter"

    @classmethod
    def from_params(cls, section: dict[str, Any] | None) -> SyntaxParams:
        return dataclass_from(cls, section, "syntax")


@dataclass(frozen=True)
class LangIdParams:
    """``params.yaml`` ``langid:``; every field changes the trained model or its evaluation."""

    max_chars: int = 4096  # classify the first N characters of a document
    per_lang: int = 3000  # training documents per language at most (seeded, repo-balanced sample)
    test_fraction: float = 0.2  # share of repositories held out
    seed: int = 0
    ngram_min: int = 1
    ngram_max: int = 4
    n_features: int = 2**20
    token_ngram_max: int = 2  # code-token n-grams next to the character ones; 0 = characters only
    token_weight: float = 0.5  # scale of the token block against the character block
    class_weight_power: float = 0.5  # class weight (n / (k * n_class)) ** power: 1 balanced, 0 none
    min_prob: float = 0.5  # a disagreement below this probability is not called a mismatch

    @classmethod
    def from_params(cls, section: dict[str, Any] | None) -> LangIdParams:
        section = dict(section or {})
        dataclass_from(cls, section, "langid")  # keys and types; the values are then cast as before
        known = [f.name for f in fields(cls)]
        defaults = cls()
        values = {name: type(getattr(defaults, name))(section[name]) for name in known if name in section}
        params = cls(**values)
        if not 0 < params.test_fraction < 1:
            raise ValueError("langid.test_fraction must be between 0 and 1")
        if params.max_chars <= 0 or params.per_lang <= 0 or params.n_features <= 0:
            raise ValueError("langid.max_chars, per_lang and n_features must be positive")
        if not 1 <= params.ngram_min <= params.ngram_max:
            raise ValueError("langid.ngram_min must be between 1 and ngram_max")
        if params.token_ngram_max < 0 or params.token_weight <= 0:
            raise ValueError("langid.token_ngram_max must be >= 0 and token_weight positive")
        if not 0 <= params.class_weight_power <= 1:
            raise ValueError("langid.class_weight_power must be between 0 and 1")
        return params


@dataclass(frozen=True)
class Budget:
    """``signals.max_seconds_per_doc`` and ``signals.max_memory_mb`` from params.yaml."""

    max_seconds_per_doc: float = 5.0
    max_memory_mb: int = 2048

    def __post_init__(self) -> None:
        if not (isinstance(self.max_seconds_per_doc, int | float) and self.max_seconds_per_doc > 0):
            raise ValueError(f"signals.max_seconds_per_doc must be > 0, not {self.max_seconds_per_doc!r}")
        if not (isinstance(self.max_memory_mb, int) and self.max_memory_mb >= 256):
            raise ValueError(f"signals.max_memory_mb must be an integer >= 256, not {self.max_memory_mb!r}")

    @classmethod
    def from_params(cls, section: dict[str, Any] | None) -> Budget:
        return dataclass_from(cls, section, "signals")
