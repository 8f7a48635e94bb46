"""The minhash stage: per document, the exact-duplicate key and the MinHash signature.

It reads ``dedup.ngram``, ``dedup.num_perm`` and ``dedup.seed`` and no threshold, so a
``dvc exp run -S dedup.threshold=...`` sweep reuses its output from the DVC cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from codeprep.dedup.exact import content_hash
from codeprep.dedup.minhash import MinHasher, MinHashParams
from codeprep.dedup.shingles import shingle_hashes
from codeprep.dedup.signatures import SIGNATURE_SCHEMA
from codeprep.execute.local import map_shards
from codeprep.execute.params import ExecuteParams
from codeprep.metrics import write_metrics
from codeprep.shards import RemovedLog, ShardFile

STAGE = "minhash"
BATCH_ROWS = 1024


@dataclass(frozen=True)
class MinHashTask:
    """Picklable per-shard work for the executor."""

    params: MinHashParams

    def __call__(self, in_path: Path, out: ShardFile, removed: RemovedLog) -> dict[str, Any]:
        hasher = MinHasher(self.params.num_perm, self.params.seed)
        docs = shingles = empty = 0
        for batch in pq.ParquetFile(in_path).iter_batches(batch_size=BATCH_ROWS, columns=["id", "content"]):
            cols = batch.to_pydict()
            hashes = [shingle_hashes(text, self.params.ngram) for text in cols["content"]]
            sigs = hasher.signatures(hashes).astype("<u4", copy=False)
            for doc, text, hv, sig in zip(cols["id"], cols["content"], hashes, sigs, strict=True):
                out.write(
                    {
                        "id": doc,
                        "content_hash": content_hash(text),
                        "n_shingles": len(hv),
                        "signature": sig.tobytes(),
                    }
                )
                docs += 1
                shingles += len(hv)
                empty += len(hv) == 0
        return {"docs": docs, "shingles": shingles, "no_shingles": empty}


def run_minhash(
    params: MinHashParams, in_dir: Path, out_dir: Path, metrics_path: Path, execute: ExecuteParams
) -> dict[str, Any]:
    results = map_shards(MinHashTask(params), in_dir, out_dir, None, SIGNATURE_SCHEMA, STAGE, execute)
    totals = {key: sum(r.stats[key] for r in results) for key in ("docs", "shingles", "no_shingles")}
    metrics = {**totals, "ngram": params.ngram, "num_perm": params.num_perm, "seed": params.seed}
    write_metrics(metrics_path, metrics)
    return metrics
