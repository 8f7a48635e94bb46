"""The local worker pool: spawned processes that die with their stage.

A spawn pool's workers are children of the stage process, but nothing in Python ends them when
that process is killed outright (``kill -9``, the OOM killer, a CI job cancelled): they finish their
shard into a staging folder no one will publish and then wait on a queue forever, holding their
memory. At cluster scale every killed run leaks a pool.

:func:`spawn_pool` is the one way codeprep starts local workers (map stages, dedup's steps); its
workers run :func:`die_with_parent` before anything else. A daemon
thread watches the parent's pid and ends the worker with ``os._exit`` as soon as the parent is gone
(the worker is re-parented, so ``os.getppid()`` changes). A thread, not Linux's
``PR_SET_PDEATHSIG``: that signal fires when the *thread* that forked the child exits, and a pool may
start a replacement worker from its management thread, so it would kill healthy workers; the
watchdog is portable and needs no libc. The children of a worker (the syntax budget's checking
process, node parsers) read their requests from the worker's pipes and exit at end of file.

Ray workers are Ray's: a local instance started by the stage is torn down by Ray's own reaper when
the driver dies, and on a cluster Ray ends a dead driver's tasks (``tests/test_lifeline.py`` kills
a driver of each kind).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

#: Seconds between two looks at the parent: how long an orphaned worker can outlive its stage.
POLL_SECONDS = 0.5


def die_with_parent(poll_seconds: float = POLL_SECONDS) -> None:
    """Start the watchdog thread in this process (a pool's ``initializer`` calls it once)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_seconds)
        os._exit(1)  # no clean-up: the stage that would publish this work is gone

    threading.Thread(target=watch, name="codeprep-lifeline", daemon=True).start()


def _start_worker(initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    die_with_parent()
    if initializer is not None:
        initializer(*initargs)


def spawn_pool(
    workers: int, initializer: Callable[..., None] | None = None, initargs: tuple[Any, ...] = ()
) -> ProcessPoolExecutor:
    """A pool of ``workers`` spawned processes that exit when this process dies; ``initializer``
    then runs in each as usual. Spawn, not fork: pyarrow and tree-sitter hold threads and state a
    fork would copy mid-flight."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(initializer, initargs),
    )
