"""Bounded, atomic, deterministic parquet shard IO.

A stage writes into ``<dir>.tmp`` and renames it over ``<dir>`` only when it closes cleanly, so a
stage killed half-way never leaves a shard that a rerun (or DVC) would trust. Shards are cut by
uncompressed size, and written a row group at a time, so memory stays flat however large the corpus is.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import pyarrow as pa
import pyarrow.parquet as pq

SHARD_GLOB = "part-*.parquet"
#: Rows are buffered up to this much text before they become one parquet row group.
ROW_GROUP_BYTES = 8 << 20


class PublishOnSuccess:
    """Context-manager protocol for outputs that publish on a clean exit and discard on an error."""

    def close(self) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


class ShardWriter(PublishOnSuccess):
    """Append records; rows are buffered up to ``row_group_bytes`` and written as one parquet row
    group, and a shard is closed once it holds ``max_bytes`` of text.

    Memory is bounded by the row group, not the shard: a shard can be as large as the cluster's file
    system likes while a worker holds only a few MB of rows at a time.
    """

    def __init__(
        self,
        out_dir: str | Path,
        schema: pa.Schema,
        max_bytes: int = 64 << 20,
        row_group_bytes: int = ROW_GROUP_BYTES,
    ) -> None:
        if max_bytes <= 0 or row_group_bytes <= 0:
            raise ValueError("max_bytes and row_group_bytes must be positive")
        self.final = Path(out_dir)
        self.staging = self.final.with_name(self.final.name + ".tmp")
        self.schema = schema
        self.max_bytes = max_bytes
        self.row_group_bytes = min(row_group_bytes, max_bytes)
        self.rows_written = 0
        self.shards_written = 0
        self._cols: dict[str, list[Any]] = {name: [] for name in schema.names}
        self._buffered = 0
        self._shard: pq.ParquetWriter | None = None
        self._shard_bytes = 0
        if self.staging.exists():
            shutil.rmtree(self.staging)
        self.staging.mkdir(parents=True)

    def _partial(self) -> Path:
        return self.staging / f"part-{self.shards_written:05d}.parquet.partial"

    def write(self, record: Mapping[str, Any]) -> None:
        size = 64
        for name, column in self._cols.items():
            value = record[name]
            column.append(value)
            if isinstance(value, str):
                size += len(value)
        self._buffered += size
        if self._buffered >= self.row_group_bytes or self._shard_bytes + self._buffered >= self.max_bytes:
            self._write_row_group()
        if self._shard_bytes >= self.max_bytes:
            self._close_shard()

    def _write_row_group(self) -> None:
        if self._shard is None:
            self._shard = pq.ParquetWriter(self._partial(), self.schema, compression="zstd")
        self._shard.write_table(pa.Table.from_pydict(self._cols, schema=self.schema))
        self.rows_written += len(self._cols[self.schema.names[0]])
        self._shard_bytes += self._buffered
        self._cols = {name: [] for name in self.schema.names}
        self._buffered = 0

    def _close_shard(self) -> None:
        if self._shard is None:
            return
        self._shard.close()
        self._shard = None
        partial = self._partial()
        partial.rename(partial.with_suffix(""))
        self.shards_written += 1
        self._shard_bytes = 0

    def close(self) -> None:
        """Write the last rows (an empty shard if nothing was written, so the schema is always
        readable) and publish the directory atomically."""
        if self._buffered or self.shards_written == 0:
            self._write_row_group()
        self._close_shard()
        if self.final.exists():
            shutil.rmtree(self.final)
        self.staging.rename(self.final)

    def abort(self) -> None:
        if self._shard is not None:
            self._shard.close()
            self._shard = None
        shutil.rmtree(self.staging, ignore_errors=True)


def shard_paths(directory: str | Path) -> list[Path]:
    """Shards of one output in their written order."""
    return sorted(Path(directory).glob(SHARD_GLOB))


def iter_batches(
    directory: str | Path, columns: list[str] | None = None, batch_size: int = 1024
) -> Iterator[pa.RecordBatch]:
    """Stream an output shard by shard, batch by batch: memory is bounded by one batch."""
    for path in shard_paths(directory):
        yield from pq.ParquetFile(path).iter_batches(batch_size=batch_size, columns=columns)


def iter_records(
    directory: str | Path, columns: list[str] | None = None, batch_size: int = 1024
) -> Iterator[dict[str, Any]]:
    for batch in iter_batches(directory, columns, batch_size):
        yield from batch.to_pylist()


def read_schema(directory: str | Path) -> pa.Schema:
    paths = shard_paths(directory)
    if not paths:
        raise FileNotFoundError(f"no shards ({SHARD_GLOB}) in {directory}")
    return pq.read_schema(paths[0])
