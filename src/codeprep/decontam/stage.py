"""The decontam stage: drop every document that contains a passage of an evaluation item.

It runs after dedup, on the documents that will be trained on. A document is removed with reason
``contaminated`` and a detail naming the benchmark, the item id and field, and how many of the item's
n-grams it shares (the best-matching item first).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from codeprep.decontam.benchmarks import HUMANEVAL, BenchmarkSpec, load
from codeprep.decontam.index import Index
from codeprep.execute.local import map_shards
from codeprep.execute.params import ExecuteParams
from codeprep.metrics import write_json
from codeprep.shards import RemovedLog, ShardFile
from codeprep.signals.stage import SIGNALS_SCHEMA

STAGE = "decontam"


@dataclass(frozen=True)
class DecontamParams:
    ngram: int = 13
    humaneval: bool = True
    benchmarks: tuple[BenchmarkSpec, ...] = ()

    @classmethod
    def from_params(cls, section: dict[str, Any] | None) -> DecontamParams:
        section = section or {}
        params = cls(
            ngram=int(section.get("ngram", cls.ngram)),
            humaneval=bool(section.get("humaneval", cls.humaneval)),
            benchmarks=tuple(BenchmarkSpec.from_params(b) for b in section.get("benchmarks") or ()),
        )
        if params.ngram < 2:
            raise ValueError("decontam.ngram must be at least 2")
        names = [b.name for b in params.specs]
        if len(names) != len(set(names)):
            raise ValueError(f"decontam.benchmarks: duplicate names in {names}")
        return params

    @property
    def specs(self) -> tuple[BenchmarkSpec, ...]:
        return ((HUMANEVAL,) if self.humaneval else ()) + self.benchmarks


def build_index(params: DecontamParams, root: Path = Path(".")) -> Index:
    return Index.build((item for spec in params.specs for item in load(spec, root)), params.ngram)


@dataclass(frozen=True)
class DecontamTask:
    index: Index

    def __call__(self, in_path: Path, out: ShardFile, removed: RemovedLog) -> dict[str, Any]:
        by_benchmark: Counter[str] = Counter()
        docs = kept = 0
        for batch in pq.ParquetFile(in_path).iter_batches(batch_size=512):
            for record in batch.to_pylist():
                docs += 1
                hits = self.index.hits(record["content"])
                if not hits:
                    out.write(record)
                    kept += 1
                    continue
                benchmark, item_id, field, shared = hits[0]
                detail = f"{benchmark} {item_id} ({field}): {shared} shared {self.index.ngram}-grams"
                if len(hits) > 1:
                    detail += f"; {len(hits) - 1} more item(s)"
                removed.drop(
                    record["id"], "contaminated", detail, record["repo"], record["path"], record["version"]
                )
                by_benchmark[benchmark] += 1
        return {"docs_in": docs, "docs_out": kept, "by_benchmark": dict(by_benchmark)}


def run_decontam(
    params: DecontamParams,
    in_dir: Path,
    out_dir: Path,
    metrics_path: Path,
    execute: ExecuteParams,
    root: Path = Path("."),
) -> dict[str, Any]:
    index = build_index(params, root)
    results = map_shards(
        DecontamTask(index), in_dir, out_dir / "docs", out_dir / "removed", SIGNALS_SCHEMA, STAGE, execute
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
    write_json(metrics_path, metrics)
    return metrics
