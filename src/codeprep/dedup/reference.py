"""The single-process dedup: every array in one process, union-find by scipy.

This is the algorithm the partitioned dedup (:mod:`codeprep.dedup.partitioned`) replaced as the
stage's implementation. It stays for two readers: the tests, which hold the partitioned run to
byte-identical results against it on every backend and partition count, and ``bench/dedup.py``,
which measures recall and precision of the candidate search and verification on in-memory corpora.
:func:`outcome` gives what the stage's outputs are made of (removals with their details, cluster
sizes, residual) for a corpus small enough to hold.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from codeprep.dedup.keeper import Meta, keeper_key
from codeprep.dedup.lsh import candidates, clusters, estimated_jaccard, iter_groups
from codeprep.dedup.params import DedupParams
from codeprep.dedup.partitioned import CHECK_ROWS, CHECK_SLACK, META_COLUMNS
from codeprep.dedup.shingles import shingle_hashes
from codeprep.dedup.signatures import read_signatures
from codeprep.shards import iter_batches


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
) -> tuple[dict[int, Removal], np.ndarray]:
    """Removals by document index, and each document's cluster label (exact and near merged)."""
    removals: dict[int, Removal] = {}
    _, exact_labels = np.unique(np.asarray(hashes, dtype=object).astype(str), return_inverse=True)
    for group in iter_groups(exact_labels):
        keep = _keeper(group, metas)
        removals.update({int(i): Removal("exact_duplicate", keep, 1.0) for i in group if i != keep})
    reps = np.array([i for i in range(len(metas)) if i not in removals], dtype=np.int64)
    bands, rows = params.bands
    u, v = candidates(sigs[reps], bands, rows)
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


def residual_duplicates(kept: np.ndarray, sigs: np.ndarray, params: DedupParams, load_sets: SetLoader) -> int:
    """Kept documents that still have a near duplicate among the kept ones (exact shingle-set Jaccard
    at least the threshold), found by the higher-recall search of the module docstring."""
    sub = sigs[kept]
    u, v = candidates(sub, sub.shape[1] // CHECK_ROWS, CHECK_ROWS)
    same = verified(sub, u, v, params.threshold, "exact", lambda wanted: _remap(load_sets, kept, wanted))
    return len(set(u[same].tolist()) | set(v[same].tolist()))


def outcome(params: DedupParams, docs_dir: Path, sig_dir: Path) -> dict[str, Any]:
    """``{"removed": {id: (reason, detail)}, "sizes": Counter, "residual": int, "kept": int}``."""
    metas = load_meta(docs_dir)
    ids, hashes, _, sigs = read_signatures(sig_dir, params.num_perm)
    order = sorted(range(len(ids)), key=ids.__getitem__)
    metas = [metas[i] for i in order]
    ids = [ids[i] for i in order]
    hashes = [hashes[i] for i in order]
    sigs = sigs[order] if len(order) else sigs
    load_sets = shingle_set_loader(docs_dir, ids, params.ngram)
    removals, labels = find_duplicates(metas, hashes, sigs, params, load_sets)
    kept = np.array([i for i in range(len(ids)) if i not in removals], dtype=np.int64)
    return {
        "removed": {ids[i]: (r.reason, _detail(r, ids, metas)) for i, r in removals.items()},
        "sizes": Counter(Counter(labels.tolist()).values()),
        "residual": residual_duplicates(kept, sigs, params, load_sets) if len(kept) > 1 else 0,
        "kept": len(kept),
    }
