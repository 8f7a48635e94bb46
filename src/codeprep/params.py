"""Read ``params.yaml``: the one place thresholds live (DVC tracks each stage's section)."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any, TypeVar

import yaml

T = TypeVar("T")


def load_params(path: str | Path = "params.yaml") -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        params = yaml.safe_load(fh) or {}
    if not isinstance(params, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    return params


def section(params: dict[str, Any], name: str) -> dict[str, Any]:
    value = params.get(name)
    if not isinstance(value, dict):
        raise KeyError(f"params.yaml has no '{name}:' section")
    return value


def dataclass_from(cls: type[T], values: dict[str, Any] | None, name: str) -> T:
    """``cls(**values)`` for a params dataclass, refusing keys it does not have: a misspelt
    threshold in params.yaml must be an error, not a silently ignored line."""
    values = dict(values or {})
    known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"{name}: unknown key(s) {unknown}; known: {sorted(known)}")
    return cls(**values)
