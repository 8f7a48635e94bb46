"""The filter stage: apply ``filter`` thresholds to the signals and keep or drop each document.

Parameter-only work: a threshold sweep (``dvc exp run -S filter.javascript.max_chars=...``) re-runs
this stage alone on the cached signals.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from codeprep.execute.local import map_shards, merge_by_lang
from codeprep.execute.params import ExecuteParams
from codeprep.execute.record_map import Counts, Drop, RecordMap
from codeprep.filters.params import FilterParams
from codeprep.filters.rules import QUALITY, LangRules, decide, evaluate, rules_for
from codeprep.languages import LANGS
from codeprep.metrics import ratio, write_metrics
from codeprep.shards import SIGNALS_SCHEMA

STAGE = "filter"


@dataclass(frozen=True)
class FilterTask(RecordMap):
    """Every rule on every document; the first failing one is the drop reason."""

    rules: dict[str, LangRules]
    batch_rows: ClassVar[int] = 1024

    def map_record(self, record: dict[str, Any], counts: Counts, resource: Any) -> dict[str, Any] | Drop:
        results = evaluate(record, self.rules[record["lang"]])
        failed = decide(results)
        lang = counts.by_lang[record["lang"]]
        lang["quality_pass"] += all(r.passed for r in results if r.rule in QUALITY)
        if record["syntax_ok"] is not None:
            lang["syntax_checked_in"] += 1
            lang["syntax_ok_in"] += record["syntax_ok"]
        if failed is not None:
            return Drop(failed.rule, failed.describe().split(maxsplit=1)[1])
        if record["syntax_ok"] is not None:
            lang["syntax_checked_out"] += 1
            lang["syntax_ok_out"] += record["syntax_ok"]
        return record


def run_filter(
    params: FilterParams,
    in_dir: Path,
    out_dir: Path,
    langid_metrics: Path,
    metrics_path: Path,
    execute: ExecuteParams,
) -> dict[str, Any]:
    task = FilterTask({lang: rules_for(params, lang) for lang in LANGS})
    results = map_shards(task, in_dir, out_dir / "docs", out_dir / "removed", SIGNALS_SCHEMA, STAGE, execute)
    by_lang, total = merge_by_lang(results)
    removed: Counter[str] = Counter()
    for result in results:
        removed.update(result.removed)
    metrics = {
        "docs_in": total["docs_in"],
        "docs_out": total["docs_out"],
        "removed": dict(sorted(removed.items())),
        "syntax_validity": ratio(total["syntax_ok_out"], total["syntax_checked_out"]),
        # The classifier's decision, held out: is the content in its extension's language or a
        # dialect the pipeline treats as the same (langid.COMPATIBLE)? The 14-way ``accuracy`` is in
        # metrics/langid.json beside it.
        "language_accuracy": json.loads(langid_metrics.read_text(encoding="utf-8"))["compatible_accuracy"],
        "data_quality": ratio(total["quality_pass"], total["docs_in"]),
        "by_lang": {
            lang: {
                "docs_in": c["docs_in"],
                "docs_out": c["docs_out"],
                "syntax_validity_in": ratio(c["syntax_ok_in"], c["syntax_checked_in"]),
                "data_quality": ratio(c["quality_pass"], c["docs_in"]),
            }
            for lang, c in by_lang.items()
        },
    }
    write_metrics(metrics_path, metrics)
    return metrics
