"""Read OpenCodeInstruct as published (Hugging Face ``nvidia/OpenCodeInstruct``): parquet shards, or
the same rows as jsonl(.gz). Every column is a string there — ``average_test_score`` is ``"0.9"``,
``tests_execution_status`` and ``unit_tests`` are lists written as text — so the reader casts what
the filters need and keeps the raw text of the rest.

A row that cannot be read (not JSON, a missing column, a score that is not a number) is not skipped:
it comes out as a :class:`Malformed` with its file and row so the stage records the drop with a reason.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from codeprep.sources.json_lines import json_lines

#: The published columns, all strings.
COLUMNS = (
    "id",
    "input",
    "output",
    "domain",
    "generation_algorithm",
    "llm_judgement",
    "unit_tests",
    "tests_execution_status",
    "average_test_score",
)
REQUIRED = ("id", "input", "output", "average_test_score")


@dataclass(frozen=True)
class Malformed:
    """A row the reader could not turn into a record; ``where`` is ``file:row``."""

    where: str
    detail: str


def _score(value: Any) -> float:
    score = float(value)
    if not math.isfinite(score) or not 0.0 <= score <= 1.0:
        raise ValueError(f"average_test_score {value!r} is not in [0, 1]")
    return score


def _tests_passed(status: Any) -> tuple[int, int] | None:
    """``(passed, total)`` from the ``tests_execution_status`` text (a list literal of "pass"/"fail"
    strings); None when absent or unreadable — it is informational, the score decides. Read with
    ``ast.literal_eval``, which evaluates literals only, never code."""
    if not isinstance(status, str) or not status.strip():
        return None
    try:
        values = ast.literal_eval(status) if len(status) < 100_000 else None
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    if not isinstance(values, list | tuple):
        return None
    return sum(str(v).lower() == "pass" for v in values), len(values)


def to_record(row: dict[str, Any], where: str) -> dict[str, Any] | Malformed:
    """One published row → an instruction record (the project's schema plus ``average_test_score``,
    ``tests_passed``, ``tests_total``, ``domain``, ``generation_algorithm``)."""
    missing = [c for c in REQUIRED if row.get(c) is None]
    if missing:
        return Malformed(where, f"missing column(s) {missing}")
    if not isinstance(row["input"], str) or not isinstance(row["output"], str):
        return Malformed(where, "input/output are not strings")
    try:
        score = _score(row["average_test_score"])
    except (TypeError, ValueError) as exc:
        return Malformed(where, f"average_test_score: {exc}")
    tests = _tests_passed(row.get("tests_execution_status"))
    return {
        "instruction": row["input"],
        "input": "",
        "output": row["output"],
        "task_type": "opencodeinstruct",
        "lang": "",
        "source": "opencodeinstruct",
        "id": str(row["id"]),
        "parent_id": "",
        "average_test_score": score,
        "tests_passed": tests[0] if tests else None,
        "tests_total": tests[1] if tests else None,
        "domain": str(row.get("domain") or ""),
        "generation_algorithm": str(row.get("generation_algorithm") or ""),
    }


def _rows(path: Path) -> Iterator[tuple[str, dict[str, Any] | None, str]]:
    """``(where, row or None, error)`` for every row of one file."""
    if path.suffix == ".parquet":
        number = 0
        for batch in pq.ParquetFile(path).iter_batches(batch_size=1024):
            for row in batch.to_pylist():
                number += 1
                yield f"{path}:{number}", row, ""
        return
    yield from json_lines(path)


def files(root: Path) -> list[Path]:
    """The dataset's files under ``root`` (a file or a directory), in a stable order."""
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise FileNotFoundError(f"OpenCodeInstruct path {root} does not exist")
    suffixes = (".parquet", ".jsonl", ".jsonl.gz", ".json.gz")
    found = sorted(p for p in root.rglob("*") if p.is_file() and p.name.endswith(suffixes))
    if not found:
        raise FileNotFoundError(f"{root}: no OpenCodeInstruct parquet or jsonl(.gz) files")
    return found


def read(root: Path) -> Iterator[dict[str, Any] | Malformed]:
    for path in files(root):
        for where, row, error in _rows(path):
            yield Malformed(where, error) if row is None else to_record(row, where)
