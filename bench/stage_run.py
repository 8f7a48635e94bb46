"""Run one of the pipeline's stage scripts on other folders: how the benchmarks put a corpus through
the same code as ``dvc repro`` without touching the workspace's outputs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def stage_command(script: str, params: Path, **paths: Path) -> list[str]:
    """The command line of ``stages/<script>`` with ``--params`` and one option per path
    (``langid_metrics=`` → ``--langid-metrics``)."""
    options = [str(x) for key, path in paths.items() for x in (f"--{key.replace('_', '-')}", path)]
    return [sys.executable, str(ROOT / "stages" / script), "--params", str(params), *options]


def stage(script: str, params: Path, **paths: Path) -> None:
    """Run the stage to completion; a failure stops the benchmark."""
    subprocess.run(stage_command(script, params, **paths), check=True, cwd=ROOT)
