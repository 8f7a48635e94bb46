"""Noise bands and `codeprep compare`: the significance rule, revisions and `dvc exp` names resolved
in a real git repository, and the refusals a reviewer relies on."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from codeprep.cli import main as cli
from codeprep.eval.bands import difference, summarize, welch_p


def test_summarize_and_the_significance_rule() -> None:
    a = summarize({0: 3.00, 1: 3.02, 2: 2.98})
    assert a["mean"] == pytest.approx(3.0) and a["std"] == pytest.approx(0.02)
    assert a["per_seed"] == {"0": 3.00, "1": 3.02, "2": 2.98}
    far = difference(a, summarize({0: 3.10, 1: 3.12, 2: 3.08}))
    assert far.band == pytest.approx(0.02 * math.sqrt(2 / 3))  # standard error of the difference
    assert far.delta == pytest.approx(0.10) and far.bands == pytest.approx(6.12, abs=0.01) and far.significant
    near = difference(a, summarize({0: 3.03, 1: 3.05, 2: 3.01}))  # 1.8 bands: a seed's luck
    assert not near.significant and 0.05 < near.p_value < 0.2
    # over 3 bands, but one side far noisier than the other: Welch's test does not call it
    noisy = difference(summarize({0: 3.0, 1: 3.0001, 2: 2.9999}), summarize({0: 4.2, 1: 5.2, 2: 6.2}))
    assert noisy.bands > 3 and noisy.p_value > 0.05 and not noisy.significant
    assert summarize({7: 1.5})["std"] == 0.0
    same = difference(summarize({0: 1.0, 1: 1.0}), summarize({0: 1.0, 1: 1.0}))
    assert same.bands == 0.0 and not same.significant
    assert math.isinf(difference(summarize({0: 1.0, 1: 1.0}), summarize({0: 2.0, 1: 2.0})).bands)
    assert welch_p([1.0], [2.0, 3.0]) == 1.0


# ------------------------------------------------------------------------------- compare in a repo


def _git(root: Path, *args: str) -> str:
    cmd = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"]
    return subprocess.run([*cmd, *args], cwd=root, check=True, capture_output=True, text=True).stdout.strip()


def _eval_metrics(js: list[float], suite: str = "sha256:" + "a" * 64, device: str = "cpu: X") -> dict:
    groups = {"js_ts": js, "css": [2.0, 2.01, 1.99]}
    return {
        "suite_hash": suite,
        "seeds": [0, 1, 2],
        "ctx": 256,
        "bpb": {"torch": {g: summarize(dict(enumerate(v))) for g, v in groups.items()}},
        "completion_bpb": {"torch": summarize({0: 2.5, 1: 2.51, 2: 2.49})},
        "bpb_by_lang": {"javascript": summarize({0: 3.0, 1: 3.1, 2: 3.05})},
        "environment": {"device": device, "threads": 2},
    }


def _write(root: Path, name: str, data: dict) -> None:
    (root / "metrics").mkdir(exist_ok=True)
    (root / "metrics" / f"{name}.json").write_text(json.dumps(data))


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HEAD~1 without eval metrics, HEAD with them, and an experiment ref with worse JS."""
    _git(tmp_path, "init", "-q")
    _write(tmp_path, "train", {"final_loss": 4.0})  # before the suite: no bands
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "old")
    _write(tmp_path, "eval", _eval_metrics([3.00, 3.02, 2.98]))
    _write(tmp_path, "train", {"final_loss": summarize({0: 4.0, 1: 4.1, 2: 4.05})})
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "suite")
    _write(tmp_path, "eval", _eval_metrics([3.20, 3.22, 3.18]))
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "experiment")
    exp = _git(tmp_path, "rev-parse", "HEAD")
    _git(tmp_path, "update-ref", "refs/exps/ab/cdef0123/worse-js", exp)
    _git(tmp_path, "reset", "-q", "--hard", "HEAD~1")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_compare_marks_a_real_difference_and_not_noise(repo: Path) -> None:
    result = CliRunner().invoke(cli, ["compare", "HEAD", "worse-js"])
    assert result.exit_code == 0, result.output
    rows = {
        line.split()[0]: line for line in result.output.splitlines() if line.startswith(("eval:", "train:"))
    }
    assert rows["eval:bpb.torch.js_ts"].endswith("worse") and "+0.2000" in rows["eval:bpb.torch.js_ts"]
    assert rows["eval:bpb.torch.css"].endswith("within noise")
    assert "eval:completion_bpb.torch" in rows and "eval:bpb_by_lang.javascript" not in rows
    assert "Welch" in result.output and "warning" not in result.output
    everything = CliRunner().invoke(cli, ["compare", "HEAD", "worse-js", "--all"])
    assert "eval:bpb_by_lang.javascript" in everything.output
    markdown = CliRunner().invoke(cli, ["compare", "HEAD", "worse-js", "--md"])
    assert markdown.output.startswith("| metric | HEAD | worse-js |")


def test_compare_defaults_to_head_against_the_workspace(repo: Path) -> None:
    _write(repo, "eval", _eval_metrics([2.80, 2.82, 2.78], device="cuda: H100"))
    result = CliRunner().invoke(cli, ["compare"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("warning: HEAD and workspace come from different devices")
    js = next(line for line in result.output.splitlines() if line.startswith("eval:bpb.torch.js_ts"))
    assert js.endswith("better")


def test_compare_reads_a_folder_of_metrics(repo: Path) -> None:
    other = repo / "elsewhere"
    other.mkdir()
    (other / "eval.json").write_text(json.dumps(_eval_metrics([3.20, 3.22, 3.18])))
    result = CliRunner().invoke(cli, ["compare", "HEAD", "elsewhere"])
    assert result.exit_code == 0, result.output
    assert next(line for line in result.output.splitlines() if "js_ts" in line).endswith("worse")


def test_compare_refuses_what_does_not_compare(repo: Path) -> None:
    runner = CliRunner()
    old = runner.invoke(cli, ["compare", "HEAD~1", "HEAD"])
    assert old.exit_code != 0 and "HEAD~1 has no metrics/eval.json" in old.output
    missing = runner.invoke(cli, ["compare", "HEAD", "no-such-exp"])
    assert (
        missing.exit_code != 0 and "neither a git revision, a `dvc exp` name nor a folder" in missing.output
    )
    _write(repo, "eval", _eval_metrics([3.0, 3.0, 3.0], suite="sha256:" + "b" * 64))
    other_suite = runner.invoke(cli, ["compare"])
    assert other_suite.exit_code != 0 and "different evaluation suites" in other_suite.output
