"""Run a stage's tasks as Ray tasks: the same per-shard function as the local process pool, so the same
bytes come out.

:func:`map_tasks` submits one Ray task (``num_cpus=1``) per call, keeps at most ``execute.workers`` in
flight, and returns the results in call order whatever order they finish in. The caller
(:func:`codeprep.execute.local.map_shards`) owns the staging folders and publishes them only when
every task succeeded, exactly as with the local pool; a task that fails cancels the ones still in
flight and the stage raises. A task Ray retries after a worker died rewrites its shard from the start
(shards are written under a ``.partial`` name and renamed on close), so a retry cannot leave half a
shard.

Where it runs (``execute.ray_address``): ``None`` starts a local Ray instance with
``num_cpus=workers`` for the duration of the stage (workers import the installed ``codeprep``, no
``runtime_env``); ``"auto"`` or ``"ray://host:port"`` connects to a running cluster. On a cluster:

- every path a task opens (input shards, the staging folders, files a task's config names such as
  the langid model) must be on storage every node sees **at the same path**: a shared file system
  (NFS, Lustre, EFS) or the same volume mounted at the same place. :func:`map_shards` hands tasks
  absolute paths for that reason. Object storage (S3 through s3fs) is not supported: shards are
  written with local-file renames;
- every node needs the same ``codeprep`` and pinned dependencies installed (``requirements.lock``).

Ray is imported only when a stage runs on it: local runs, the default, never load it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from codeprep.execute.params import ExecuteParams
from codeprep.progress import progress

R = TypeVar("R")


@contextmanager
def session(execute: ExecuteParams) -> Iterator[None]:
    """Ray connected for the body: a no-op for the local backend or when Ray is already initialised
    (a caller's session, a test's instance); otherwise start or connect, and shut down on exit only
    what this call started. A stage that submits work several times (dedup: LSH bands, the map, the
    residual check) holds one session so a local instance starts once."""
    if execute.backend != "ray":
        yield
        return
    import ray

    if ray.is_initialized():
        yield
        return
    options: dict[str, Any] = {
        "include_dashboard": False,
        "log_to_driver": False,  # a task's own output (progress bars) stays in its worker log
        "logging_level": logging.WARNING,
        "ignore_reinit_error": True,
    }
    if execute.ray_address is None:
        ray.init(num_cpus=execute.workers, **options)
    else:
        ray.init(address=execute.ray_address, **options)
    try:
        yield
    finally:
        ray.shutdown()


def map_tasks(
    fn: Callable[..., R],
    calls: Sequence[tuple[Any, ...]],
    execute: ExecuteParams,
    desc: str,
    unit: str = "task",
    on_done: Callable[[int], None] | None = None,
) -> list[R]:
    """``[fn(*call) for call in calls]``, each call a Ray task. Progress: a bar of finished calls,
    or, given ``on_done``, that callback with each finished call's index (the caller's own meter)."""
    import ray

    results: list[Any] = [None] * len(calls)
    with session(execute):
        done = _completed(ray.remote(num_cpus=1)(fn), calls, execute.workers)
        if on_done is None:
            done = progress(done, desc=desc, unit=unit, total=len(calls))
        for index, result in done:
            results[index] = result
            if on_done is not None:
                on_done(index)
    return results


def _completed(remote: Any, calls: Sequence[tuple[Any, ...]], limit: int) -> Iterator[tuple[int, Any]]:
    """``(call index, result)`` as tasks finish, with at most ``limit`` submitted and unfinished."""
    import ray

    in_flight: dict[Any, int] = {}
    submitted = 0
    try:
        while submitted < len(calls) or in_flight:
            while submitted < len(calls) and len(in_flight) < limit:
                in_flight[remote.remote(*calls[submitted])] = submitted
                submitted += 1
            [ready], _ = ray.wait(list(in_flight), num_returns=1)
            index = in_flight.pop(ready)
            yield index, ray.get(ready)  # a task's exception is raised here, as RayTaskError(its type)
    finally:
        for ref in in_flight:  # after a failure: stop the rest writing into the staging folders
            ray.cancel(ref)
