"""Run the tasks of one step of the partitioned dedup where ``execute:`` says, skipping completed ones.

One :class:`Steps` serves a whole dedup run: the local backend keeps one spawn process pool for
every step (``execute.workers`` processes; with one worker, or a corpus below
:data:`POOL_MIN_DOCUMENTS`, the tasks run in this process), the Ray
backend submits each task as a Ray task (:func:`codeprep.execute.ray_backend.map_tasks`). Either way
a task is ``fn(context, index)``; it reads the partition files it needs, publishes its own through
:class:`codeprep.dedup.spill.Spill` and returns small statistics. A task whose completion marker
is intact is not run again (its recorded statistics are returned instead): that is what makes a
killed run resume where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from contextlib import ExitStack
from typing import Any, Protocol

from codeprep.execute.params import ExecuteParams
from codeprep.execute.pool import spawn_pool
from codeprep.execute.ray_backend import map_tasks, session
from codeprep.progress import progress


class Context(Protocol):
    """What every task receives: at least the run's spill (see :mod:`codeprep.dedup.partitioned`)."""

    @property
    def spill(self) -> Any: ...


Task = Callable[[Any, int], dict[str, Any]]


#: Below this many documents the local backend runs the tasks in this process: starting spawn
#: workers (about a second each to import pyarrow, scipy and codeprep) costs more than the work,
#: which made the default sample's dedup 2 s slower with a pool than without.
POOL_MIN_DOCUMENTS = 50_000


class Steps:
    """Context manager: the executor of one dedup run over ``documents`` documents."""

    def __init__(self, execute: ExecuteParams, documents: int) -> None:
        self.execute = execute
        self.documents = documents
        self._stack = ExitStack()
        self._pool: Executor | None = None

    def __enter__(self) -> Steps:
        if self.execute.backend == "ray":
            self._stack.enter_context(session(self.execute))  # a no-op inside the stage's own session
        elif self.execute.workers > 1 and self.documents >= POOL_MIN_DOCUMENTS:
            self._pool = self._stack.enter_context(spawn_pool(self.execute.workers))
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def run(self, step: str, fn: Task, context: Context, tasks: int) -> list[dict[str, Any]]:
        """Statistics of tasks ``0 .. tasks-1`` of ``step``, in task order."""
        results: list[dict[str, Any] | None] = [context.spill.completed(step, t) for t in range(tasks)]
        todo = [t for t in range(tasks) if results[t] is None]
        if self.execute.backend == "ray" and todo:
            done = map_tasks(_call, [(fn, context, t) for t in todo], self.execute, desc=f"dedup {step}")
            for t, stats in zip(todo, done, strict=True):
                results[t] = stats
        elif self._pool is not None and len(todo) > 1:
            futures = {t: self._pool.submit(fn, context, t) for t in todo}
            for t in progress(todo, desc=f"dedup {step}", unit="task"):
                results[t] = futures[t].result()
        else:
            for t in progress(todo, desc=f"dedup {step}", unit="task"):
                results[t] = fn(context, t)
        return [r if r is not None else {} for r in results]


def _call(fn: Task, context: Context, index: int) -> dict[str, Any]:
    """A module-level function for Ray (``ray.remote`` takes functions, not callable objects)."""
    return fn(context, index)
