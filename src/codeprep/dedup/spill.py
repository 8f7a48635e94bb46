"""Partitioned, checksummed intermediate files: the shuffle medium of the partitioned dedup.

A *step* is a set of tasks. Task ``t`` of a step writes, for each output it produces, **one** Arrow
IPC file ``<root>/<output>/t<t>.arrow`` whose record batches are tagged with their destination
partition (the tags in ``t<t>.index.json`` beside it), then one completion marker
``<root>/_done/<step>/t<t>.json`` holding the sha256 of every file it wrote and its small
statistics. One file per task and output, not per destination, keeps the file count linear in the
partitions (a 2,000-partition run would otherwise write 4 million files a step). A later step reads
partition ``p`` of an output as its batches in task order (reading only those), so what it sees never
depends on which task finished first, and it can stream them batch by batch
(:meth:`Spill.batches`) instead of holding a partition whole.

Why markers with checksums: a run killed mid-way resumes from the tasks that have a marker (the
statistics in the marker stand in for the task's return value), and a marker whose files no longer
hash to what it recorded (a partition file corrupted or truncated between runs) is discarded and its
task recomputed, never trusted. Files are written under a ``.partial`` name and renamed, and the
marker is written last, so a kill leaves either a complete task or one that runs again.

The root is a folder on storage every worker sees at the same path (a local disk for the local
backend; a shared file system on a Ray cluster, as for the stages' shards).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc

#: lz4 keeps the spill small (signatures and ids compress ~2x) at a cost far below the shuffle's I/O.
COMPRESSION = "lz4"
_HASH_BLOCK = 1 << 20


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_HASH_BLOCK):
            h.update(block)
    return h.hexdigest()


def _partial(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


@dataclass
class TaskOutput:
    """What one task publishes: :meth:`add` appends routed rows as they are made (so a task never
    holds its whole output), :meth:`Spill.task` publishes on success."""

    spill: Spill
    task: int
    stats: dict[str, Any] = field(default_factory=dict)
    _writers: dict[str, ipc.RecordBatchFileWriter] = field(default_factory=dict)
    _tags: dict[str, list[int]] = field(default_factory=dict)

    def add(self, step: str, parts: dict[int, pa.Table]) -> None:
        """Append ``{destination partition: rows}`` (what :func:`route` returns) to ``step``."""
        for part, table in sorted(parts.items()):
            if table.num_rows == 0:
                continue
            writer = self._writers.get(step)
            if writer is None:
                path = self.spill.root / step / f"t{self.task:05d}.arrow"
                path.parent.mkdir(parents=True, exist_ok=True)
                options = ipc.IpcWriteOptions(compression=COMPRESSION)
                writer = self._writers[step] = ipc.new_file(_partial(path), table.schema, options=options)
                self._tags[step] = []
            for batch in table.to_batches():
                writer.write_batch(batch)
                self._tags[step].append(part)

    def _publish(self, producer: str) -> dict[str, Any]:
        files = {}
        for step, writer in sorted(self._writers.items()):
            writer.close()
            path = self.spill.root / step / f"t{self.task:05d}.arrow"
            index = path.with_suffix(".index.json")
            _partial(index).write_text(json.dumps(self._tags[step]))
            os.replace(_partial(index), index)
            os.replace(_partial(path), path)
            for done in (path, index):
                files[str(done.relative_to(self.spill.root))] = _sha256(done)
        marker = self.spill.marker(producer, self.task)
        marker.parent.mkdir(parents=True, exist_ok=True)
        _partial(marker).write_text(json.dumps({"files": files, "stats": self.stats}, sort_keys=True))
        os.replace(_partial(marker), marker)
        return self.stats

    def _abort(self) -> None:
        for writer in self._writers.values():
            writer.close()


@dataclass(frozen=True)
class Spill:
    """The partition files and markers of one dedup run under ``root``."""

    root: Path
    partitions: int

    def marker(self, producer: str, task: int) -> Path:
        return self.root / "_done" / producer / f"t{task:05d}.json"

    def task(self, producer: str, task: int) -> _TaskContext:
        """``with spill.task(step, t) as out: out.add(...); out.stats = {...}``, then
        ``out.stats`` is the task's result; published only if the body did not raise."""
        return _TaskContext(self, producer, task)

    def write(
        self,
        producer: str,
        task: int,
        outputs: dict[str, dict[int, pa.Table]],
        stats: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Publish a task whose outputs are all at hand: ``{output step: routed rows}``."""
        with self.task(producer, task) as out:
            for step, parts in outputs.items():
                out.add(step, parts)
            out.stats = stats or {}
        return out.stats

    def completed(self, producer: str, task: int) -> dict[str, Any] | None:
        """The stats of a task whose marker exists and whose files all still hash as recorded;
        None (and the marker removed) when it must run again."""
        marker = self.marker(producer, task)
        try:
            body = json.loads(marker.read_text())
            intact = all(
                (self.root / name).is_file() and _sha256(self.root / name) == digest
                for name, digest in body["files"].items()
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            intact, body = False, None
        if intact and body is not None:
            return body["stats"]
        marker.unlink(missing_ok=True)
        return None

    def batches(self, step: str, part: int, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
        """Partition ``part`` of ``step``, batch by batch in task order. A file of another schema
        is an error, not data."""
        folder = self.root / step
        for path in sorted(folder.glob("t*.arrow")) if folder.is_dir() else []:
            tags = json.loads(path.with_suffix(".index.json").read_text())
            with pa.OSFile(str(path)) as source, ipc.open_file(source) as reader:
                if not reader.schema.equals(schema):
                    raise ValueError(f"{path}: schema {reader.schema} is not {schema}")
                for i, tag in enumerate(tags):
                    if tag == part:
                        yield reader.get_batch(i)

    def read(self, step: str, part: int, schema: pa.Schema) -> pa.Table:
        """Partition ``part`` of ``step`` as one table (an empty one when no task wrote to it)."""
        return pa.Table.from_batches(list(self.batches(step, part, schema)), schema=schema)


@dataclass
class _TaskContext:
    spill: Spill
    producer: str
    index: int
    out: TaskOutput | None = None

    def __enter__(self) -> TaskOutput:
        self.out = TaskOutput(self.spill, self.index)
        return self.out

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        assert self.out is not None
        if kind is None:
            self.out._publish(self.producer)
        else:
            self.out._abort()


def route(table: pa.Table, keys: np.ndarray, partitions: int) -> dict[int, pa.Table]:
    """``table`` split by ``keys % partitions`` (keys: non-negative int64 or uint64), each part in
    the table's row order."""
    if table.num_rows == 0:
        return {}
    dest = (np.asarray(keys) % partitions).astype(np.int64)
    order = np.argsort(dest, kind="stable")
    bounds = np.searchsorted(dest[order], np.arange(partitions + 1))
    return {
        p: table.take(pa.array(order[bounds[p] : bounds[p + 1]]))
        for p in range(partitions)
        if bounds[p + 1] > bounds[p]
    }
