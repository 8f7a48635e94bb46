"""The n-gram index of the evaluation items and the document check.

Normalisation: the text's word tokens only (identifiers, keywords, numbers; the tokens of
:mod:`codeprep.dedup.shingles` without the punctuation), lowercased. Punctuation is dropped so that
the same solution pasted into a ``//`` or ``/* * */`` comment, re-indented, or with other quotes still
matches: comment markers and layout are punctuation and whitespace.

``n`` (``decontam.ngram``, default 13): GPT-3's and Llama's contamination checks used 13-grams of
words. In code, 13 words are longer than common idioms (``for (let i = 0; i < arr.length; i++) {`` is
8 words: ``for let i 0 i arr length i``), so a hit means a copied passage, not a shared habit; a
document with fewer than ``n`` words of an item in a row does not match it. Items shorter than ``n``
words give no n-gram and cannot match anything (counted as ``items_too_short``): a one-line solution
such as ``return sorted(set(l))`` is not evidence of contamination.

Hashes are 64-bit (millions of corpus n-grams are looked up, where 32 bits would collide).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from codeprep.decontam.benchmarks import Item
from codeprep.dedup.shingles import ngram_hashes64

_WORD = re.compile(rb"[\w$\x80-\xff]+")


def words(text: str) -> list[bytes]:
    return _WORD.findall(text.lower().encode("utf-8", "surrogatepass"))


@dataclass
class Index:
    ngram: int
    keys: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.uint64))  # sorted unique
    owners: dict[int, tuple[str, str, str]] = field(
        default_factory=dict
    )  # hash -> first (benchmark, id, field)
    items: Counter[str] = field(default_factory=Counter)  # benchmark -> items indexed
    too_short: Counter[str] = field(default_factory=Counter)  # benchmark -> texts shorter than ngram

    @classmethod
    def build(cls, items: Iterable[Item], ngram: int) -> Index:
        index = cls(ngram)
        parts = []
        for item in items:
            toks = words(item.text)
            if len(toks) < ngram:
                index.too_short[item.benchmark] += 1
                continue
            hashes = ngram_hashes64(toks, ngram)
            for h in hashes.tolist():
                index.owners.setdefault(h, (item.benchmark, item.item_id, item.field))
            index.items[item.benchmark] += 1
            parts.append(hashes)
        if parts:
            index.keys = np.unique(np.concatenate(parts))
        return index

    def hits(self, text: str) -> list[tuple[str, str, str, int]]:
        """``(benchmark, item_id, field, shared n-grams)`` of every item the text contains a passage of."""
        toks = words(text)
        if len(toks) < self.ngram or not len(self.keys):
            return []
        hashes = ngram_hashes64(toks, self.ngram)
        found = hashes[np.isin(hashes, self.keys)]
        if not len(found):
            return []
        shared = Counter(self.owners[h] for h in found.tolist())
        return sorted(((*owner, n) for owner, n in shared.items()), key=lambda hit: (-hit[3], hit[:3]))
