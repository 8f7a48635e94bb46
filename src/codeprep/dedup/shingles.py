"""Code-aware shingles and their 32-bit hashes, vectorised, with a scalar twin for datasketch.

A document is cut into tokens: runs of word characters (identifiers, keywords, numbers; ``$`` counts
as a word character, as in JavaScript) and single punctuation characters. Whitespace and line breaks
(and non-ASCII bytes count as word characters) separate tokens and are otherwise ignored, so re-indenting or re-wrapping a file does not change its
shingles. A shingle is ``ngram`` consecutive tokens; a document shorter than ``ngram`` tokens has one
shingle of all its tokens, and an empty one has none.

The seed plan's sketch hashes the whole file as one token, which makes MinHash an exact-match test;
token n-grams are what bigcode/StarCoder and datatrove use.

Hashing: each token is hashed once (xxh32 of its UTF-8 bytes, C speed); a shingle's hash combines its
``ngram`` token hashes in 64-bit wrap-around arithmetic (``s = s * K + h``) and folds the result to 32
bits with a MurmurHash3-style mixer. :func:`shingle_hashes` does this for all shingles of a document at
once in numpy; :func:`shingle_hash` is the same function on one shingle in plain Python, the
``hashfunc`` handed to datasketch, so both sides hash identical shingles identically (tested).
"""

from __future__ import annotations

import re

import numpy as np
import xxhash

#: On the UTF-8 bytes, so each token goes to xxhash without an encode call: ASCII word characters,
#: ``$`` and every non-ASCII byte (letters of non-English identifiers and strings) form words.
TOKEN = re.compile(rb"[\w$\x80-\xff]+|[^\w\s\x80-\xff]")

_K = 0x100000001B3  # FNV-1a 64-bit prime: the polynomial base of the shingle combination
_M1 = 0xFF51AFD7ED558CCD  # MurmurHash3 fmix64 constants
_M2 = 0xC4CEB9FE1A85EC53
_MASK64 = (1 << 64) - 1


def tokens(text: str) -> list[bytes]:
    """The document's code tokens, as UTF-8 bytes (see the module docstring)."""
    return TOKEN.findall(text.encode("utf-8", "surrogatepass"))


def shingles(text: str, ngram: int) -> list[tuple[bytes, ...]]:
    """The document's shingles as token tuples (for datasketch and for tests; the stage uses
    :func:`shingle_hashes`)."""
    toks = tokens(text)
    if not toks:
        return []
    if len(toks) < ngram:
        return [tuple(toks)]
    return [tuple(toks[i : i + ngram]) for i in range(len(toks) - ngram + 1)]


def _fold(s: int) -> int:
    s ^= s >> 33
    s = (s * _M1) & _MASK64
    s ^= s >> 33
    s = (s * _M2) & _MASK64
    s ^= s >> 33
    return s & 0xFFFFFFFF


def shingle_hash(shingle: tuple[bytes, ...]) -> int:
    """32-bit hash of one shingle: the scalar reference of :func:`shingle_hashes`."""
    s = 0
    for token in shingle:
        s = (s * _K + xxhash.xxh32_intdigest(token)) & _MASK64
    return _fold(s)


def ngram_hashes64(toks: list[bytes], ngram: int) -> np.ndarray:
    """Mixed 64-bit hashes of every run of ``ngram`` consecutive tokens (one run of all of them when
    there are fewer), in order; :func:`shingle_hashes` keeps their low 32 bits. Decontamination uses
    the full 64 bits: it looks millions of corpus n-grams up in a set, where 32 bits would collide."""
    if not toks:
        return np.empty(0, dtype=np.uint64)
    h = np.fromiter(map(xxhash.xxh32_intdigest, toks), dtype=np.uint64, count=len(toks))
    width = min(ngram, len(h))
    n = len(h) - width + 1
    s = h[:n].copy()
    k = np.uint64(_K)
    for j in range(1, width):
        s *= k  # uint64 arrays wrap around silently: the mod 2**64 arithmetic of shingle_hash
        s += h[j : j + n]
    s ^= s >> np.uint64(33)
    s *= np.uint64(_M1)
    s ^= s >> np.uint64(33)
    s *= np.uint64(_M2)
    s ^= s >> np.uint64(33)
    return s


def shingle_hashes(text: str, ngram: int) -> np.ndarray:
    """uint32 hashes of every shingle of ``text`` in order (duplicates kept), vectorised."""
    return (ngram_hashes64(tokens(text), ngram) & np.uint64(0xFFFFFFFF)).astype(np.uint32)
