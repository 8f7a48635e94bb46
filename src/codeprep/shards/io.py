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


class ShardFile(PublishOnSuccess):
    """One parquet file written a row group at a time (``row_group_bytes`` of text buffered), under a
    ``.partial`` name that is renamed into place on close. Map workers write their shard with this."""

    def __init__(self, path: str | Path, schema: pa.Schema, row_group_bytes: int = ROW_GROUP_BYTES) -> None:
        if row_group_bytes <= 0:
            raise ValueError("row_group_bytes must be positive")
        self.path = Path(path)
        self.partial = self.path.with_name(self.path.name + ".partial")
        self.schema = schema
        self.row_group_bytes = row_group_bytes
        self.rows = 0
        self.text_bytes = 0
        self._cols: dict[str, list[Any]] = {name: [] for name in schema.names}
        self._buffered = 0
        self._writer: pq.ParquetWriter | None = None

    def write(self, record: Mapping[str, Any]) -> None:
        size = 64
        for name, column in self._cols.items():
            value = record[name]
            column.append(value)
            if isinstance(value, str):
                size += len(value)
        self._buffered += size
        if self._buffered >= self.row_group_bytes:
            self.flush()

    def flush(self) -> None:
        """Write the buffered rows as one row group (an empty one if the file has none yet, so an
        empty output still carries its schema)."""
        if self._buffered == 0 and self._writer is not None:
            return
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.partial, self.schema, compression="zstd")
        self._writer.write_table(pa.Table.from_pydict(self._cols, schema=self.schema))
        self.rows += len(self._cols[self.schema.names[0]])
        self.text_bytes += self._buffered
        self._cols = {name: [] for name in self.schema.names}
        self._buffered = 0

    @property
    def pending_bytes(self) -> int:
        return self.text_bytes + self._buffered

    @property
    def written(self) -> int:
        """Rows written so far, buffered ones included (read by the progress heartbeat)."""
        return self.rows + len(self._cols[self.schema.names[0]])

    def close(self) -> None:
        self.flush()
        assert self._writer is not None
        self._writer.close()
        self._writer = None
        self.partial.rename(self.path)

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self.partial.unlink(missing_ok=True)


class ShardWriter(PublishOnSuccess):
    """Append records to ``out_dir``; a shard is closed once it holds ``max_bytes`` of text, and rows
    go out in row groups of ``row_group_bytes``.

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
        self.staging = staging_dir(self.final)
        self.schema = schema
        self.max_bytes = max_bytes
        self.row_group_bytes = min(row_group_bytes, max_bytes)
        self.shards_written = 0
        self._shard: ShardFile | None = None

    def _open_shard(self) -> ShardFile:
        return ShardFile(self.staging / shard_name(self.shards_written), self.schema, self.row_group_bytes)

    def write(self, record: Mapping[str, Any]) -> None:
        if self._shard is None:
            self._shard = self._open_shard()
        self._shard.write(record)
        if self._shard.pending_bytes >= self.max_bytes:
            self._close_shard()

    def _close_shard(self) -> None:
        if self._shard is None:
            return
        self._shard.close()
        self.shards_written += 1
        self._shard = None

    def close(self) -> None:
        """Write the last rows (an empty shard if nothing was written, so the schema is always
        readable) and publish the directory atomically."""
        if self._shard is None and self.shards_written == 0:
            self._shard = self._open_shard()
        self._close_shard()
        publish(self.staging, self.final)

    def abort(self) -> None:
        if self._shard is not None:
            self._shard.abort()
            self._shard = None
        shutil.rmtree(self.staging, ignore_errors=True)


def shard_name(index: int) -> str:
    return f"part-{index:05d}.parquet"


def staging_dir(final: Path) -> Path:
    """A fresh ``<final>.tmp`` folder to write an output into before it is published."""
    staging = final.with_name(final.name + ".tmp")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    return staging


def publish(staging: Path, final: Path) -> None:
    """Replace ``final`` by the completed ``staging`` folder."""
    if final.exists():
        shutil.rmtree(final)
    staging.rename(final)


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
