"""Record schema and shard IO: round trip, bounded shards, atomic publication, stable ids."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from codeprep.shards import (
    DOC_SCHEMA,
    REMOVED_SCHEMA,
    RemovedLog,
    ShardWriter,
    doc_id,
    iter_records,
    read_schema,
)


def _doc(i: int, content: str = "let x = 1;\n") -> dict:
    return {
        "id": doc_id("npm", "demo", "1.0.0", f"f{i}.js", content.encode()),
        "source": "npm",
        "repo": "demo",
        "version": "1.0.0" if i % 2 else None,
        "path": f"src/f{i}.js",
        "license": "MIT",
        "lang": "javascript",
        "content": content,
        "size_bytes": len(content.encode()),
        "encoding": "utf-8",
        "is_vendored": False,
        "is_minified": i % 3 == 0,
        "is_generated": False,
    }


def test_round_trip_preserves_every_field_and_order(tmp_path: Path) -> None:
    docs = [_doc(i, f"const v{i} = 'ü{i}';\n") for i in range(50)]
    with ShardWriter(tmp_path / "docs", DOC_SCHEMA) as writer:
        for d in docs:
            writer.write(d)
    assert list(iter_records(tmp_path / "docs")) == docs
    assert read_schema(tmp_path / "docs") == DOC_SCHEMA


def test_shards_are_bounded_by_uncompressed_bytes(tmp_path: Path) -> None:
    with ShardWriter(tmp_path / "docs", DOC_SCHEMA, max_bytes=10_000) as writer:
        for i in range(40):
            writer.write(_doc(i, "x" * 1000))
    shards = sorted((tmp_path / "docs").glob("part-*.parquet"))
    assert len(shards) >= 4
    for shard in shards:  # a shard is cut as soon as it passes the bound: at most one record over
        text = sum(len(c) for c in pq.read_table(shard, columns=["content"])["content"].to_pylist())
        assert text <= 10_000 + 1000
    assert [r["path"] for r in iter_records(tmp_path / "docs")] == [f"src/f{i}.js" for i in range(40)]


def test_empty_output_still_has_a_readable_schema(tmp_path: Path) -> None:
    with ShardWriter(tmp_path / "removed", REMOVED_SCHEMA):
        pass
    assert read_schema(tmp_path / "removed") == REMOVED_SCHEMA
    assert list(iter_records(tmp_path / "removed")) == []


def test_failed_stage_publishes_nothing_and_keeps_previous_output(tmp_path: Path) -> None:
    with ShardWriter(tmp_path / "docs", DOC_SCHEMA) as writer:
        writer.write(_doc(1))
    with pytest.raises(RuntimeError), ShardWriter(tmp_path / "docs", DOC_SCHEMA, max_bytes=100) as writer:
        for i in range(5):
            writer.write(_doc(i))
        raise RuntimeError("killed half-way")
    assert not (tmp_path / "docs.tmp").exists()
    assert [r["path"] for r in iter_records(tmp_path / "docs")] == ["src/f1.js"]


def test_identical_writes_are_byte_identical(tmp_path: Path) -> None:
    for name in ("a", "b"):
        with ShardWriter(tmp_path / name, DOC_SCHEMA, max_bytes=2000) as writer:
            for i in range(30):
                writer.write(_doc(i))
    a = sorted((tmp_path / "a").iterdir())
    b = sorted((tmp_path / "b").iterdir())
    assert [p.name for p in a] == [p.name for p in b]
    assert all(x.read_bytes() == y.read_bytes() for x, y in zip(a, b, strict=True))


def test_doc_id_depends_on_locator_and_content() -> None:
    base = doc_id("npm", "a", "1.0.0", "index.js", b"x")
    assert base == doc_id("npm", "a", "1.0.0", "index.js", b"x")
    assert (
        len(
            {
                base,
                doc_id("npm", "b", "1.0.0", "index.js", b"x"),
                doc_id("npm", "a", "1.0.1", "index.js", b"x"),
                doc_id("npm", "a", "1.0.0", "main.js", b"x"),
                doc_id("npm", "a", "1.0.0", "index.js", b"y"),
                doc_id("local", "a", "1.0.0", "index.js", b"x"),
            }
        )
        == 6
    )


def test_removed_log_counts_by_reason(tmp_path: Path) -> None:
    with RemovedLog(tmp_path / "removed", "ingest") as log:
        log.drop("1" * 32, "binary", "NUL bytes", "demo", "a.png")
        log.drop("2" * 32, "binary", "NUL bytes", "demo", "b.png")
        log.drop("3" * 32, "empty", "0 bytes", "demo", "c.js")
    assert dict(log.counts) == {"binary": 2, "empty": 1}
    rows = list(iter_records(tmp_path / "removed"))
    assert [r["reason"] for r in rows] == ["binary", "binary", "empty"]
    assert {r["stage"] for r in rows} == {"ingest"}


def test_rows_go_out_in_row_groups_so_memory_is_bounded_by_the_row_group(tmp_path: Path) -> None:
    with ShardWriter(tmp_path / "docs", DOC_SCHEMA, max_bytes=10_000, row_group_bytes=2_500) as writer:
        for i in range(40):
            writer.write(_doc(i, "x" * 1000))
    shards = sorted((tmp_path / "docs").glob("part-*.parquet"))
    assert len(shards) >= 4
    assert all(pq.ParquetFile(s).metadata.num_row_groups >= 3 for s in shards[:-1])
    assert [r["path"] for r in iter_records(tmp_path / "docs")] == [f"src/f{i}.js" for i in range(40)]
