"""Params profiles: a YAML file of overrides (``profiles/*.yaml``) turned into a ``dvc exp run -S ...``
command, so a profile runs as an experiment and ``params.yaml`` keeps the defaults.

Every key of the profile must already exist in ``params.yaml``: a misspelt key would otherwise become
a new param that no stage reads, and the experiment would silently run the defaults.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from codeprep.params import load_params


def _flatten(node: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in node.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat |= _flatten(value, path + ".")
        else:
            flat[path] = value
    return flat


def overrides(profile: str | Path, params_path: str | Path = "params.yaml") -> dict[str, Any]:
    """Dotted key → value of a profile, each key checked against ``params.yaml``."""
    data = yaml.safe_load(Path(profile).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{profile}: expected a mapping of params.yaml sections")
    flat = _flatten(data)
    known = _flatten(load_params(params_path))
    unknown = sorted(k for k in flat if k not in known)
    if unknown:
        raise ValueError(f"{profile}: {unknown} are not keys of {params_path}")
    return flat


def exp_run_command(profile: str | Path, params_path: str | Path = "params.yaml") -> list[str]:
    """``dvc exp run -S key=value ...``: values in YAML flow style, as DVC parses them."""
    command = ["dvc", "exp", "run"]
    for key, value in overrides(profile, params_path).items():
        text = value if isinstance(value, str) else json.dumps(value)
        command += ["-S", f"{key}={text}"]
    return command
