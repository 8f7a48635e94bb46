"""Progress bars on a terminal, silence in CI logs and pipes."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")


def interactive() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")


def progress(items: Iterable[T], desc: str, unit: str = "it", total: int | None = None) -> Iterator[T]:
    yield from tqdm(items, desc=desc, unit=unit, total=total, disable=not interactive(), dynamic_ncols=True)


class ShardMeter:
    """Progress of a map stage in megabytes (of the compressed input shards) and documents (a rate and an ETA a
    reader can judge, where "1/3 shards" sits still for a minute), and one summary line at the end
    on every output, CI logs included: documents in, kept, removed, MB/s."""

    def __init__(self, desc: str, sizes: list[int], rows: list[int]) -> None:
        self.desc, self.sizes, self.rows = desc, sizes, rows
        self.docs = 0
        self.started = time.perf_counter()
        self.bar = tqdm(
            total=round(sum(sizes) / 1e6, 1),
            desc=desc,
            unit="MB",
            disable=not interactive(),
            dynamic_ncols=True,
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total:.1f} MB [{elapsed}<{remaining}, {rate_fmt}{postfix}]",
        )

    def done(self, shard: int) -> None:
        self.docs += self.rows[shard]
        self.bar.update(round(self.sizes[shard] / 1e6, 1))
        self.bar.set_postfix_str(f"{self.docs:,}/{sum(self.rows):,} docs", refresh=False)

    def close(self, removed: int) -> str:
        self.bar.close()
        seconds = time.perf_counter() - self.started
        mb = sum(self.sizes) / 1e6
        line = (
            f"{self.desc}: {sum(self.rows):,} documents in, {sum(self.rows) - removed:,} kept, "
            f"{removed:,} removed; {mb:.1f} MB of input shards in {seconds:.1f} s "
            f"({mb / seconds if seconds else 0:.1f} MB/s)"
        )
        print(line, file=sys.stderr)
        return line
