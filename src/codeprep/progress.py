"""Progress bars on a terminal, silence in CI logs and pipes."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")


def interactive() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")


def progress(items: Iterable[T], desc: str, unit: str = "it", total: int | None = None) -> Iterator[T]:
    yield from tqdm(items, desc=desc, unit=unit, total=total, disable=not interactive(), dynamic_ncols=True)


class ShardMeter:
    """Progress of a map stage in megabytes (of the compressed input shards) and documents (a rate and an ETA a
    reader can judge, where "1/3 shards" sits still for a minute), moved by finished shards and by
    the heartbeats of running ones (:class:`Heartbeat`), and one summary line at the end on every
    output, CI logs included: documents in, kept, removed, MB/s."""

    def __init__(self, desc: str, sizes: list[int], rows: list[int]) -> None:
        self.desc, self.sizes, self.rows = desc, sizes, rows
        self.total_docs = sum(rows)
        self.finished: set[int] = set()
        self.finished_bytes = self.finished_docs = 0  # kept as running sums: a heartbeat is O(running)
        self.running: dict[int, int] = {}
        self.started = time.perf_counter()
        self.bar = tqdm(
            total=round(sum(sizes) / 1e6, 1),
            desc=desc,
            unit="MB",
            disable=not interactive(),
            dynamic_ncols=True,
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total:.1f} MB [{elapsed}<{remaining}, {rate_noinv_fmt}{postfix}]",
        )

    def partial(self, shard: int, docs: int) -> None:
        """A heartbeat from a shard still running: ``docs`` of its rows are through (kept or dropped)."""
        if shard in self.finished:  # a heartbeat that arrived after its shard's result
            return
        self.running[shard] = min(docs, self.rows[shard])
        self._show()

    def done(self, shard: int) -> None:
        self.running.pop(shard, None)
        self.finished.add(shard)
        self.finished_bytes += self.sizes[shard]
        self.finished_docs += self.rows[shard]
        self._show()

    def _show(self) -> None:
        """Documents through, and the megabytes they stand for: a running shard counts its share of
        its file by rows (rows are about even in size within a shard, which is written in order)."""
        mb = self.finished_bytes + sum(
            self.sizes[i] * docs / self.rows[i] for i, docs in self.running.items() if self.rows[i]
        )
        docs = self.finished_docs + sum(self.running.values())
        self.bar.n = round(mb / 1e6, 1)
        seconds = time.perf_counter() - self.started
        rate = f", {docs / seconds:,.0f} docs/s" if seconds > 0 else ""
        self.bar.set_postfix_str(f"{docs:,}/{self.total_docs:,} docs{rate}", refresh=False)
        self.bar.refresh()

    def close(self, removed: int) -> str:
        self.bar.close()
        seconds = time.perf_counter() - self.started
        mb = sum(self.sizes) / 1e6
        line = (
            f"{self.desc}: {self.total_docs:,} documents in, {self.total_docs - removed:,} kept, "
            f"{removed:,} removed; {mb:.1f} MB of input shards in {seconds:.1f} s "
            f"({mb / seconds if seconds else 0:.1f} MB/s)"
        )
        print(line, file=sys.stderr)
        return line


class Heartbeat:
    """Calls ``report(count())`` every ``every`` seconds from a daemon thread while the ``with`` body
    runs: a map worker's rows-so-far, sent to the driver's :class:`ShardMeter` so that the bar moves
    inside a long shard. The count is read without a lock; a heartbeat is a progress hint, not a
    figure any metric uses."""

    def __init__(self, count: Callable[[], int], report: Callable[[int], None], every: float = 0.5) -> None:
        self.count, self.report, self.every = count, report, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True)

    def _beat(self) -> None:
        while not self._stop.wait(self.every):
            self.report(self.count())

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
