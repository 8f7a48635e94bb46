"""The removed-record log: every stage that drops a record says which, why, and where it came from."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from codeprep.shards.io import PublishOnSuccess, ShardWriter
from codeprep.shards.schema import REMOVED_SCHEMA


class RemovedLog(PublishOnSuccess):
    """Writes ``out/<stage>/removed`` and counts drops by reason for the stage's metrics."""

    def __init__(self, out_dir: str | Path, stage: str, max_bytes: int = 64 << 20) -> None:
        self.stage = stage
        self.counts: Counter[str] = Counter()
        self._writer = ShardWriter(out_dir, REMOVED_SCHEMA, max_bytes)

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

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def close(self) -> None:
        self._writer.close()

    def abort(self) -> None:
        self._writer.abort()
