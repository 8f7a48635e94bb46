"""What the card is written from: ``params.yaml``, each stage's ``metrics/<stage>.json`` and the licence
manifest. A file that is not there (its stage has not run) is simply absent, so the card can say "not
available" for that part instead of failing; a file that is there but unreadable is an error.

Timings are dropped on load: they move on every run (DESIGN.md keeps them to ``metrics/bench.json``
and ``tokens_per_s`` in ``metrics/tokenize.json``), and a card that quoted them would never be
byte-identical run to run. Dropping them here means no section can print one by accident.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codeprep.metrics import read_metrics
from codeprep.params import load_params

#: Metrics files in pipeline order (``metrics/<name>.json``); ``train`` is the train_proxy stage's.
METRICS = (
    "ingest",
    "langid",
    "signals",
    "filter",
    "clean",
    "minhash",
    "dedup",
    "eval_suite",
    "decontam",
    "gates",
    "pairs",
    "synth",
    "instruct",
    "tokenize",
    "mix",
    "train",
    "bench",
    "eval",
)
MANIFEST = "licence_manifest.csv"
#: Wall-clock figures: never read into the card.
TIMINGS: dict[str, tuple[str, ...]] = {
    "bench": ("tokens_per_s", "prompt_tokens_per_s", "torch_tokens_per_s", "speedup_vs_torch"),
    "tokenize": ("tokens_per_s",),
}


@dataclass(frozen=True)
class ManifestRow:
    """One package version of ``metrics/licence_manifest.csv`` (written by the clean stage)."""

    source: str
    repo: str
    version: str
    license: str
    allowed: bool
    files_in: int
    files_out: int


@dataclass(frozen=True)
class ReportInputs:
    params: dict[str, Any]
    metrics: dict[str, dict[str, Any]]  # only the files that exist
    manifest: list[ManifestRow] | None  # None: the clean stage has not run

    def get(self, name: str) -> dict[str, Any] | None:
        return self.metrics.get(name)

    def param(self, *keys: str) -> Any:
        """``params.yaml`` value at a key path, or None where the path is absent."""
        value: Any = self.params
        for key in keys:
            if not isinstance(value, dict):
                return None
            value = value.get(key)
        return value


def load_inputs(params_path: Path, metrics_dir: Path) -> ReportInputs:
    metrics = {}
    for name in METRICS:
        data = read_metrics(metrics_dir / f"{name}.json")
        if data is not None:
            for key in TIMINGS.get(name, ()):
                data.pop(key, None)
            metrics[name] = data
    return ReportInputs(load_params(params_path), metrics, _read_manifest(metrics_dir / MANIFEST))


def _read_manifest(path: Path) -> list[ManifestRow] | None:
    if not path.is_file():
        return None
    with open(path, encoding="utf-8", newline="") as fh:
        return [
            ManifestRow(
                row["source"],
                row["repo"],
                row["version"],
                row["license"],
                row["allowed"] == "True",
                int(row["files_in"]),
                int(row["files_out"]),
            )
            for row in csv.DictReader(fh)
        ]
