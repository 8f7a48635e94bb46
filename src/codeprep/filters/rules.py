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

#: Rules about how a file was made rather than its content; ``data_quality`` excludes them.
PROVENANCE = ("generated", "minified", "lang_mismatch")
QUALITY = (
    "too_short",
    "too_long",
    "max_line_length",
    "mean_line_length",
    "low_alnum",
    "high_blob_fraction",
    "high_numeric_fraction",
    "html_low_visible_chars",
    "html_low_visible_fraction",
)
#: A document whose syntax check ran out of time or memory (signals' budget): its verdict is unknown
#: and it is the kind of file that stalls every tool after this one.
OVER_BUDGET = "over_budget"
ORDER = (*PROVENANCE, OVER_BUDGET, "syntax_error", *QUALITY)


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


def _bound(rule: str, key: str, value: Any, rules: LangRules, upper: bool) -> RuleResult | None:
    threshold, source = rules.get(key)
    if threshold is None or value is None:
        return None
    passed = value <= threshold if upper else value >= threshold
    return RuleResult(rule, value, threshold, passed, source)


def _flag(rule: str, key: str, value: bool, rules: LangRules) -> RuleResult | None:
    enabled, source = rules.get(key)
    if not enabled:
        return None
    return RuleResult(rule, bool(value), False, not value, source)


_CHECKS: dict[str, Callable[[dict[str, Any], LangRules], RuleResult | None]] = {
    "generated": lambda r, x: _flag("generated", "drop_generated", r["is_generated"], x),
    "minified": lambda r, x: _flag("minified", "drop_minified", r["is_minified"], x),
    "lang_mismatch": lambda r, x: _flag("lang_mismatch", "drop_lang_mismatch", r["lang_mismatch"], x),
    OVER_BUDGET: lambda r, x: _flag(OVER_BUDGET, "drop_over_budget", r["syntax_error"] in BUDGET_ERRORS, x),
    "too_short": lambda r, x: _bound("too_short", "min_chars", len(r["content"]), x, upper=False),
    "too_long": lambda r, x: _bound("too_long", "max_chars", len(r["content"]), x, upper=True),
    "max_line_length": lambda r, x: _bound(
        "max_line_length", "max_line_length", r["max_line_length"], x, True
    ),
    "mean_line_length": lambda r, x: _bound(
        "mean_line_length", "max_mean_line_length", r["mean_line_length"], x, True
    ),
    "low_alnum": lambda r, x: _bound("low_alnum", "min_alnum_fraction", r["alnum_fraction"], x, upper=False),
    "high_blob_fraction": lambda r, x: _bound(
        "high_blob_fraction", "max_blob_fraction", r["blob_fraction"], x, True
    ),
    "high_numeric_fraction": lambda r, x: _bound(
        "high_numeric_fraction", "max_numeric_fraction", r["numeric_fraction"], x, True
    ),
    "html_low_visible_chars": lambda r, x: _bound(
        "html_low_visible_chars", "min_visible_chars", r["html_visible_chars"], x, upper=False
    ),
    "html_low_visible_fraction": lambda r, x: _bound(
        "html_low_visible_fraction", "min_visible_fraction", r["html_visible_fraction"], x, upper=False
    ),
}


def _syntax(record: dict[str, Any], rules: LangRules) -> RuleResult | None:
    if (
        not rules.require_valid_syntax
        or record["syntax_ok"] is None
        or record["syntax_error"] in BUDGET_ERRORS
    ):
        return None
    where = f" at {record['syntax_line']}:{record['syntax_col']}" if record["syntax_line"] else ""
    value = "ok" if record["syntax_ok"] else f"{record['syntax_error']}{where} ({record['syntax_parser']})"
    return RuleResult(
        "syntax_error", value, "ok", bool(record["syntax_ok"]), f"filter.require_valid_syntax.{rules.lang}"
    )


def evaluate(record: dict[str, Any], rules: LangRules) -> list[RuleResult]:
    """Every applicable rule for one document with signals, in decision order."""
    results = []
    for name in ORDER:
        result = _syntax(record, rules) if name == "syntax_error" else _CHECKS[name](record, rules)
        if result is not None:
            results.append(result)
    return results


def decide(results: list[RuleResult]) -> RuleResult | None:
    """The rule that drops the document (the first failure), or None when it is kept."""
    return next((r for r in results if not r.passed), None)
