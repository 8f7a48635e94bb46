"""The decontam stage: drop every document that overlaps what the model is evaluated on.

It runs after dedup, on the documents that will be trained on. Three rules, first match decides:

- ``eval_package`` / ``eval_near_duplicate``: the document comes from a package of the project's own
  evaluation suite, or is a near duplicate of one of its documents (:mod:`codeprep.eval.overlap`;
  ``decontam.eval_suite``, ``eval_jaccard``, ``eval_containment``).
- ``contaminated``: it contains a passage of a benchmark item (HumanEval and the benchmarks in
  params.yaml); the detail names the benchmark, the item id and field, and how many of the item's
  n-grams it shares (the best-matching item first).

``eval_suite.overlap_left`` counts kept documents that still come from an eval package or repeat an
eval document's whitespace-normalised content: the figure the ``eval_overlap`` gate holds at zero.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codeprep.decontam.benchmarks import load
from codeprep.decontam.index import Index
from codeprep.decontam.params import DecontamParams
from codeprep.eval.overlap import EvalOverlap
from codeprep.execute.local import map_shards
from codeprep.execute.params import ExecuteParams
from codeprep.execute.record_map import Counts, Drop, RecordMap
from codeprep.metrics import write_metrics
from codeprep.shards import SIGNALS_SCHEMA

STAGE = "decontam"


def build_index(params: DecontamParams, root: Path = Path(".")) -> Index:
    return Index.build((item for spec in params.specs for item in load(spec, root)), params.ngram)


@dataclass(frozen=True)
class DecontamTask(RecordMap):
    index: Index
    suite: EvalOverlap | None  # None: no evaluation suite given (tests, a pipeline without one)
    eval_rules: bool  # decontam.eval_suite: apply the suite's rules (else only measure the overlap)

    def _eval_drop(self, record: dict[str, Any]) -> tuple[str, str, str] | None:
        if self.suite is None or not self.eval_rules:
            return None
        found = self.suite.match(record["repo"], record["content"])
        return None if found is None else (*found, "")

    def _benchmark_drop(self, record: dict[str, Any]) -> tuple[str, str, str] | None:
        """``(reason, detail, benchmark)`` for a document holding a benchmark item's passage."""
        hits = self.index.hits(record["content"])
        if not hits:
            return None
        benchmark, item_id, field, shared = hits[0]
        detail = f"{benchmark} {item_id} ({field}): {shared} shared {self.index.ngram}-grams"
        if len(hits) > 1:
            detail += f"; {len(hits) - 1} more item(s)"
        return "contaminated", detail, benchmark

    def map_record(self, record: dict[str, Any], counts: Counts, resource: Any) -> dict[str, Any] | Drop:
        drop = self._eval_drop(record) or self._benchmark_drop(record)
        if drop is None:
            if self.suite is not None and self.suite.overlaps(record["repo"], record["content"]):
                counts.groups["shard"]["overlap_left"] += 1
            return record
        reason, detail, benchmark = drop
        if benchmark:
            counts.groups["by_benchmark"][benchmark] += 1
        return Drop(reason, detail)

    def summary(self, counts: Counts) -> dict[str, Any]:
        return {
            "docs_in": counts.total("docs_in"),
            "docs_out": counts.total("docs_out"),
            "by_benchmark": dict(counts.groups["by_benchmark"]),
            "overlap_left": counts.groups["shard"]["overlap_left"],
        }


def run_decontam(
    params: DecontamParams,
    in_dir: Path,
    out_dir: Path,
    metrics_path: Path,
    execute: ExecuteParams,
    root: Path = Path("."),
    suite_dir: Path | None = None,
) -> dict[str, Any]:
    index = build_index(params, root)
    suite = (
        EvalOverlap.build(suite_dir, params.eval_jaccard, params.eval_containment)
        if suite_dir is not None
        else None
    )
    results = map_shards(
        DecontamTask(index, suite, params.eval_suite),
        in_dir,
        out_dir / "docs",
        out_dir / "removed",
        SIGNALS_SCHEMA,
        STAGE,
        execute,
    )
    removed_by: Counter[str] = Counter()
    removed: Counter[str] = Counter()
    for result in results:
        removed_by.update(result.stats["by_benchmark"])
        removed.update(result.removed)
    metrics = {
        "docs_in": sum(r.stats["docs_in"] for r in results),
        "docs_out": sum(r.stats["docs_out"] for r in results),
        "removed": dict(sorted(removed.items())),
        "by_benchmark": {
            spec.name: {
                "items": index.items[spec.name],
                "items_too_short": index.too_short[spec.name],
                "removed": removed_by[spec.name],
            }
            for spec in params.specs
        },
        "ngram": params.ngram,
    }
    if suite is not None:
        metrics["eval_suite"] = {
            "hash": json.loads((suite_dir / "suite.json").read_text(encoding="utf-8"))["hash"],
            "enabled": params.eval_suite,
            "packages": len(suite.packages),
            "removed_package": removed["eval_package"],
            "removed_near_duplicate": removed["eval_near_duplicate"],
            "overlap_left": sum(r.stats["overlap_left"] for r in results),
        }
    write_metrics(metrics_path, metrics)
    return metrics
