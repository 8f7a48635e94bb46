"""The base of a map stage's per-shard task: a stage says what it does to one record (or one batch),
the base does the rest the same way for every stage.

The base reads the input shard in batches (``batch_rows``, optionally only ``columns``), opens the
stage's per-shard ``resources`` once (a model, a syntax checker), hands each batch to the stage,
writes what the stage keeps, logs what it drops with its reason, detail and provenance (id, repo,
path, version), and counts records in and out per language. The executor
(:func:`codeprep.execute.local.run_one`) checks conservation on top: ``in = out + removed`` per
shard. A stage returns its own statistics from :meth:`RecordMap.summary`, so its metrics keep their
shape.
"""

from __future__ import annotations

import contextlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pyarrow.parquet as pq

from codeprep.shards import RemovedLog, ShardFile


@dataclass(frozen=True)
class Drop:
    """A record the stage removes: the reason (a short stable code) and the detail a reader sees in
    ``out/<stage>/removed`` and ``codeprep explain``."""

    reason: str
    detail: str


@dataclass
class Counts:
    """A shard's counters: ``by_lang[lang]`` (the base adds ``docs_in``/``docs_out``; a stage adds its
    own) and named ``groups`` for anything else a stage tallies (licences, benchmarks...)."""

    by_lang: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    groups: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    def total(self, key: str) -> int:
        return sum(counter[key] for counter in self.by_lang.values())


Outcome = dict[str, Any] | Drop


class RecordMap:
    """Subclass as a frozen dataclass holding the stage's config (it is pickled to each worker) and
    implement :meth:`map_record`, or :meth:`map_batch` where a whole batch is cheaper (a model)."""

    batch_rows: ClassVar[int] = 512
    columns: ClassVar[tuple[str, ...] | None] = None  # None: every column

    def resources(self) -> AbstractContextManager[Any]:
        """What the stage opens once per shard (closed when the shard ends)."""
        return contextlib.nullcontext()

    def map_record(self, record: dict[str, Any], counts: Counts, resource: Any) -> Outcome:
        raise NotImplementedError

    def map_batch(self, records: list[dict[str, Any]], counts: Counts, resource: Any) -> Iterator[Outcome]:
        return (self.map_record(record, counts, resource) for record in records)

    def summary(self, counts: Counts) -> dict[str, Any]:
        """The shard's statistics as the stage's metrics read them."""
        return {lang: dict(counter) for lang, counter in counts.by_lang.items()}

    def __call__(self, in_path: Path, out: ShardFile, removed: RemovedLog) -> dict[str, Any]:
        counts = Counts()
        columns = list(self.columns) if self.columns is not None else None
        with self.resources() as resource:
            for batch in pq.ParquetFile(in_path).iter_batches(batch_size=self.batch_rows, columns=columns):
                records = batch.to_pylist()
                for record, outcome in zip(records, self.map_batch(records, counts, resource), strict=True):
                    lang = counts.by_lang[record.get("lang", "")]
                    lang["docs_in"] += 1
                    if isinstance(outcome, Drop):
                        removed.drop(
                            record["id"],
                            outcome.reason,
                            outcome.detail,
                            record.get("repo"),
                            record.get("path"),
                            record.get("version"),
                        )
                    else:
                        out.write(outcome)
                        lang["docs_out"] += 1
        return self.summary(counts)
