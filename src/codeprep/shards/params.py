"""``params.yaml`` ``shards:``: how much text a parquet shard holds (ingest cuts its output by it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from codeprep.params import ParamsError, dataclass_from


@dataclass(frozen=True)
class ShardsParams:
    """``shards:``: uncompressed text per parquet shard (bounds a worker's memory)."""

    max_bytes: int = 64 << 20

    def __post_init__(self) -> None:
        if self.max_bytes < 1 << 20:
            raise ParamsError(f"shards.max_bytes must be at least 1 MiB, not {self.max_bytes}")

    @classmethod
    def from_params(cls, section: dict[str, Any] | None) -> ShardsParams:
        return dataclass_from(cls, section, "shards")
