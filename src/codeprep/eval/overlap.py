"""Training documents that overlap the evaluation suite: the decontam stage drops them.

Two rules, each a recorded drop with its own reason:

- ``eval_package``: the document comes from a package of the suite (same name, any version).
- ``eval_near_duplicate``: its code-token shingles (the dedup stage's tokenizer, 64-bit hashes) have
  Jaccard similarity ``>= decontam.eval_jaccard`` with an eval document, or it contains at least
  ``decontam.eval_containment`` of an eval document's shingles (a bundle or a vendored copy that
  embeds an eval file; eval documents with fewer than ``containment_min_shingles`` distinct shingles
  are left out of this test, since a 20-token stub is contained in unrelated files).

The suite is small and fixed, so similarity is computed exactly, not estimated: an inverted index
from each shingle to the eval documents holding it gives every eval document's intersection with a
training document in one vectorised pass. No MinHash false negatives, which for decontamination
matter more than for dedup.

``overlaps`` is the independent check behind the ``eval_overlap`` gate: a kept document from an eval
package or with an eval document's whitespace-normalised content. It is zero after decontamination
unless the eval rules were switched off (``decontam.eval_suite: false``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from codeprep.dedup.shingles import ngram_hashes64, tokens
from codeprep.eval.settings import SETTINGS, EvalSettings
from codeprep.instruct.quality import normalised_hash


def shingle_set(text: str, ngram: int) -> np.ndarray:
    return np.unique(ngram_hashes64(tokens(text), ngram))


@dataclass(frozen=True)
class EvalOverlap:
    packages: frozenset[str]
    labels: tuple[str, ...]  # "repo/path" per eval document
    keys: np.ndarray  # sorted distinct shingle hashes of the suite
    offsets: np.ndarray  # eval documents holding keys[i]: postings[offsets[i]:offsets[i + 1]]
    postings: np.ndarray
    sizes: np.ndarray  # distinct shingles per eval document
    exact: frozenset[str]  # whitespace-normalised content hashes
    jaccard: float
    containment: float
    settings: EvalSettings

    @classmethod
    def build(
        cls, suite_dir: Path, jaccard: float, containment: float, settings: EvalSettings = SETTINGS
    ) -> EvalOverlap:
        docs = pq.read_table(suite_dir / "docs.parquet", columns=["repo", "path", "content"]).to_pylist()
        sets = [shingle_set(d["content"], settings.shingle_ngram) for d in docs]
        sizes = np.array([len(s) for s in sets], dtype=np.int64)
        hashes = np.concatenate(sets) if sets else np.empty(0, np.uint64)
        owners = np.repeat(np.arange(len(sets), dtype=np.int32), sizes)
        order = np.argsort(hashes, kind="stable")
        hashes, owners = hashes[order], owners[order]
        keys, starts = np.unique(hashes, return_index=True)
        return cls(
            packages=frozenset(d["repo"] for d in docs),
            labels=tuple(f"{d['repo']}/{d['path']}" for d in docs),
            keys=keys,
            offsets=np.append(starts, len(hashes)).astype(np.int64),
            postings=owners,
            sizes=sizes,
            exact=frozenset(normalised_hash(d["content"]) for d in docs),
            jaccard=jaccard,
            containment=containment,
            settings=settings,
        )

    def intersections(self, text: str) -> tuple[np.ndarray, int]:
        """Shared distinct shingles with every eval document, and the text's distinct shingle count."""
        mine = shingle_set(text, self.settings.shingle_ngram)
        if not len(mine) or not len(self.keys):
            return np.zeros(len(self.sizes), dtype=np.int64), len(mine)
        at = np.minimum(np.searchsorted(self.keys, mine), len(self.keys) - 1)
        found = at[self.keys[at] == mine]
        starts, ends = self.offsets[found], self.offsets[found + 1]
        lengths = ends - starts
        total = int(lengths.sum())
        # every posting of every found key as one index array: each run's start, plus 0..length-1
        run_start = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
        owners = self.postings[run_start + np.arange(total)]
        return np.bincount(owners, minlength=len(self.sizes)).astype(np.int64), len(mine)

    def match(self, repo: str, text: str) -> tuple[str, str] | None:
        """``(reason, detail)`` when the document must go, else None."""
        if repo in self.packages:
            return "eval_package", f"package {repo} is in the evaluation suite"
        shared, size = self.intersections(text)
        if not shared.any():
            return None
        union = size + self.sizes - shared
        jac = np.divide(shared, union, out=np.zeros(len(shared)), where=union > 0)
        best = int(np.argmax(jac))
        if jac[best] >= self.jaccard:
            return "eval_near_duplicate", f"Jaccard {jac[best]:.3f} with eval document {self.labels[best]}"
        eligible = self.sizes >= self.settings.containment_min_shingles
        cont = np.divide(shared, self.sizes, out=np.zeros(len(shared)), where=eligible)
        best = int(np.argmax(cont))
        if cont[best] >= self.containment:
            return (
                "eval_near_duplicate",
                f"contains {cont[best]:.3f} of eval document {self.labels[best]}'s shingles",
            )
        return None

    def overlaps(self, repo: str, text: str) -> bool:
        return repo in self.packages or normalised_hash(text) in self.exact
