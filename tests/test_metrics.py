"""Headline and detail metrics: the split keeps `dvc exp show` small, loses nothing, and dvc.yaml
declares every detail file where the stage writes it and where a reader reads it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from codeprep.metrics import HEADLINE, detail_path, read_metrics, split_metrics, write_metrics

PROJECT = Path(__file__).resolve().parents[1]
#: The pipeline's metrics as committed (the default sample's run).
COMMITTED = sorted((PROJECT / "metrics").glob("*.json"))
#: Stages that read other stages' metrics through read_metrics (breakdowns included).
READERS = ("gates", "report")


def _leaves(node: Any) -> int:
    if isinstance(node, dict):
        return sum(_leaves(value) for value in node.values())
    return 1


def test_split_is_lossless_and_small_on_the_committed_metrics(tmp_path: Path) -> None:
    """On the real metrics: writing then reading gives the tree back, and the headline files hold
    fewer than 250 figures in all (the whole trees hold over 800, which is what made every cell of
    `dvc exp show` an ellipsis)."""
    whole = headline = 0
    for path in COMMITTED:
        data = read_metrics(path)
        assert data is not None
        write_metrics(tmp_path / path.name, data)
        assert read_metrics(tmp_path / path.name) == data, path.name
        written = json.loads((tmp_path / path.name).read_text())
        whole, headline = whole + _leaves(data), headline + _leaves(written)
        assert detail_path(tmp_path / path.name).is_file() == (path.stem in HEADLINE)
    assert whole > 800 and headline < 250, (whole, headline)


def test_patterns_select_nested_keys_and_wildcards() -> None:
    data = {
        "bpb": {
            "f32": {"all": {"mean": 3.1, "std": 0.03, "per_seed": {"0": 3.0}}, "css": {"mean": 3.0}},
            "q4_k_m": {"all": {"mean": 3.2, "std": 0.02, "per_seed": {"0": 3.2}}},
        },
        "ctx": 256,
        "environment": {"python": "3.11"},
    }
    headline, detail = split_metrics("eval", data)
    assert headline == {
        "bpb": {"f32": {"all": {"mean": 3.1, "std": 0.03}}, "q4_k_m": {"all": {"mean": 3.2, "std": 0.02}}},
        "ctx": 256,
    }
    assert detail == {
        "bpb": {
            "f32": {"all": {"per_seed": {"0": 3.0}}, "css": {"mean": 3.0}},
            "q4_k_m": {"all": {"per_seed": {"0": 3.2}}},
        },
        "environment": {"python": "3.11"},
    }
    assert split_metrics("dedup", data) == (data, None)  # a file without an entry: all headline


def test_read_metrics_accepts_a_headline_without_detail(tmp_path: Path) -> None:
    """A metrics folder from before the split (or a stage without breakdowns) reads as it is."""
    (tmp_path / "filter.json").write_text('{"docs_in": 3, "by_lang": {"css": {"docs_in": 3}}}')
    assert read_metrics(tmp_path / "filter.json") == {"docs_in": 3, "by_lang": {"css": {"docs_in": 3}}}
    assert read_metrics(tmp_path / "absent.json") is None


def test_dvc_yaml_declares_each_detail_file_where_it_is_written_and_read() -> None:
    stages = yaml.safe_load((PROJECT / "dvc.yaml").read_text())["stages"]
    written: dict[str, str] = {}
    for name, stage in stages.items():
        for entry in stage.get("metrics", []):
            path = Path(next(iter(entry)) if isinstance(entry, dict) else entry)
            if path.stem in HEADLINE:
                written[path.stem] = name
                outs = [next(iter(o)) if isinstance(o, dict) else o for o in stage.get("outs", [])]
                detail = detail_path(path).as_posix()
                assert detail in outs, f"stage {name} writes {detail} but does not declare it"
                assert {detail: {"cache": False}} in stage["outs"], f"{detail} must be git-versioned"
    assert set(written) == set(HEADLINE)
    for reader in READERS:
        deps = stages[reader]["deps"]
        for dep in deps:
            if isinstance(dep, str) and Path(dep).parent == Path("metrics") and Path(dep).stem in HEADLINE:
                assert detail_path(dep).as_posix() in deps, f"{reader} reads {dep} and its detail"
