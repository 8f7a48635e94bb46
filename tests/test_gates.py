"""Quality gates: params errors before anything is checked, a failed gate stops the stage naming the
metric, its value and the gate, and `on_fail: warn` records the failure and goes on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from codeprep.gates import GateError, parse_gates, run_gates
from codeprep.metrics import read_metrics

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture
def metrics(tmp_path: Path) -> Path:
    root = tmp_path / "metrics"
    root.mkdir()
    (root / "filter.json").write_text(json.dumps({"data_quality": 0.82, "syntax_validity": 0.99}))
    (root / "dedup.json").write_text(json.dumps({"duplication_rate": 0.01}))
    (root / "decontam.json").write_text(json.dumps({"eval_suite": {"overlap_left": 0}}))
    return root


def test_gate_params_errors_name_the_key() -> None:
    with pytest.raises(ValueError, match=r"unknown key gates\.q\.mni; did you mean min\?"):
        parse_gates({"q": {"metric": "filter.data_quality", "mni": 0.85}})
    with pytest.raises(ValueError, match=r"gates\.q needs min, max or both"):
        parse_gates({"q": {"metric": "filter.data_quality"}})
    with pytest.raises(ValueError, match="reads metrics/"):
        parse_gates({"q": {"metric": "train.final_loss", "max": 5}})
    with pytest.raises(ValueError, match="on_fail"):
        parse_gates({"q": {"metric": "filter.data_quality", "min": 0.8, "on_fail": "ignore"}})
    with pytest.raises(ValueError, match="must be a number"):
        parse_gates({"q": {"metric": "filter.data_quality", "min": "high"}})


def test_a_metric_that_does_not_exist_fails_before_any_gate_is_checked(metrics: Path) -> None:
    section = {
        "quality": {"metric": "filter.data_quality", "min": 0.85},  # would fail
        "typo": {"metric": "filter.data_qualty", "min": 0.85},
    }
    with pytest.raises(ValueError, match="has no key 'data_qualty'"):
        run_gates(section, metrics, metrics / "gates.json")
    assert not (metrics / "gates.json").exists()


def test_failed_gate_stops_and_warn_records(metrics: Path) -> None:
    section = {
        "data_quality": {"metric": "filter.data_quality", "min": 0.85},
        "duplication_rate": {"metric": "dedup.duplication_rate", "max": 0.05},
        "eval_overlap": {"metric": "decontam.eval_suite.overlap_left", "max": 0},
    }
    with pytest.raises(GateError, match=r"gate data_quality: filter.data_quality = 0.82, needs >= 0.85"):
        run_gates(section, metrics, metrics / "gates.json")
    report = read_metrics(metrics / "gates.json")
    assert report["failed"] == ["data_quality"] and report["gates"]["duplication_rate"]["passed"]
    section["data_quality"]["on_fail"] = "warn"
    report = run_gates(section, metrics, metrics / "gates.json")
    assert report["failed"] == [] and report["warnings"] == ["data_quality"]
    assert "filter.data_quality = 0.82" in report["warning"]


def test_gates_stage_fails_dvc_repro_with_the_message(metrics: Path, tmp_path: Path) -> None:
    params = yaml.safe_load((PROJECT / "params.yaml").read_text())
    gates = {k: v for k, v in params["gates"].items() if k != "language_accuracy"}  # no langid metrics here
    (tmp_path / "params.yaml").write_text(yaml.safe_dump({"gates": gates}))
    run = subprocess.run(
        [
            sys.executable,
            str(PROJECT / "stages" / "gates.py"),
            "--params",
            str(tmp_path / "params.yaml"),
            "--metrics-dir",
            str(metrics),
            "--out",
            str(tmp_path / "passed"),
            "--report",
            str(tmp_path / "gates.json"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "quality gate failed: gate data_quality: filter.data_quality = 0.82, needs >= 0.85" in run.stderr
    assert not (tmp_path / "passed").exists()


def test_project_gates_are_the_seed_plan_thresholds() -> None:
    gates = {g.name: g for g in parse_gates(yaml.safe_load((PROJECT / "params.yaml").read_text())["gates"])}
    assert (gates["data_quality"].min, gates["duplication_rate"].max) == (0.85, 0.05)
    assert (gates["language_accuracy"].min, gates["syntax_validity"].min) == (0.95, 0.90)
    assert gates["eval_overlap"].max == 0 and all(g.on_fail == "error" for g in gates.values())
    dvc = yaml.safe_load((PROJECT / "dvc.yaml").read_text())["stages"]["gates"]
    from codeprep.gates import GATE_FILES

    assert {f"metrics/{name}.json" for name in GATE_FILES} <= set(dvc["deps"])
