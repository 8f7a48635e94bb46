"""Banded LSH over MinHash signatures: bands and rows from the threshold, candidate pairs per band,
verification by signature Jaccard, clusters as connected components.

No all-pairs anywhere: within a band, documents are grouped by the hash of their band (one sort), and
each bucket yields at most ``2 * (size - 1)`` candidate pairs: every member with the bucket's first
member (a star) and with its neighbour in the bucket (a chain), so a bucket of 10,000 copies of one
icon costs 20,000 pairs, not 50 million. Every band is grouped independently of the others, which is
what lets the partitioned dedup (:mod:`codeprep.dedup.partitioned`) shuffle band records by their
key and group each partition on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from codeprep.dedup.minhash import EMPTY, jaccard

_K = np.uint64(0x100000001B3)
_M = np.uint64(0xFF51AFD7ED558CCD)
#: Pairs whose signatures are compared at once: 8,192 x 128 x 2 x 4 bytes = 8 MiB at most.
VERIFY_BLOCK = 8_192


def _integral(f: Callable[[float], float], lo: float, hi: float) -> float:
    from scipy import integrate  # here, not at the top: a dedup worker never needs it (0.3 s to import)

    return integrate.quad(f, lo, hi)[0]


def _false_positive(threshold: float, bands: int, rows: int) -> float:
    return _integral(lambda s: 1 - (1 - s**rows) ** bands, 0.0, threshold)


def _false_negative(threshold: float, bands: int, rows: int) -> float:
    return _integral(lambda s: (1 - s**rows) ** bands, threshold, 1.0)


@cache
def optimal_bands(
    threshold: float, num_perm: int, fp_weight: float = 0.5, fn_weight: float = 0.5
) -> tuple[int, int]:
    """``(bands, rows)`` with ``bands * rows <= num_perm`` minimising
    ``fp_weight * P(false positive) + fn_weight * P(false negative)`` under the banding curve
    ``1 - (1 - s**rows)**bands``, integrated over similarity ``s`` below and above ``threshold``
    (datasketch's ``MinHashLSH`` rule, so the two are comparable)."""
    if not 0 < threshold < 1:
        raise ValueError("dedup.threshold must be between 0 and 1")
    best = (float("inf"), 0, 0)
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            error = fp_weight * _false_positive(threshold, bands, rows) + fn_weight * _false_negative(
                threshold, bands, rows
            )
            if error < best[0]:
                best = (error, bands, rows)
    return best[1], best[2]


def candidate_probability(similarity: float, bands: int, rows: int) -> float:
    """Probability that two documents of Jaccard ``similarity`` share at least one band."""
    return 1 - (1 - similarity**rows) ** bands


def band_keys(sigs: np.ndarray, band: int, rows: int) -> np.ndarray:
    """uint64 hash of each signature's ``band``-th run of ``rows`` slots (collisions across
    different bands do not matter: each band is grouped on its own)."""
    key = np.zeros(len(sigs), dtype=np.uint64)
    for j in range(band * rows, (band + 1) * rows):
        key *= _K
        key += sigs[:, j]
    key ^= key >> np.uint64(33)
    key *= _M
    key ^= key >> np.uint64(33)
    return key


def live_rows(sigs: np.ndarray) -> np.ndarray:
    """Indices of the documents that have shingles (an empty one has every slot 2**32 - 1)."""
    return np.flatnonzero(~np.all(sigs == EMPTY, axis=1))


def band_candidates(
    sigs: np.ndarray, band: int, rows: int, live: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs ``(u, v)``, ``u < v``, from one band: star + chain inside each bucket, among
    the ``live`` documents (:func:`live_rows`; documents without shingles are never candidates)."""
    if len(live) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    keys = band_keys(sigs, band, rows)[live]
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    members = live[order]
    new_bucket = np.empty(len(order), dtype=bool)
    new_bucket[0] = True
    new_bucket[1:] = sorted_keys[1:] != sorted_keys[:-1]
    first = members[np.flatnonzero(new_bucket)][np.cumsum(new_bucket) - 1]
    inner = ~new_bucket
    star_u, star_v = first[inner], members[inner]
    chain = inner.copy()
    chain[1:] &= ~new_bucket[:-1]  # the second member's neighbour is the first: already a star pair
    chain[0] = False
    chain_u, chain_v = members[np.flatnonzero(chain) - 1], members[chain]
    u = np.concatenate([star_u, chain_u]).astype(np.int64)
    v = np.concatenate([star_v, chain_v]).astype(np.int64)
    return np.minimum(u, v), np.maximum(u, v)


def candidates(sigs: np.ndarray, bands: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """The union of every band's candidate pairs, each pair once, sorted (the single-process
    search of :mod:`codeprep.dedup.reference`; the stage's partitioned search groups the same
    buckets the same way, in :func:`codeprep.dedup.partitioned.buckets`)."""
    live = live_rows(sigs)
    parts = [band_candidates(sigs, band, rows, live) for band in range(bands)]
    u = np.concatenate([p[0] for p in parts]) if parts else np.empty(0, np.int64)
    v = np.concatenate([p[1] for p in parts]) if parts else np.empty(0, np.int64)
    if len(u) == 0:
        return u, v
    pairs = np.unique(u * np.int64(len(sigs)) + v)
    return pairs // len(sigs), pairs % len(sigs)


def estimated_jaccard(sigs: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Signature Jaccard of each pair, computed in blocks of ``VERIFY_BLOCK`` pairs."""
    out = np.empty(len(u), dtype=np.float64)
    for start in range(0, len(u), VERIFY_BLOCK):
        end = start + VERIFY_BLOCK
        out[start:end] = jaccard(sigs[u[start:end]], sigs[v[start:end]])
    return out


def clusters(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Connected-component label of each of ``n`` documents given the verified pairs (union-find's
    result, computed by scipy in C)."""
    graph = coo_matrix((np.ones(len(u), dtype=np.int8), (u, v)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def iter_groups(labels: np.ndarray) -> Iterator[np.ndarray]:
    """Member indices of every label that has two or more members, in label order."""
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    bounds = np.flatnonzero(np.diff(sorted_labels)) + 1
    for group in np.split(order, bounds):
        if len(group) > 1:
            yield group
