"""`codeprep explain` and `codeprep show` on real ingest output."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import JS, package_json, write_tree

from codeprep.cli import main
from codeprep.shards import iter_records
from codeprep.sources.ingest import IngestConfig, InputSpec, run_ingest


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
    assert ambiguous.exit_code == 0 and "2 records match" in ambiguous.output
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
