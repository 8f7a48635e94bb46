"""The minhash stage: per document, the exact-duplicate key and the MinHash signature.

It reads ``dedup.ngram``, ``dedup.num_perm`` and ``dedup.seed`` and no threshold, so a
``dvc exp run -S dedup.threshold=...`` sweep reuses its output from the DVC cache.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from codeprep.dedup.exact import content_hash
from codeprep.dedup.minhash import MinHasher, MinHashParams
from codeprep.dedup.shingles import shingle_hashes
from codeprep.dedup.signatures import SIGNATURE_SCHEMA
from codeprep.execute.local import map_shards
from codeprep.execute.params import ExecuteParams
from codeprep.execute.record_map import Counts, RecordMap
from codeprep.metrics import write_metrics

STAGE = "minhash"
BATCH_ROWS = 1024


@dataclass(frozen=True)
class MinHashTask(RecordMap):
    """One signature row per document (drops none), hashed a batch at a time."""

    params: MinHashParams
    batch_rows: ClassVar[int] = BATCH_ROWS
    columns: ClassVar[tuple[str, ...]] = ("id", "content")

    def resources(self) -> AbstractContextManager[MinHasher]:
        return contextlib.nullcontext(MinHasher(self.params.num_perm, self.params.seed))

    def map_batch(
        self, records: list[dict[str, Any]], counts: Counts, resource: MinHasher
    ) -> Iterator[dict[str, Any]]:
        hashes = [shingle_hashes(record["content"], self.params.ngram) for record in records]
        sigs = resource.signatures(hashes).astype("<u4", copy=False)
        totals = counts.groups["shard"]
        for record, hv, sig in zip(records, hashes, sigs, strict=True):
            totals["shingles"] += len(hv)
            totals["no_shingles"] += len(hv) == 0
            yield {
                "id": record["id"],
                "content_hash": content_hash(record["content"]),
                "n_shingles": len(hv),
                "signature": sig.tobytes(),
            }

    def summary(self, counts: Counts) -> dict[str, Any]:
        totals = counts.groups["shard"]
        return {
            "docs": counts.total("docs_in"),
            "shingles": totals["shingles"],
            "no_shingles": totals["no_shingles"],
        }


def run_minhash(
    params: MinHashParams, in_dir: Path, out_dir: Path, metrics_path: Path, execute: ExecuteParams
) -> dict[str, Any]:
    results = map_shards(MinHashTask(params), in_dir, out_dir, None, SIGNATURE_SCHEMA, STAGE, execute)
    totals = {key: sum(r.stats[key] for r in results) for key in ("docs", "shingles", "no_shingles")}
    metrics = {**totals, "ngram": params.ngram, "num_perm": params.num_perm, "seed": params.seed}
    write_metrics(metrics_path, metrics)
    return metrics
