"""Per-language filter rules: each compares one signal with one threshold from ``params.yaml``.

Every rule is evaluated for every document (so ``data_quality`` and ``codeprep explain`` can show
all of them); the first failing rule, in the order below, is the recorded drop reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from codeprep.filters.params import FilterParams
from codeprep.signals.budget import BUDGET_ERRORS


@dataclass(frozen=True)
class Rule:
    """One filter rule: the drop reason, what kind of rule it is, the ``params.yaml`` key that sets
    it (``filter.<lang>.<key>`` over ``filter.default.<key>``), the signal column it reads and how
    it compares: ``flag`` drops when the signal is true and the key is on, ``min``/``max`` bound the
    measured signal, ``syntax`` drops a parser rejection where ``filter.require_valid_syntax`` is on."""

    name: str
    kind: str  # provenance | budget | syntax | quality (data_quality counts the quality rules only)
    key: str
    signal: str
    test: str  # flag | min | max | syntax
    measure: Callable[[Any], Any] = lambda value: value  # the signal → the compared value

    def value(self, record: dict[str, Any]) -> Any:
        return self.measure(record[self.signal])


#: A document whose syntax check ran out of time or memory (signals' budget): its verdict is unknown
#: and it is the kind of file that stalls every tool after this one.
OVER_BUDGET = "over_budget"

#: Every rule, in decision order: the first that fails is the recorded drop reason. Provenance rules
#: (how a file was made) come first, then the budget, the syntax and the quality rules (sources:
#: seed plan, bigcode/StarCoder; thresholds in params.yaml).
RULES: tuple[Rule, ...] = (
    Rule("generated", "provenance", "drop_generated", "is_generated", "flag"),
    Rule("minified", "provenance", "drop_minified", "is_minified", "flag"),
    Rule("lang_mismatch", "provenance", "drop_lang_mismatch", "lang_mismatch", "flag"),
    Rule(OVER_BUDGET, "budget", "drop_over_budget", "syntax_error", "flag", lambda e: e in BUDGET_ERRORS),
    Rule("syntax_error", "syntax", "require_valid_syntax", "syntax_ok", "syntax"),
    Rule("too_short", "quality", "min_chars", "content", "min", len),
    Rule("too_long", "quality", "max_chars", "content", "max", len),
    Rule("max_line_length", "quality", "max_line_length", "max_line_length", "max"),
    Rule("mean_line_length", "quality", "max_mean_line_length", "mean_line_length", "max"),
    Rule("low_alnum", "quality", "min_alnum_fraction", "alnum_fraction", "min"),
    Rule("high_blob_fraction", "quality", "max_blob_fraction", "blob_fraction", "max"),
    Rule("high_numeric_fraction", "quality", "max_numeric_fraction", "numeric_fraction", "max"),
    Rule("html_low_visible_chars", "quality", "min_visible_chars", "html_visible_chars", "min"),
    Rule("html_low_visible_fraction", "quality", "min_visible_fraction", "html_visible_fraction", "min"),
)
ORDER = tuple(rule.name for rule in RULES)
#: Rules about how a file was made rather than its content; ``data_quality`` excludes them.
PROVENANCE = tuple(rule.name for rule in RULES if rule.kind == "provenance")
QUALITY = tuple(rule.name for rule in RULES if rule.kind == "quality")


@dataclass(frozen=True)
class RuleResult:
    rule: str
    value: Any
    threshold: Any
    passed: bool
    param: str  # the params.yaml key that sets the threshold

    def describe(self) -> str:
        mark = "pass" if self.passed else "FAIL"
        return f"{mark}  {self.rule:<26} value={_fmt(self.value):<10} threshold={_fmt(self.threshold):<10} ({self.param})"


def _fmt(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class LangRules:
    """Thresholds for one language: ``filter.default`` overlaid with ``filter.<lang>``."""

    lang: str
    values: dict[str, Any]
    sources: dict[str, str]
    require_valid_syntax: bool

    def get(self, key: str) -> tuple[Any, str]:
        return self.values.get(key), self.sources.get(key, f"filter.default.{key}")


def rules_for(params: FilterParams, lang: str) -> LangRules:
    values = params.default.given()
    sources = {key: f"filter.default.{key}" for key in values}
    overrides = params.by_lang.get(lang)
    for key, value in (overrides.given() if overrides else {}).items():
        values[key] = value
        sources[key] = f"filter.{lang}.{key}"
    return LangRules(lang, values, sources, params.require_valid_syntax.get(lang, False))


def _check(rule: Rule, record: dict[str, Any], rules: LangRules) -> RuleResult | None:
    """``rule`` on ``record`` under one language's thresholds; None when it does not apply (the key is
    off or unset, or the signal is missing)."""
    if rule.test == "syntax":
        if (
            not rules.require_valid_syntax
            or record["syntax_ok"] is None
            or record["syntax_error"] in BUDGET_ERRORS
        ):
            return None
        where = f" at {record['syntax_line']}:{record['syntax_col']}" if record["syntax_line"] else ""
        value = (
            "ok" if record["syntax_ok"] else f"{record['syntax_error']}{where} ({record['syntax_parser']})"
        )
        return RuleResult(
            rule.name, value, "ok", bool(record["syntax_ok"]), f"filter.require_valid_syntax.{rules.lang}"
        )
    threshold, source = rules.get(rule.key)
    if rule.test == "flag":
        if not threshold:
            return None
        flagged = bool(rule.value(record))
        return RuleResult(rule.name, flagged, False, not flagged, source)
    value = rule.value(record)
    if threshold is None or value is None:
        return None
    passed = value <= threshold if rule.test == "max" else value >= threshold
    return RuleResult(rule.name, value, threshold, passed, source)


def evaluate(record: dict[str, Any], rules: LangRules) -> list[RuleResult]:
    """Every applicable rule for one document with signals, in decision order."""
    return [result for rule in RULES if (result := _check(rule, record, rules)) is not None]


def decide(results: list[RuleResult]) -> RuleResult | None:
    """The rule that drops the document (the first failure), or None when it is kept."""
    return next((r for r in results if not r.passed), None)
