"""The minhash stage: per document, the exact-duplicate key and the MinHash signature.

It reads ``dedup.ngram``, ``dedup.num_perm`` and ``dedup.seed`` and no threshold, so a
``dvc exp run -S dedup.threshold=...`` sweep reuses its output from the DVC cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from codeprep.dedup.exact import content_hash
from codeprep.dedup.minhash import MinHasher, MinHashParams
from codeprep.dedup.shingles import shingle_hashes
from codeprep.execute.local import map_shards
from codeprep.execute.params import ExecuteParams
from codeprep.metrics import write_metrics
from codeprep.shards import RemovedLog, ShardFile, iter_batches

STAGE = "minhash"
BATCH_ROWS = 1024

#: One row per document of the input, in input order. ``signature`` is ``num_perm`` little-endian
#: uint32 (``numpy.frombuffer(sig, "<u4")``); ``n_shingles`` 0 means no tokens (all slots 2**32 - 1).
SIGNATURE_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("content_hash", pa.string(), nullable=False),
        pa.field("n_shingles", pa.int64(), nullable=False),
        pa.field("signature", pa.binary(), nullable=False),
    ]
)


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


def read_signatures(sig_dir: Path, num_perm: int) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """``(ids, content_hashes, n_shingles, signatures (n, num_perm) uint32)`` of every document."""
    ids: list[str] = []
    hashes: list[str] = []
    counts: list[int] = []
    blobs: list[bytes] = []
    for batch in iter_batches(sig_dir, columns=["id", "content_hash", "n_shingles", "signature"]):
        cols = batch.to_pydict()
        ids += cols["id"]
        hashes += cols["content_hash"]
        counts += cols["n_shingles"]
        blobs += cols["signature"]
    sigs = np.frombuffer(b"".join(blobs), dtype="<u4").reshape(len(ids), num_perm)
    return (
        ids,
        hashes,
        np.asarray(counts, dtype=np.int64),
        sigs.astype(np.uint32, copy=False),
    )  # read-only view


def run_minhash(
    params: MinHashParams, in_dir: Path, out_dir: Path, metrics_path: Path, execute: ExecuteParams
) -> dict[str, Any]:
    results = map_shards(MinHashTask(params), in_dir, out_dir, None, SIGNATURE_SCHEMA, STAGE, execute)
    totals = {key: sum(r.stats[key] for r in results) for key in ("docs", "shingles", "no_shingles")}
    metrics = {**totals, "ngram": params.ngram, "num_perm": params.num_perm, "seed": params.seed}
    write_metrics(metrics_path, metrics)
    return metrics
