"""Partitioned, checksummed intermediate files: the shuffle medium of the partitioned dedup.

A *step* is a set of tasks; task ``t`` of a step writes, for each output it produces, one Arrow IPC
file per destination partition ``p`` it has rows for, ``<root>/<output>/p<p>/t<t>.arrow``, and then
one completion marker ``<root>/_done/<step>/t<t>.json`` holding the sha256 of every file it wrote
and its small statistics. A later step reads partition ``p`` of an output as the concatenation of its
files in task order, so what it sees never depends on which task finished first.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc

#: lz4 keeps the spill small (signatures and ids compress ~2x) at a cost far below the shuffle's I/O.
COMPRESSION = "lz4"
COMPRESS_FROM = 1 << 20
_HASH_BLOCK = 1 << 20


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_HASH_BLOCK):
            h.update(block)
    return h.hexdigest()


def _replace_atomically(path: Path, write: Any) -> None:
    partial = path.with_name(path.name + ".partial")
    write(partial)
    os.replace(partial, path)


@dataclass(frozen=True)
class Spill:
    """The partition files and markers of one dedup run under ``root``."""

    root: Path
    partitions: int

    def _marker(self, producer: str, task: int) -> Path:
        return self.root / "_done" / producer / f"t{task:05d}.json"

    def write(
        self,
        producer: str,
        task: int,
        outputs: dict[str, dict[int, pa.Table]],
        stats: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Publish task ``task`` of step ``producer``: one file per output step and non-empty
        destination partition, then the marker covering all of them. Returns ``stats`` (what the
        runner hands back to the driver)."""
        files = {}
        for step, tables in sorted(outputs.items()):
            for part, table in sorted(tables.items()):
                if table.num_rows == 0:
                    continue
                path = self.root / step / f"p{part:05d}" / f"t{task:05d}.arrow"
                path.parent.mkdir(parents=True, exist_ok=True)

                def dump(target: Path, table: pa.Table = table) -> None:
                    small = table.nbytes < COMPRESS_FROM  # a codec per file costs more than it saves
                    options = ipc.IpcWriteOptions(compression=None if small else COMPRESSION)
                    with ipc.new_file(target, table.schema, options=options) as writer:
                        writer.write_table(table)

                _replace_atomically(path, dump)
                files[str(path.relative_to(self.root))] = _sha256(path)
        marker = self._marker(producer, task)
        marker.parent.mkdir(parents=True, exist_ok=True)
        body = json.dumps({"files": files, "stats": stats or {}}, sort_keys=True)
        _replace_atomically(marker, lambda target: target.write_text(body))
        return stats or {}

    def completed(self, producer: str, task: int) -> dict[str, Any] | None:
        """The stats of a task whose marker exists and whose files all still hash as recorded;
        None (and the marker removed) when it must run again."""
        marker = self._marker(producer, task)
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

    def read(self, step: str, part: int, schema: pa.Schema) -> pa.Table:
        """Partition ``part`` of ``step``: every task's file in task order (an empty table of
        ``schema`` when no task wrote to it). A file of another schema is an error, not data."""
        folder = self.root / step / f"p{part:05d}"
        tables = []
        for path in sorted(folder.glob("t*.arrow")) if folder.is_dir() else []:
            with ipc.open_file(path) as reader:
                table = reader.read_all()
            if not table.schema.equals(schema):
                raise ValueError(f"{path}: schema {table.schema} is not {schema}")
            tables.append(table)
        return pa.concat_tables(tables) if tables else schema.empty_table()


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
