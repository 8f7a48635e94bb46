"""The dedup stage: exact duplicates first, then near duplicates, one keeper per cluster.

1. **Exact**: documents with the same normalised-content hash (:mod:`codeprep.dedup.exact`) form a
   cluster; its keeper (:mod:`codeprep.dedup.keeper`) stays, the others are removed as
   ``exact_duplicate``.
2. **Near**: the exact keepers go through banded LSH (:mod:`codeprep.dedup.lsh`) with bands and rows
   from ``dedup.threshold``; candidate pairs confirmed by :func:`verified` (``dedup.verify``: exact
   shingle-set Jaccard by default, or the signature estimate) are edges, connected components are clusters, the keeper stays and the others are removed as
   ``near_duplicate``. The removed log's ``detail`` names the keeper's id and place and the estimated
   Jaccard with it.
3. **Residual check** (``duplication_rate``): on the kept documents, an independent, higher-recall
   search: 4-row bands (32 bands of 128 slots: a pair at Jaccard 0.6 is a candidate with probability
   0.99), a loose signature prefilter (threshold - 0.15, 3.4 standard deviations of the estimate), and
   **exact** Jaccard of the shingle sets, recomputed from the text, against the threshold. What it finds
   is what the dedup missed.

Documents are processed in id order, so the result does not depend on the order of the input shards.
With ``execute.backend: ray`` the band grouping of steps 2 and 3 and the copy of the kept rows run as
Ray tasks in one Ray session; verification, clustering and the keeper choice stay in the driver, so
the output is byte-identical to the local run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from codeprep.dedup.keeper import Meta, keeper_key
from codeprep.dedup.lsh import candidates, clusters, estimated_jaccard, iter_groups, optimal_bands
from codeprep.dedup.minhash_stage import read_signatures
from codeprep.dedup.shingles import shingle_hashes
from codeprep.execute.local import map_shards
from codeprep.execute.params import ExecuteParams
from codeprep.execute.ray_backend import session
from codeprep.metrics import ratio, write_csv, write_json
from codeprep.shards import RemovedLog, ShardFile, iter_batches
from codeprep.signals.stage import SIGNALS_SCHEMA

STAGE = "dedup"
CHECK_ROWS = 4
CHECK_SLACK = 0.15
META_COLUMNS = [
    "id",
    "repo",
    "version",
    "path",
    "license",
    "is_vendored",
    "is_minified",
    "syntax_ok",
    "alnum_fraction",
]


@dataclass(frozen=True)
class DedupParams:
    """``params.yaml`` ``dedup:`` keys the dedup stage reads."""

    threshold: float = 0.8
    ngram: int = 5
    num_perm: int = 128
    false_positive_weight: float = 0.2
    false_negative_weight: float = 0.8
    verify: str = "exact"  # "exact": shingle-set Jaccard of the candidates; "signature": MinHash estimate

    @classmethod
    def from_params(cls, section: dict[str, Any] | None) -> DedupParams:
        section = section or {}
        params = cls(
            threshold=float(section.get("threshold", cls.threshold)),
            ngram=int(section.get("ngram", cls.ngram)),
            num_perm=int(section.get("num_perm", cls.num_perm)),
            false_positive_weight=float(section.get("false_positive_weight", cls.false_positive_weight)),
            false_negative_weight=float(section.get("false_negative_weight", cls.false_negative_weight)),
            verify=str(section.get("verify", cls.verify)),
        )
        if params.verify not in ("exact", "signature"):
            raise ValueError("dedup.verify must be 'exact' or 'signature'")
        if not 0 < params.threshold < 1:
            raise ValueError("dedup.threshold must be between 0 and 1")
        return params

    @property
    def bands(self) -> tuple[int, int]:
        return optimal_bands(
            self.threshold, self.num_perm, self.false_positive_weight, self.false_negative_weight
        )


@dataclass(frozen=True)
class Removal:
    reason: str  # exact_duplicate | near_duplicate
    keeper: int  # index (id order) of the document of its cluster that stays
    jaccard: float  # estimated Jaccard with the keeper (1.0 for an exact duplicate of it)
    identical_to: int | None = None  # an exact duplicate's exact keeper, when that one went as near


#: ``load_sets(indices) -> {index: sorted unique shingle hashes}`` of the documents asked for.
SetLoader = Callable[[set[int]], dict[int, np.ndarray]]


def shingle_set_loader(docs_dir: Path, ids: list[str], ngram: int) -> SetLoader:
    """Reads the documents asked for (one pass over the shards) and returns their shingle sets."""
    index_of = {doc: i for i, doc in enumerate(ids)}

    def load(wanted: set[int]) -> dict[int, np.ndarray]:
        sets: dict[int, np.ndarray] = {}
        if not wanted:
            return sets
        for batch in iter_batches(docs_dir, columns=["id", "content"]):
            cols = batch.to_pydict()
            for doc, text in zip(cols["id"], cols["content"], strict=True):
                i = index_of.get(doc)
                if i is not None and i in wanted:
                    sets[i] = np.unique(shingle_hashes(text, ngram))
        return sets

    return load


def verified(
    sigs: np.ndarray, u: np.ndarray, v: np.ndarray, threshold: float, how: str, load_sets: SetLoader
) -> np.ndarray:
    """Which candidate pairs are duplicates: signature Jaccard >= threshold (``signature``), or
    (``exact``) signature Jaccard >= threshold - ``CHECK_SLACK`` and then the exact Jaccard of the
    two shingle sets >= threshold. The estimate's standard deviation at 0.8 with 128 slots is 0.035,
    so ``signature`` also accepts pairs of true Jaccard 0.72-0.8 and misses some above 0.8."""
    estimate = estimated_jaccard(sigs, u, v)
    if how == "signature":
        return estimate >= threshold
    close = np.flatnonzero(estimate >= threshold - CHECK_SLACK)
    sets = load_sets(set(u[close].tolist()) | set(v[close].tolist()))
    keep = np.zeros(len(u), dtype=bool)
    for k in close.tolist():
        a, b = sets[int(u[k])], sets[int(v[k])]
        inter = len(np.intersect1d(a, b, assume_unique=True))
        keep[k] = inter >= threshold * (len(a) + len(b) - inter)
    return keep


def load_meta(docs_dir: Path) -> list[Meta]:
    metas = []
    for batch in iter_batches(docs_dir, columns=META_COLUMNS):
        cols = batch.to_pydict()
        metas += [Meta(*row) for row in zip(*(cols[c] for c in META_COLUMNS), strict=True)]
    return metas


def _keeper(members: np.ndarray, metas: list[Meta]) -> int:
    return int(min(members, key=lambda i: keeper_key(metas[i])))


def find_duplicates(
    metas: list[Meta],
    hashes: list[str],
    sigs: np.ndarray,
    params: DedupParams,
    load_sets: SetLoader,
    execute: ExecuteParams,
) -> tuple[dict[int, Removal], np.ndarray]:
    """Removals by document index, and each document's cluster label (exact and near merged)."""
    removals: dict[int, Removal] = {}
    _, exact_labels = np.unique(np.asarray(hashes, dtype=object).astype(str), return_inverse=True)
    for group in iter_groups(exact_labels):
        keep = _keeper(group, metas)
        removals.update({int(i): Removal("exact_duplicate", keep, 1.0) for i in group if i != keep})
    reps = np.array([i for i in range(len(metas)) if i not in removals], dtype=np.int64)
    bands, rows = params.bands
    u, v = candidates(sigs[reps], bands, rows, execute)
    similar = verified(
        sigs[reps], u, v, params.threshold, params.verify, lambda wanted: _remap(load_sets, reps, wanted)
    )
    near_labels = clusters(len(reps), u[similar], v[similar])
    for group in iter_groups(near_labels):
        keep = _keeper(reps[group], metas)
        for i in reps[group]:
            if i != keep:
                removals[int(i)] = Removal(
                    "near_duplicate", keep, float(estimated_jaccard(sigs, np.array([i]), np.array([keep]))[0])
                )
    # A document's cluster is its exact keeper's near cluster; an exact duplicate whose exact keeper
    # went as a near duplicate points at the document that stayed.
    label_of_rep = dict(zip(reps.tolist(), near_labels.tolist(), strict=True))
    exact_keeper = {i: r.keeper for i, r in removals.items() if r.reason == "exact_duplicate"}
    for i, first in exact_keeper.items():
        if first in removals:
            final = removals[first].keeper
            removals[i] = Removal("exact_duplicate", final, removals[first].jaccard, first)
    labels = np.array([label_of_rep[exact_keeper.get(i, i)] for i in range(len(metas))], dtype=np.int64)
    return removals, labels


def _remap(load_sets: SetLoader, rows: np.ndarray, wanted: set[int]) -> dict[int, np.ndarray]:
    """``load_sets`` for positions in a subset ``rows`` of the documents."""
    sets = load_sets({int(rows[i]) for i in wanted})
    return {i: sets[int(rows[i])] for i in wanted}


def _detail(removal: Removal, ids: list[str], metas: list[Meta]) -> str:
    keeper = removal.keeper
    text = f"duplicate of {ids[keeper]} ({metas[keeper].where}); estimated jaccard {removal.jaccard:.3f}"
    if removal.identical_to is not None:
        text += f"; same normalised content as {ids[removal.identical_to]}, itself a near duplicate"
    return text


def residual_duplicates(
    kept: np.ndarray, sigs: np.ndarray, params: DedupParams, load_sets: SetLoader, execute: ExecuteParams
) -> int:
    """Kept documents that still have a near duplicate among the kept ones (exact shingle-set Jaccard
    at least the threshold), found by the higher-recall search of the module docstring."""
    sub = sigs[kept]
    u, v = candidates(sub, sub.shape[1] // CHECK_ROWS, CHECK_ROWS, execute)
    same = verified(sub, u, v, params.threshold, "exact", lambda wanted: _remap(load_sets, kept, wanted))
    return len(set(u[same].tolist()) | set(v[same].tolist()))


@dataclass(frozen=True)
class DedupTask:
    """Picklable per-shard work: copy the kept rows, log the removed ones."""

    removed: dict[str, tuple[str, str]]  # id -> (reason, detail)

    def __call__(self, in_path: Path, out: ShardFile, removed: RemovedLog) -> dict[str, Any]:
        kept = 0
        for batch in pq.ParquetFile(in_path).iter_batches(batch_size=1024):
            for record in batch.to_pylist():
                hit = self.removed.get(record["id"])
                if hit is None:
                    out.write(record)
                    kept += 1
                else:
                    removed.drop(
                        record["id"], hit[0], hit[1], record["repo"], record["path"], record["version"]
                    )
        return {"kept": kept}


def run_dedup(
    params: DedupParams,
    docs_dir: Path,
    sig_dir: Path,
    out_dir: Path,
    metrics_path: Path,
    plots_dir: Path,
    execute: ExecuteParams,
) -> dict[str, Any]:
    metas = load_meta(docs_dir)
    ids, hashes, _, sigs = read_signatures(sig_dir, params.num_perm)
    if ids != [m.id for m in metas]:
        raise ValueError(f"{sig_dir} does not match {docs_dir}: run the minhash stage again")
    order = sorted(range(len(ids)), key=ids.__getitem__)
    metas = [metas[i] for i in order]
    ids = [ids[i] for i in order]
    hashes = [hashes[i] for i in order]
    sigs = sigs[order] if len(order) else sigs
    load_sets = shingle_set_loader(docs_dir, ids, params.ngram)
    with session(execute):  # one local Ray instance for the bands, the copy and the residual check
        removals, labels = find_duplicates(metas, hashes, sigs, params, load_sets, execute)
        details = {ids[i]: (r.reason, _detail(r, ids, metas)) for i, r in removals.items()}
        map_shards(
            DedupTask(details),
            docs_dir,
            out_dir / "docs",
            out_dir / "removed",
            SIGNALS_SCHEMA,
            STAGE,
            execute,
        )
        kept = np.array([i for i in range(len(ids)) if i not in removals], dtype=np.int64)
        residual = residual_duplicates(kept, sigs, params, load_sets, execute) if len(kept) > 1 else 0
    sizes = Counter(Counter(labels.tolist()).values())
    duplicated = sum(size * count for size, count in sizes.items() if size > 1)
    metrics = {
        "docs_in": len(ids),
        "docs_out": len(kept),
        "removed": dict(sorted(Counter(r.reason for r in removals.values()).items())),
        "duplication_rate_in": ratio(duplicated, len(ids)),
        "duplication_rate": ratio(residual, len(kept)),
        "clusters": sum(count for size, count in sizes.items() if size > 1),
        "largest_cluster": max((size for size in sizes if size > 1), default=0),
    }
    write_json(metrics_path, metrics)
    write_csv(
        plots_dir / "dedup_cluster_sizes.csv",
        [{"cluster_size": s, "clusters": c} for s, c in sorted(sizes.items()) if s > 1],
        ["cluster_size", "clusters"],
    )
    bins = Counter(
        min(int(r.jaccard * 50), 49) / 50 for r in removals.values() if r.reason == "near_duplicate"
    )
    write_csv(
        plots_dir / "dedup_jaccard.csv",
        [{"jaccard": f"{b:.2f}", "removed": bins[b]} for b in sorted(bins)],
        ["jaccard", "removed"],
    )
    return metrics
