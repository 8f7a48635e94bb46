"""Quality gates: the seed plan's thresholds on the data phase's metrics, checked before the model
phase starts (the ``gates`` stage runs after decontam; tokenize waits for it).

``params.yaml``::

    gates:
      data_quality: {metric: filter.data_quality, min: 0.85}
      eval_overlap: {metric: decontam.eval_suite.overlap_left, max: 0, on_fail: warn}

``metric`` is ``<metrics file>.<key path>`` (``filter.data_quality`` is ``data_quality`` in
``metrics/filter.json``); ``min`` and/or ``max`` bound it (inclusive); ``on_fail`` is ``error`` (the
default: the stage fails and ``dvc repro`` stops, naming the metric, its value and the gate) or
``warn`` (the failure is printed and recorded in ``metrics/gates.json``, and the pipeline goes on).

Every gate is validated before any is evaluated: an unknown key, a metrics file the gates stage does
not read, a key path that file does not have, or a gate with no bound is a params error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codeprep.metrics import read_metrics
from codeprep.params import check_keys

#: The metrics files the gates stage reads (its dvc.yaml deps): the data phase's.
GATE_FILES = ("ingest", "langid", "signals", "filter", "clean", "dedup", "decontam")
ACTIONS = ("error", "warn")


class GateError(RuntimeError):
    """At least one gate with ``on_fail: error`` failed."""


@dataclass(frozen=True)
class Gate:
    name: str
    metric: str
    min: float | None = None
    max: float | None = None
    on_fail: str = "error"

    @classmethod
    def from_params(cls, name: str, entry: Any) -> Gate:
        where = f"gates.{name}"
        if not isinstance(entry, dict):
            raise ValueError(f"{where} must be a mapping like {{metric: filter.data_quality, min: 0.85}}")
        check_keys(entry, ["metric", "min", "max", "on_fail"], where)
        metric = entry.get("metric")
        if not isinstance(metric, str) or "." not in metric:
            raise ValueError(f"{where}.metric must be '<metrics file>.<key>', e.g. filter.data_quality")
        if metric.split(".", 1)[0] not in GATE_FILES:
            raise ValueError(
                f"{where}.metric {metric!r}: the gates stage reads metrics/{{{','.join(GATE_FILES)}}}.json"
            )
        bounds = {k: entry.get(k) for k in ("min", "max")}
        if all(v is None for v in bounds.values()):
            raise ValueError(f"{where} needs min, max or both")
        for key, value in bounds.items():
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise ValueError(f"{where}.{key} must be a number, got {value!r}")
        on_fail = entry.get("on_fail", "error")
        if on_fail not in ACTIONS:
            raise ValueError(f"{where}.on_fail must be one of {ACTIONS}, got {on_fail!r}")
        return cls(name, metric, bounds["min"], bounds["max"], on_fail)

    def describe(self) -> str:
        parts = ([f">= {self.min:g}"] if self.min is not None else []) + (
            [f"<= {self.max:g}"] if self.max is not None else []
        )
        return f"{self.metric} {' and '.join(parts)}"


def parse_gates(section: Any) -> list[Gate]:
    if section is None:
        return []
    if not isinstance(section, dict):
        raise ValueError("gates: must be a mapping of gate name → {metric, min/max, on_fail}")
    return [Gate.from_params(str(name), entry) for name, entry in section.items()]


def lookup(metrics_dir: Path, metric: str) -> Any:
    """The value at ``<file>.<key path>``, or a ValueError naming what is missing."""
    stem, path = metric.split(".", 1)
    file = metrics_dir / f"{stem}.json"
    node: Any = read_metrics(file)
    if node is None:
        raise ValueError(f"{file} does not exist: run the stages before gates")
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            raise ValueError(f"metric {metric!r}: {file} has no key {path!r}")
        node = node[part]
    return node


def check_gates(gates: list[Gate], metrics_dir: Path) -> dict[str, Any]:
    """Validate every gate's metric first, then evaluate them all. Returns the ``metrics/gates.json``
    body; raises GateError listing every failed ``error`` gate after recording the others."""
    values = {}
    for gate in gates:
        value = lookup(metrics_dir, gate.metric)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ValueError(f"gates.{gate.name}: {gate.metric} is {value!r}, not a number")
        values[gate.name] = value
    results = {}
    for gate in gates:
        value = values[gate.name]
        passed = (
            value is not None
            and not (isinstance(value, float) and math.isnan(value))
            and (gate.min is None or value >= gate.min)
            and (gate.max is None or value <= gate.max)
        )
        results[gate.name] = {
            "metric": gate.metric,
            "value": value,
            "min": gate.min,
            "max": gate.max,
            "on_fail": gate.on_fail,
            "passed": passed,
        }
    return {
        "gates": results,
        "failed": sorted(n for n, r in results.items() if not r["passed"] and r["on_fail"] == "error"),
        "warnings": sorted(n for n, r in results.items() if not r["passed"] and r["on_fail"] == "warn"),
    }


def failure_message(gates: list[Gate], report: dict[str, Any], names: list[str]) -> str:
    by_name = {g.name: g for g in gates}
    return "; ".join(
        f"gate {name}: {report['gates'][name]['metric']} = {report['gates'][name]['value']!r}, "
        f"needs {by_name[name].describe().split(' ', 1)[1]}"
        for name in names
    )


def run_gates(section: Any, metrics_dir: Path, report_path: Path) -> dict[str, Any]:
    """Parse, check and record the gates (``metrics/gates.json``); returns the report, with the
    warnings' message under ``warning`` (empty when none). Raises ValueError for a params error
    (nothing recorded) and GateError when an ``error`` gate failed (the report is still written, so
    the failing value can be read)."""
    from codeprep.metrics import write_metrics

    gates = parse_gates(section)
    report = check_gates(gates, metrics_dir)
    write_metrics(report_path, report)
    if report["failed"]:
        raise GateError(
            f"{failure_message(gates, report, report['failed'])} "
            "(params.yaml gates:; `on_fail: warn` records a failure and goes on)"
        )
    return report | {"warning": failure_message(gates, report, report["warnings"])}
