"""The filter's rules as ``params.yaml`` sets them, one line per rule for the card.

The rule → ``params.yaml`` key mapping lives in :mod:`codeprep.filters.rules` (``evaluate`` reports the
key and threshold of every rule that applies). Rather than restating that mapping here, each language's
rules are evaluated on a probe document whose signals are all present, so the card names exactly the
keys and thresholds the filter used, and follows the filter if a rule or key changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from codeprep.filters.params import FilterParams
from codeprep.filters.rules import ORDER, RULES, evaluate, rules_for
from codeprep.report.markdown import code, count

#: Every signal a rule reads, present and passing (from the rule table), so ``evaluate`` returns
#: each rule the params switch on.
_PROBE: dict[str, Any] = {rule.signal: "" if rule.signal == "content" else 0 for rule in RULES} | {
    "syntax_ok": True,
    "syntax_error": None,
    "syntax_line": None,
    "syntax_col": None,
    "syntax_parser": None,
}


def rule_descriptions(params: dict[str, Any], langs: Sequence[str]) -> dict[str, str]:
    """Rule name → its ``params.yaml`` key and thresholds per language, for the rules that apply to
    at least one of ``langs``."""
    thresholds: dict[str, dict[str, Any]] = {rule: {} for rule in ORDER}
    keys: dict[str, str] = {}
    filter_params = FilterParams.from_params(params["filter"])
    for lang in langs:
        for result in evaluate(_PROBE, rules_for(filter_params, lang)):
            thresholds[result.rule][lang] = result.threshold
            parts = result.param.split(".")  # filter.<lang|default>.<key>, filter.require_valid_syntax.<lang>
            keys[result.rule] = parts[1] if parts[1] == "require_valid_syntax" else parts[-1]
    return {rule: _describe(keys[rule], by_lang, langs) for rule, by_lang in thresholds.items() if by_lang}


def _describe(key: str, by_lang: dict[str, Any], langs: Sequence[str]) -> str:
    on = [lang for lang in langs if lang in by_lang]
    off = [lang for lang in langs if lang not in by_lang]
    if isinstance(next(iter(by_lang.values())), bool) or key == "require_valid_syntax":
        if not off:
            return f"{code(key)}: on for every language"
        if len(off) < len(on):
            return f"{code(key)}: on for every language but {', '.join(off)}"
        return f"{code(key)}: on for {', '.join(on)}"
    groups: dict[Any, list[str]] = {}
    for lang in on:
        groups.setdefault(by_lang[lang], []).append(lang)
    if len(groups) == 1 and not off:
        return f"{code(key)} {_value(next(iter(groups)))} for every language"
    parts = [f"{_value(value)} ({', '.join(members)})" for value, members in groups.items()]
    return f"{code(key)}: " + "; ".join(parts)


def _value(value: Any) -> str:
    return count(value) if isinstance(value, int) else format(value, "g")
