"""The signals stage: every document gets its quality signals, syntax verdict and predicted language.

It reads no threshold (only the choice of JavaScript parser and the per-document budget), so a
threshold sweep in ``filter`` reuses its output from the DVC cache. It drops nothing: deciding is the
filter stage's job; a document over the budget gets the verdict ``timeout`` or ``too_complex``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from codeprep.execute.local import map_shards, merge_by_lang
from codeprep.execute.params import ExecuteParams
from codeprep.execute.record_map import Counts, RecordMap
from codeprep.metrics import ratio, write_metrics
from codeprep.shards import SIGNALS_SCHEMA
from codeprep.signals.budget import BUDGET_ERRORS, BudgetedChecker
from codeprep.signals.langid import LangId, is_mismatch
from codeprep.signals.params import Budget
from codeprep.signals.quality import quality_signals
from codeprep.signals.syntax import JS_BACKENDS, Verdict, check

STAGE = "signals"
BATCH_ROWS = 512


@dataclass(frozen=True)
class SignalsConfig:
    js_backend: str
    langid_model: Path
    langid_min_prob: float
    budget: Budget = field(default_factory=Budget)

    def __post_init__(self) -> None:
        if self.js_backend not in JS_BACKENDS:
            raise ValueError(f"syntax.js_backend {self.js_backend!r} is not one of {JS_BACKENDS}")


@dataclass(frozen=True)
class SignalsTask(RecordMap):
    """Adds the signal columns to every document (drops none); the langid model and the budgeted
    syntax checker are opened once per shard, the model predicts a batch at a time."""

    config: SignalsConfig
    batch_rows: ClassVar[int] = BATCH_ROWS

    @contextlib.contextmanager
    def resources(self) -> Iterator[tuple[LangId, BudgetedChecker]]:
        with BudgetedChecker(self.config.budget, self.config.js_backend) as checker:
            yield LangId.from_file(self.config.langid_model), checker

    def map_batch(
        self, records: list[dict[str, Any]], counts: Counts, resource: tuple[LangId, BudgetedChecker]
    ) -> Iterator[dict[str, Any]]:
        model, checker = resource
        labels, probs = model.predict([r["content"] for r in records])
        for record, label, prob in zip(records, labels, probs, strict=True):
            verdict = checker.check(record["lang"], record["content"])
            record.update(signals_for(record, verdict))
            record["lang_pred"] = label
            record["lang_prob"] = prob
            record["lang_mismatch"] = is_mismatch(record["lang"], label, prob, self.config.langid_min_prob)
            lang = counts.by_lang[record["lang"]]
            lang["lang_mismatch"] += record["lang_mismatch"]
            if record["syntax_ok"] is not None:
                lang["syntax_checked"] += 1
                lang["syntax_ok"] += record["syntax_ok"]
            lang["over_budget"] += record["syntax_error"] in BUDGET_ERRORS
            yield record

    def summary(self, counts: Counts) -> dict[str, Any]:
        """Per language: ``docs`` (all of them: signals drops nothing) and the signal counts."""
        return {
            lang: {"docs": c["docs_in"]} | {k: v for k, v in c.items() if k not in ("docs_in", "docs_out")}
            for lang, c in counts.by_lang.items()
        }


def signals_for(record: dict[str, Any], verdict: Verdict | None = None) -> dict[str, Any]:
    """Syntax verdict and quality signals of one document (the part that needs no model); without a
    ``verdict`` the check runs here, unbudgeted (tests, ``codeprep explain``)."""
    verdict = verdict or check(record["lang"], record["content"])
    signals = quality_signals(record["content"], record["lang"], verdict.comment_bytes, record["size_bytes"])
    signals.update(
        syntax_ok=verdict.ok,
        syntax_error=verdict.error,
        syntax_line=verdict.line,
        syntax_col=verdict.col,
        syntax_parser=verdict.parser,
    )
    return signals


def run_signals(
    config: SignalsConfig, in_dir: Path, out_dir: Path, metrics_path: Path, execute: ExecuteParams
) -> dict[str, Any]:
    results = map_shards(
        SignalsTask(config),
        in_dir,
        out_dir / "docs",
        out_dir / "removed",
        SIGNALS_SCHEMA,
        STAGE,
        execute,
    )
    by_lang, total = merge_by_lang(results)
    metrics = {
        "docs": total["docs"],
        "syntax_validity": ratio(total["syntax_ok"], total["syntax_checked"]),
        "lang_mismatch": total["lang_mismatch"],
        "over_budget": total["over_budget"],
        "js_backend": config.js_backend,
        "by_lang": {
            lang: {
                "docs": c["docs"],
                "syntax_checked": c["syntax_checked"],
                "syntax_validity": ratio(c["syntax_ok"], c["syntax_checked"]),
                "lang_mismatch": c["lang_mismatch"],
                "over_budget": c["over_budget"],
            }
            for lang, c in by_lang.items()
        },
    }
    write_metrics(metrics_path, metrics)
    return metrics
