"""``params.yaml`` ``dedup:``: what the dedup stage reads, checked before any work."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from codeprep.dedup.lsh import optimal_bands
from codeprep.params import dataclass_from

#: Documents per partition when ``dedup.partitions`` is not set: what sizes a worker's memory,
#: whatever the corpus size (the largest step holds one partition's shingle sets, ~5 KB a document
#: that has a close pair; docs/dedup-at-scale.md has the measured peaks).
DOCS_PER_PARTITION = 50_000


@dataclass(frozen=True)
class DedupParams:
    """The dedup stage's keys. ``ngram``, ``num_perm`` and ``seed`` are the minhash stage's (the
    signatures were made with them). ``partitions`` and ``spill_dir`` say how the work is split,
    not what comes out (outputs are byte-identical for any value), so they are not DVC params of
    the stage and changing them does not invalidate its cache."""

    threshold: float = 0.8
    ngram: int = 5
    num_perm: int = 128
    seed: int = 1
    false_positive_weight: float = 0.2
    false_negative_weight: float = 0.8
    verify: str = "exact"  # "exact": shingle-set Jaccard of the candidates; "signature": MinHash estimate
    partitions: int | None = None  # None: max(workers, ceil(documents / DOCS_PER_PARTITION))
    spill_dir: str = ".cache/dedup"  # partition files; on a Ray cluster, a folder every node sees

    def __post_init__(self) -> None:
        if self.verify not in ("exact", "signature"):
            raise ValueError(f"dedup.verify must be 'exact' or 'signature', not {self.verify!r}")
        if (
            isinstance(self.threshold, bool)
            or not isinstance(self.threshold, int | float)
            or not 0 < self.threshold < 1
        ):
            raise ValueError(f"dedup.threshold must be a number between 0 and 1, not {self.threshold!r}")
        if self.partitions is not None and (
            isinstance(self.partitions, bool) or not isinstance(self.partitions, int) or self.partitions < 1
        ):
            raise ValueError(f"dedup.partitions must be an integer >= 1 or null, not {self.partitions!r}")

    @classmethod
    def from_params(cls, section: dict[str, Any] | None) -> DedupParams:
        return dataclass_from(cls, section, "dedup")

    @property
    def bands(self) -> tuple[int, int]:
        return optimal_bands(
            self.threshold, self.num_perm, self.false_positive_weight, self.false_negative_weight
        )

    def partitions_for(self, documents: int, workers: int) -> int:
        return self.partitions or max(workers, -(-documents // DOCS_PER_PARTITION))
