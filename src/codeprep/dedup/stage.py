"""The dedup stage: exact duplicates first, then near duplicates, one keeper per cluster.

1. **Exact**: documents with the same normalised-content hash (:mod:`codeprep.dedup.exact`) form a
   cluster; its keeper (:mod:`codeprep.dedup.keeper`) stays, the others are removed as
   ``exact_duplicate``.
2. **Near**: the exact keepers go through banded LSH (:mod:`codeprep.dedup.lsh`) with bands and rows
   from ``dedup.threshold``; candidate pairs confirmed by ``dedup.verify`` (exact shingle-set
   Jaccard by default, after a signature prefilter, or the signature estimate alone) are edges,
   connected components are clusters, the keeper stays and the others are removed as
   ``near_duplicate``. The removed log's ``detail`` names the keeper's id and place and the
   estimated Jaccard with it.
3. **Residual check** (``duplication_rate``): on the kept documents, an independent, higher-recall
   search: 4-row bands (32 bands of 128 slots: a pair at Jaccard 0.6 is a candidate with probability
   0.99), a loose signature prefilter (threshold - 0.15, 3.4 standard deviations of the estimate), and
   **exact** Jaccard of the shingle sets, recomputed from the text, against the threshold. What it finds
   is what the dedup missed.

All of it runs as partitioned steps (:mod:`codeprep.dedup.partitioned`) on the ``execute:`` backend,
with the state in partition files under ``dedup.spill_dir``: the driver holds per-task statistics
only, a worker one partition, and a killed run resumes from its completed tasks. The partition
files are removed when the stage succeeds.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from codeprep.dedup.params import DedupParams
from codeprep.dedup.partitioned import CHECK_ROWS, DedupTask, Run, Search, find_duplicates
from codeprep.dedup.spill import Spill
from codeprep.dedup.steps import Steps
from codeprep.execute.local import map_shards
from codeprep.execute.params import ExecuteParams
from codeprep.execute.ray_backend import session
from codeprep.metrics import ratio, write_csv, write_metrics
from codeprep.shards import SIGNALS_SCHEMA, shard_paths

STAGE = "dedup"
#: Bump when the partition files' layout changes: a resumed run never reads another version's.
SPILL_FORMAT = 1


def _inputs(docs_dir: Path, sig_dir: Path) -> tuple[list[Path], list[Path], list[int]]:
    """Input shards, their signature shards, and the node offset of each (shard row counts)."""
    docs, sigs = shard_paths(docs_dir.resolve()), shard_paths(sig_dir.resolve())
    rows = [pq.ParquetFile(p).metadata.num_rows for p in docs]
    if [p.name for p in docs] != [p.name for p in sigs] or rows != [
        pq.ParquetFile(p).metadata.num_rows for p in sigs
    ]:
        raise ValueError(f"{sig_dir} does not match {docs_dir}: run the minhash stage again")
    offsets = [0]
    for n in rows:
        offsets.append(offsets[-1] + n)
    return docs, sigs, offsets


def _fingerprint(params: DedupParams, partitions: int, paths: list[Path]) -> str:
    """Names the spill folder: a resumed run continues only a run of the same inputs and params."""
    facts = {
        "format": SPILL_FORMAT,
        "params": [params.threshold, params.ngram, params.num_perm, params.bands, params.verify],
        "partitions": partitions,
        "inputs": [(str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in paths],
    }
    return hashlib.sha256(json.dumps(facts).encode()).hexdigest()[:16]


def run_dedup(
    params: DedupParams,
    docs_dir: Path,
    sig_dir: Path,
    out_dir: Path,
    metrics_path: Path,
    plots_dir: Path,
    execute: ExecuteParams,
) -> dict[str, Any]:
    docs, sigs, offsets = _inputs(docs_dir, sig_dir)
    partitions = params.partitions_for(offsets[-1], execute.workers)
    base = Path(params.spill_dir).resolve()
    root = base / _fingerprint(params, partitions, docs + sigs)
    for stale in base.iterdir() if base.is_dir() else []:  # another run's leftovers: never resumed
        if stale != root:
            shutil.rmtree(stale, ignore_errors=True)
    run = Run(
        Spill(root, partitions),
        tuple(map(str, docs)),
        tuple(map(str, sigs)),
        tuple(offsets),
        params.ngram,
        params.num_perm,
    )
    bands, rows = params.bands
    near = Search("near", bands, rows, params.threshold, params.verify)
    reuse = near.name if near.verify == "exact" else None  # its shingle sets serve the check too
    check = Search("check", params.num_perm // CHECK_ROWS, CHECK_ROWS, params.threshold, "exact", reuse)
    with session(execute):  # one Ray session (when on Ray) for the steps and the copy
        with Steps(execute, offsets[-1]) as steps:  # its pool is gone before the copy starts its own
            found = find_duplicates(steps, run, near, check) if docs else None
        task = DedupTask(run, {p.name: i for i, p in enumerate(docs)})
        results = map_shards(
            task, docs_dir, out_dir / "docs", out_dir / "removed", SIGNALS_SCHEMA, STAGE, execute
        )
    shutil.rmtree(root, ignore_errors=True)
    assert found is not None  # map_shards refused an empty input folder above
    sizes = found["sizes"]
    kept = sum(r.stats["kept"] for r in results)
    metrics = {
        "docs_in": offsets[-1],
        "docs_out": kept,
        "removed": {reason: n for reason, n in sorted(found["removed"].items()) if n},
        "duplication_rate_in": ratio(sum(size * count for size, count in sizes.items()), offsets[-1]),
        "duplication_rate": ratio(found["residual"], kept),
        "clusters": sum(sizes.values()),
        "largest_cluster": max(sizes, default=0),
    }
    write_metrics(metrics_path, metrics)
    write_csv(
        plots_dir / "dedup_cluster_sizes.csv",
        [{"cluster_size": s, "clusters": c} for s, c in sorted(sizes.items())],
        ["cluster_size", "clusters"],
    )
    bins = found["jaccard"]
    write_csv(
        plots_dir / "dedup_jaccard.csv",
        [{"jaccard": b, "removed": bins[b]} for b in sorted(bins)],
        ["jaccard", "removed"],
    )
    return metrics
