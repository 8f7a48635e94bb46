"""Progress of map stages: the meter moves inside a shard (heartbeats from running workers, in
process and from a spawn pool), and a stage ends with one summary line."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from conftest import doc_record

from codeprep.execute import local
from codeprep.execute.params import ExecuteParams
from codeprep.progress import Heartbeat, ShardMeter
from codeprep.shards import DOC_SCHEMA, RemovedLog, ShardFile, shard_name

ROWS = 12


class SlowCopy:
    """Copies a shard one row at a time, 0.1 s a row, dropping every third row: a shard that takes
    longer than a heartbeat period (module-level, so a spawn worker can unpickle it)."""

    def __call__(self, in_path: Path, out: ShardFile, removed: RemovedLog) -> dict[str, Any]:
        for i, row in enumerate(pq.read_table(in_path).to_pylist()):
            time.sleep(0.1)
            if i % 3 == 2:
                removed.drop(row["id"], "every_third")
            else:
                out.write(row)
        return {}


def _shards(root: Path, count: int) -> Path:
    """``count`` input shards of ``ROWS`` documents each."""
    folder = root / "in"
    folder.mkdir()
    for shard in range(count):
        with ShardFile(folder / shard_name(shard), DOC_SCHEMA) as writer:
            for i in range(ROWS):
                writer.write(doc_record(f"a{i}.js", f"let a{i} = {i};\n", id=f"{shard}-{i}"))
    return folder


def test_meter_counts_running_shards_by_their_share_of_rows() -> None:
    meter = ShardMeter("t", sizes=[100_000_000, 200_000_000], rows=[10, 20])
    meter.partial(1, 10)  # half of shard 1's rows: half of its 200 MB
    assert meter.bar.n == pytest.approx(100.0)
    meter.done(0)
    assert meter.bar.n == pytest.approx(200.0)
    meter.partial(0, 3)  # a heartbeat that lost the race with its shard's result changes nothing
    assert meter.bar.n == pytest.approx(200.0)
    meter.partial(1, 99)  # never more than the shard's rows
    assert meter.bar.n == pytest.approx(300.0)
    meter.done(1)
    assert meter.bar.n == pytest.approx(300.0) and not meter.running


def test_heartbeat_reports_while_the_body_runs_and_stops_after() -> None:
    seen: list[int] = []
    counter = iter(range(1000))
    with Heartbeat(lambda: next(counter), seen.append, every=0.05):
        time.sleep(0.5)
    after = len(seen)
    time.sleep(0.2)
    assert after >= 3 and seen == sorted(seen) and len(seen) == after


@pytest.mark.parametrize("workers", [1, 2])
def test_map_shards_moves_the_meter_inside_a_shard(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], workers: int
) -> None:
    """In process and from a spawn pool, heartbeats reach the meter before each shard finishes,
    counting kept and dropped rows; the summary line gives in, kept, removed."""
    calls: list[tuple[int, int]] = []
    partial = ShardMeter.partial
    monkeypatch.setattr(
        ShardMeter,
        "partial",
        lambda self, shard, docs: (calls.append((shard, docs)), partial(self, shard, docs)),
    )
    results = local.map_shards(
        SlowCopy(),
        _shards(tmp_path, 2),
        tmp_path / "out" / "docs",
        tmp_path / "out" / "removed",
        DOC_SCHEMA,
        "slow",
        ExecuteParams("local", workers),
    )
    assert sorted(r.removed["every_third"] for r in results) == [4, 4]
    for shard in (0, 1):
        beats = [docs for s, docs in calls if s == shard]
        assert beats and 0 < min(beats) < ROWS and beats == sorted(beats), (shard, calls)
    assert "slow: 24 documents in, 16 kept, 8 removed" in capsys.readouterr().err


class LosesRows:
    """Writes every row but the first and records no drop for it: a task that loses a record."""

    def __call__(self, in_path: Path, out: ShardFile, removed: RemovedLog) -> dict[str, Any]:
        for row in pq.read_table(in_path).to_pylist()[1:]:
            out.write(row)
        return {}


def test_a_shard_that_loses_a_record_fails_the_stage_and_publishes_nothing(tmp_path: Path) -> None:
    """The executor owns conservation: in = out + removed for every shard of every map stage."""
    with pytest.raises(
        local.ConservationError, match=r"lost: shard 0 .* 12 records in, 11 out and 0 removed"
    ):
        local.map_shards(
            LosesRows(),
            _shards(tmp_path, 1),
            tmp_path / "out" / "docs",
            tmp_path / "out" / "removed",
            DOC_SCHEMA,
            "lost",
            ExecuteParams("local", 1),
        )
    assert not (tmp_path / "out" / "docs").exists()
