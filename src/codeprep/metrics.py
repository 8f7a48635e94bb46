"""Metrics files: small, sorted, atomic JSON that ``dvc metrics diff`` can compare from git."""

from __future__ import annotations

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


def write_json(path: str | Path, data: Any) -> None:
    """Write with sorted keys and rounded floats so identical runs give identical bytes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(
        json.dumps(_round(data), indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    os.replace(tmp, path)
