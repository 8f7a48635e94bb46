"""MinHash signatures, bit-identical to datasketch's default ("affine32") scheme, computed for many
documents at once.

datasketch 2.x ``MinHash(num_perm, seed, hashfunc=f).update_batch(shingles)`` does, per document:
``hv = fmix32(f(shingle))`` (the MurmurHash3 finalizer), ``phv = a * hv + b`` in uint32 wrap-around
arithmetic, one ``(a, b)`` pair per permutation drawn from ``numpy.random.RandomState(seed)`` (``a`` odd),
and keeps the column minima, starting from 2**32 - 1. :class:`MinHasher` draws the same ``(a, b)`` and
applies the same arithmetic, but to the stacked shingle hashes of a whole batch of documents with
``numpy.minimum.reduceat`` per document, in row blocks of bounded size: one pass of numpy instead of a
Python call per shingle and a numpy call sequence per document. datasketch is the oracle in the tests,
not a run-time dependency.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

#: MurmurHash3 fmix32: shifts and multipliers.
_FMIX32 = (16, 0x85EBCA6B, 13, 0xC2B2AE35, 16)
EMPTY = np.uint32(0xFFFFFFFF)  # a signature slot no shingle has lowered (an empty document: all of them)
#: Rows of the (shingles x num_perm) matrix handled at once: 16,384 x 128 x 4 bytes = 8 MiB per block.
BLOCK_ROWS = 16_384


@dataclass(frozen=True)
class MinHashParams:
    """``params.yaml`` ``dedup:`` keys the minhash stage reads (no threshold: a sweep reuses it)."""

    ngram: int = 5
    num_perm: int = 128
    seed: int = 1

    @classmethod
    def from_params(cls, section: dict[str, Any] | None) -> MinHashParams:
        from codeprep.dedup.params import DedupParams  # the dedup: section, checked once, whole

        dedup = DedupParams.from_params(section)
        params = cls(ngram=dedup.ngram, num_perm=dedup.num_perm, seed=dedup.seed)
        if params.ngram < 1 or params.num_perm < 1:
            raise ValueError("dedup.ngram and dedup.num_perm must be positive")
        return params


def fmix32(hv: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer on a uint32 array (a bijection; multiplication wraps)."""
    s1, m1, s2, m2, s3 = _FMIX32
    hv = hv ^ (hv >> np.uint32(s1))
    hv = hv * np.uint32(m1)
    hv = hv ^ (hv >> np.uint32(s2))
    hv = hv * np.uint32(m2)
    return hv ^ (hv >> np.uint32(s3))


def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``(a, b)`` uint32 vectors datasketch draws for ``MinHash(num_perm, seed)``: same generator,
    same calls, same order."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


class MinHasher:
    """Signatures of batches of documents given as arrays of 32-bit shingle hashes."""

    def __init__(self, num_perm: int = 128, seed: int = 1) -> None:
        self.num_perm = num_perm
        a, b = permutations(num_perm, seed)
        self._a = a[np.newaxis, :]
        self._b = b[np.newaxis, :]

    def _permuted_min(self, hv: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """Minima of ``a * fmix32(hv) + b`` over each segment of rows starting at ``starts``."""
        phv = fmix32(hv)[:, np.newaxis] * self._a
        phv += self._b
        return np.minimum.reduceat(phv, starts, axis=0)

    def signatures(self, docs: Sequence[np.ndarray]) -> np.ndarray:
        """``(len(docs), num_perm)`` uint32 signatures; a document without shingles gets all 2**32 - 1
        (datasketch's initial value), which matches nothing in LSH."""
        out = np.full((len(docs), self.num_perm), EMPTY, dtype=np.uint32)
        batch: list[int] = []
        rows = 0
        for i, hv in enumerate(docs):
            n = len(hv)
            if n == 0:
                continue
            if n > BLOCK_ROWS:  # a big document on its own, block by block
                sig = out[i]
                for start in range(0, n, BLOCK_ROWS):
                    block = np.asarray(hv[start : start + BLOCK_ROWS], dtype=np.uint32)
                    np.minimum(sig, self._permuted_min(block, np.zeros(1, dtype=np.intp))[0], out=sig)
                continue
            if rows + n > BLOCK_ROWS:
                self._flush(docs, batch, out)
                batch, rows = [], 0
            batch.append(i)
            rows += n
        self._flush(docs, batch, out)
        return out

    def _flush(self, docs: Sequence[np.ndarray], batch: list[int], out: np.ndarray) -> None:
        if not batch:
            return
        parts = [np.asarray(docs[i], dtype=np.uint32) for i in batch]
        lengths = np.fromiter((len(p) for p in parts), dtype=np.intp, count=len(parts))
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        out[batch] = self._permuted_min(np.concatenate(parts), starts)


def jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> np.ndarray:
    """Estimated Jaccard similarity: the share of equal slots, row by row (works on 1-D pairs too)."""
    return np.count_nonzero(sig_a == sig_b, axis=-1) / sig_a.shape[-1]  # no float copy of the slots
