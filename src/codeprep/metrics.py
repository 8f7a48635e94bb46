"""Metrics and plot files: small, sorted, atomic JSON/CSV that ``dvc metrics diff`` and ``dvc plots``
compare from git."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any


def _round(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {k: _round(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_round(v) for v in value]
    return value


def ratio(numerator: float, denominator: float) -> float | None:
    """A fraction for a metrics file, or None (JSON null) when there is nothing to divide by."""
    return numerator / denominator if denominator else None


def _write_atomic(path: str | Path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_json(path: str | Path, data: Any) -> None:
    """Write with sorted keys and rounded floats so identical runs give identical bytes."""
    _write_atomic(path, json.dumps(_round(data), indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def write_csv(path: str | Path, rows: list[dict[str, Any]], fields: list[str]) -> None:
    """A plot table for ``dvc plots`` (rows in the caller's order, floats rounded)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(_round(rows))
    _write_atomic(path, buffer.getvalue())
