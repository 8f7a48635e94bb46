"""The removed-record log: every stage that drops a record says which, why, and where it came from."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from codeprep.shards.io import PublishOnSuccess, ShardFile, ShardWriter
from codeprep.shards.schema import REMOVED_SCHEMA


class RemovedLog(PublishOnSuccess):
    """Writes ``out/<stage>/removed`` (or one shard of it) and counts drops by reason for the metrics."""

    def __init__(self, out_dir: str | Path, stage: str, max_bytes: int = 64 << 20) -> None:
        self.stage = stage
        self.counts: Counter[str] = Counter()
        self._writer: ShardWriter | ShardFile = ShardWriter(out_dir, REMOVED_SCHEMA, max_bytes)

    @classmethod
    def to_file(cls, path: str | Path, stage: str) -> RemovedLog:
        """A log written to one shard file, for a map worker that owns one input shard."""
        log = cls.__new__(cls)
        log.stage = stage
        log.counts = Counter()
        log._writer = ShardFile(path, REMOVED_SCHEMA)
        return log

    def drop(
        self,
        doc_id: str,
        reason: str,
        detail: str = "",
        repo: str = "",
        path: str = "",
        version: str | None = None,
    ) -> None:
        self.counts[reason] += 1
        self._writer.write(
            {
                "id": doc_id,
                "stage": self.stage,
                "reason": reason,
                "detail": detail,
                "repo": repo,
                "version": version,
                "path": path,
            }
        )

    def close(self) -> None:
        self._writer.close()

    def abort(self) -> None:
        self._writer.abort()
