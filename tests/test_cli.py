"""`codeprep explain` and `codeprep show` on real ingest output."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import JS, package_json, write_tree

from codeprep.cli import main
from codeprep.shards import iter_records
from codeprep.sources.ingest import run_ingest
from codeprep.sources.params import IngestConfig, InputSpec


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_tree(
        tmp_path / "data" / "npm" / "demo@1.0.0",
        {
            "package.json": package_json("demo"),
            "index.js": JS,
            "lib/index.js": JS + b"// v2\n",
            "empty.js": b"",
        },
    )
    monkeypatch.chdir(tmp_path)
    cfg = IngestConfig((InputSpec(Path("data/npm"), "npm"),), 1 << 20, 1 << 30, 1 << 26)
    run_ingest(cfg, Path("out/ingest"), Path("metrics/ingest.json"))
    return tmp_path


def test_explain_by_id_and_by_path(workspace: Path) -> None:
    doc = next(r for r in iter_records("out/ingest/docs") if r["path"] == "lib/index.js")
    runner = CliRunner()
    by_id = runner.invoke(main, ["explain", doc["id"]])
    assert by_id.exit_code == 0, by_id.output
    assert "[ingest] KEPT" in by_id.output and "lang: javascript" in by_id.output
    assert "kept through 'ingest'" in by_id.output and "| // v2" in by_id.output
    by_path = runner.invoke(main, ["explain", "demo/lib/index.js"])
    assert by_path.exit_code == 0 and doc["id"] in by_path.output
    by_version = runner.invoke(main, ["explain", "demo@1.0.0/lib/index.js"])
    assert by_version.exit_code == 0 and doc["id"] in by_version.output


def test_explain_dropped_file_says_why(workspace: Path) -> None:
    result = CliRunner().invoke(main, ["explain", "empty.js"])
    assert result.exit_code == 0, result.output
    assert "REMOVED  reason=empty" in result.output and "dropped at 'ingest' (empty)" in result.output


def test_explain_ambiguous_and_unknown(workspace: Path) -> None:
    runner = CliRunner()
    ambiguous = runner.invoke(main, ["explain", "index.js"])
    assert ambiguous.exit_code != 0 and "2 records match" in ambiguous.output
    assert "demo@1.0.0/lib/index.js" in ambiguous.output and "demo@1.0.0/index.js" in ambiguous.output
    unknown = runner.invoke(main, ["explain", "nope.js"])
    assert unknown.exit_code != 0 and "no record matches" in unknown.output


def test_show_prints_metrics_and_samples(workspace: Path) -> None:
    result = CliRunner().invoke(main, ["show", "ingest", "--n", "2"])
    assert result.exit_code == 0, result.output
    assert '"docs_in": 4' in result.output and result.output.count("\nid: ") == 2
    missing = CliRunner().invoke(main, ["show", "nostage"])
    assert missing.exit_code != 0 and "no stage 'nostage'" in missing.output
    assert os.path.exists("metrics/ingest.json")


def test_explain_shows_signals_thresholds_and_the_deciding_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After signals/filter, explain lists every rule with its value, threshold and params key, and the
    filter stage's verdict."""
    from conftest import signals_record

    from codeprep.execute.params import ExecuteParams
    from codeprep.filters.params import FilterParams
    from codeprep.filters.stage import run_filter
    from codeprep.params import load_params
    from codeprep.shards import SIGNALS_SCHEMA, ShardWriter

    project = Path(__file__).parents[1]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "params.yaml").write_text((project / "params.yaml").read_text())
    long_js = "export const a = 1;\n" * 3000
    with ShardWriter(Path("out/signals/docs"), SIGNALS_SCHEMA) as writer:
        writer.write(signals_record("src/long.js", "javascript", long_js))
    Path("metrics").mkdir()
    Path("metrics/langid.json").write_text('{"accuracy": 0.8, "compatible_accuracy": 0.9}')
    run_filter(
        FilterParams.from_params(load_params("params.yaml")["filter"]),
        Path("out/signals/docs"),
        Path("out/filter"),
        Path("metrics/langid.json"),
        Path("metrics/filter.json"),
        ExecuteParams(),
    )
    result = CliRunner().invoke(main, ["explain", "src/long.js"])
    assert result.exit_code == 0, result.output
    assert "[signals] KEPT" in result.output and "syntax_ok: True" in result.output
    assert "[filter] REMOVED  reason=too_long" in result.output
    assert "FAIL  too_long" in result.output and "(filter.javascript.max_chars)" in result.output
    assert "pass  too_short" in result.output and "pass  syntax_error" in result.output


def test_explain_stage_filter_and_the_dedup_rule(workspace: Path) -> None:
    from codeprep.explain import dedup_rule

    runner = CliRunner()
    only = runner.invoke(main, ["explain", "demo/lib/index.js", "--stage", "ingest"])
    assert only.exit_code == 0 and "[ingest] KEPT" in only.output
    none = runner.invoke(main, ["explain", "demo/lib/index.js", "--stage", "dedup"])
    assert none.exit_code != 0 and "stage 'dedup' has no row" in none.output
    near = dedup_rule("near_duplicate", {"threshold": 0.85, "ngram": 5, "verify": "exact"})
    assert "exact shingle-set Jaccard >= 0.85 (dedup.threshold)" in near and "(dedup.ngram)" in near
    assert "no threshold" in dedup_rule("exact_duplicate", {})
