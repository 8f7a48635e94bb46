"""Map a per-shard task over a stage's input shards, on local worker processes or on Ray
(:mod:`codeprep.execute.ray_backend`), as ``execute:`` in params.yaml says.

Input shard ``i`` becomes output shard ``i`` (and removed shard ``i``), whatever order the workers
finish in, so outputs are byte-identical for any backend and worker count. Both backends run the same
:func:`run_one`; outputs are written into staging folders and published only when every shard
succeeded. Every shard is checked for conservation, ``in = out + removed`` (:class:`ConservationError`
before anything is published): no map stage can lose or invent a record silently.
"""

from __future__ import annotations

import functools
import multiprocessing
import queue
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from codeprep.execute.params import ExecuteParams
from codeprep.execute.pool import spawn_pool
from codeprep.execute.ray_backend import map_tasks
from codeprep.progress import Heartbeat, ShardMeter
from codeprep.shards import RemovedLog, ShardFile, publish, shard_name, shard_paths, staging_dir

#: ``task(in_path, out, removed) -> stats``: read one input shard, write kept rows to ``out`` and
#: drops to ``removed``, return JSON-able per-shard statistics for the stage's metrics.
ShardTask = Callable[[Path, ShardFile, RemovedLog], dict[str, Any]]


@dataclass(frozen=True)
class ShardResult:
    index: int
    stats: dict[str, Any]
    removed: dict[str, int]
    docs_in: int  # rows of the input shard
    docs_out: int  # rows written to the output shard


class ConservationError(RuntimeError):
    """A map stage lost or invented records: ``in != out + removed`` (DESIGN.md: every stage)."""


class _NoRemovals(RemovedLog):
    """The log handed to a stage that annotates and never drops (minhash): a drop there is a bug."""

    def __init__(self, stage: str) -> None:  # no writer: nothing is ever written
        self.stage = stage
        self.counts = Counter()

    def drop(self, doc_id: str, reason: str, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError(f"stage {self.stage} does not drop records ({doc_id}: {reason})")

    def close(self) -> None:
        pass

    def abort(self) -> None:
        pass


#: In a local pool worker: where heartbeats go (the driver's queue), set by :func:`_init_worker`.
#: None on Ray, whose workers report finished shards only.
_heartbeats: Any = None


def _init_worker(heartbeats: Any) -> None:
    global _heartbeats
    _heartbeats = heartbeats


def _send_heartbeat(shard: int, docs: int) -> None:
    _heartbeats.put((shard, docs))


def run_one(
    task: ShardTask,
    index: int,
    in_path: Path,
    out_dir: Path,
    removed_dir: Path | None,
    schema: pa.Schema,
    stage: str,
    docs_in: int,
    report: Callable[[int, int], None] | None = None,
) -> ShardResult:
    """One shard: the unit of work of both backends (a module-level function, so it pickles).
    ``docs_in`` is the input shard's row count (the driver read it from the footer already).
    ``report(index, rows so far)`` gets heartbeats; by default they go to the pool's queue, if any."""
    if report is None and _heartbeats is not None:
        report = _send_heartbeat
    with (
        ShardFile(out_dir / shard_name(index), schema) as out,
        (
            RemovedLog.to_file(removed_dir / shard_name(index), stage)
            if removed_dir is not None
            else _NoRemovals(stage)
        ) as removed,
    ):
        if report is None:
            stats = task(in_path, out, removed)
        else:
            with Heartbeat(lambda: out.written + removed.counts.total(), functools.partial(report, index)):
                stats = task(in_path, out, removed)
    result = ShardResult(index, stats, dict(removed.counts), docs_in, out.rows)
    if result.docs_in != result.docs_out + sum(result.removed.values()):
        raise ConservationError(
            f"{stage}: shard {index} ({in_path.name}) has {result.docs_in} records in, {result.docs_out} "
            f"out and {sum(result.removed.values())} removed {result.removed}: records were lost or invented"
        )
    return result


def map_shards(
    task: ShardTask,
    in_dir: Path,
    out_dir: Path,
    removed_dir: Path | None,
    schema: pa.Schema,
    stage: str,
    execute: ExecuteParams,
) -> list[ShardResult]:
    """Run ``task`` on every shard of ``in_dir`` where ``execute`` says; returns per-shard results in
    shard order. ``removed_dir`` None: the stage drops nothing and writes no removed log."""
    # Absolute paths: a Ray worker on another node does not start in this process's directory.
    inputs = shard_paths(in_dir.resolve())
    if not inputs:
        raise FileNotFoundError(f"no input shards in {in_dir}")
    out_stage = staging_dir(out_dir.resolve())
    removed_stage = staging_dir(removed_dir.resolve()) if removed_dir is not None else None
    rows = [pq.ParquetFile(p).metadata.num_rows for p in inputs]
    args = [
        (task, i, path, out_stage, removed_stage, schema, stage, rows[i]) for i, path in enumerate(inputs)
    ]
    meter = ShardMeter(stage, [p.stat().st_size for p in inputs], rows)
    if execute.backend == "ray":
        results = map_tasks(run_one, args, execute, desc=stage, unit="shard", on_done=meter.done)
    elif execute.workers <= 1 or len(inputs) == 1:
        results = []
        for a in args:
            results.append(run_one(*a, report=meter.partial))
            meter.done(results[-1].index)
    else:
        results = _pool_map(args, min(execute.workers, len(inputs)), meter)
    meter.close(sum(sum(r.removed.values()) for r in results))
    publish(out_stage, out_dir)
    if removed_stage is not None and removed_dir is not None:
        publish(removed_stage, removed_dir)
    return sorted(results, key=lambda r: r.index)


def _pool_map(args: list[tuple[Any, ...]], workers: int, meter: ShardMeter) -> list[ShardResult]:
    """``run_one`` over ``args`` on a spawn pool, feeding ``meter`` with the workers' heartbeats
    between finished shards."""
    heartbeats = multiprocessing.get_context("spawn").Queue()
    results = []
    with spawn_pool(workers, _init_worker, (heartbeats,)) as pool:
        pending = {pool.submit(run_one, *a) for a in args}
        while pending:
            finished, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            while True:
                try:
                    meter.partial(*heartbeats.get_nowait())
                except queue.Empty:
                    break
            for future in finished:
                results.append(future.result())
                meter.done(results[-1].index)
    return results


def merge_by_lang(results: list[ShardResult]) -> tuple[dict[str, Counter[str]], Counter[str]]:
    """Sum per-shard ``{lang: {counter: n}}`` statistics: per language, and over all languages."""
    by_lang: dict[str, Counter[str]] = {}
    total: Counter[str] = Counter()
    for result in results:
        for lang, counts in result.stats.items():
            by_lang.setdefault(lang, Counter()).update(counts)
            total.update(counts)
    return dict(sorted(by_lang.items())), total
