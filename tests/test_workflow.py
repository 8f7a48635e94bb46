"""The pull-request review workflow: valid against GitHub's published workflow schema (the copy
vendored in check-jsonschema, so no network), and doing what the README's review routine says —
reproduce (pulling from the DVC remote when configured), diff params/metrics/plots against the base
branch, post one CML comment — with credentials only from secrets and every action pinned."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml

WORKFLOW = Path(__file__).resolve().parents[1] / ".github" / "workflows" / "data-review.yml"


@pytest.fixture(scope="module")
def workflow() -> dict:
    # PyYAML reads the key `on` as True (YAML 1.1); GitHub reads it as "on"
    data = yaml.safe_load(WORKFLOW.read_text())
    data["on"] = data.pop(True)
    return data


def _schema(name: str) -> dict:
    return json.loads(resources.files("check_jsonschema.builtin_schemas").joinpath(name).read_text())


def test_the_workflow_is_valid_against_githubs_schema(workflow: dict) -> None:
    jsonschema.validate(workflow, _schema("vendor/github-workflows.json"))
    jsonschema.validate(workflow, _schema("custom/github-workflows-require-timeout.json"))
    broken = dict(workflow, jobs={"review": {"steps": [{"run": "x"}]}})  # no runs-on
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, _schema("vendor/github-workflows.json"))


def _steps(workflow: dict) -> list[dict]:
    return workflow["jobs"]["review"]["steps"]


def _run(workflow: dict) -> str:
    return "\n".join(step.get("run", "") for step in _steps(workflow))


def test_it_runs_on_pull_requests_that_touch_the_pipeline_with_the_rights_it_needs(workflow: dict) -> None:
    paths = workflow["on"]["pull_request"]["paths"]
    assert {"params.yaml", "dvc.yaml", "dvc.lock", "data.dvc", "src/**", "stages/**"} <= set(paths)
    assert workflow["permissions"] == {"contents": "read", "pull-requests": "write"}
    checkout = next(s for s in _steps(workflow) if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0  # the base branch's metrics come from git history


def test_it_reproduces_then_diffs_against_the_base_branch_and_comments(workflow: dict) -> None:
    run = _run(workflow)
    order = [
        run.index("make install"),
        run.index("dvc pull --run-cache"),
        run.index("make repro"),
        run.index('dvc params diff "$base" --md'),
        run.index('codeprep compare "$base" workspace --md'),
        run.index('dvc metrics diff "$base" --md'),
        run.index('dvc plots diff "$base" workspace'),
        run.index("cml comment create report.md"),
    ]
    assert order == sorted(order)
    assert (
        'base="origin/$BASE_REF"' in run
        and "github.base_ref" in workflow["jobs"]["review"]["env"]["BASE_REF"]
    )
    dvc_yaml = yaml.safe_load((WORKFLOW.parents[2] / "dvc.yaml").read_text())
    plotted = {p if isinstance(p, str) else next(iter(p)) for p in dvc_yaml.get("plots", [])}
    for stage in dvc_yaml["stages"].values():
        plotted |= {p if isinstance(p, str) else next(iter(p)) for p in stage.get("plots", [])}
    for target in re.findall(r"plots/[\w./-]+\.csv", run):  # every plot image is of a real plot
        assert target in plotted, target


def test_credentials_only_come_from_secrets_and_actions_are_pinned(workflow: dict) -> None:
    text = WORKFLOW.read_text()
    assert not re.search(r"AKIA[0-9A-Z]{16}|ghp_[A-Za-z0-9]{20,}|aws_secret_access_key\s*=", text)
    env = workflow["jobs"]["review"]["env"]
    assert env["AWS_ACCESS_KEY_ID"] == "${{ secrets.AWS_ACCESS_KEY_ID }}"
    assert env["AWS_SECRET_ACCESS_KEY"] == "${{ secrets.AWS_SECRET_ACCESS_KEY }}"
    comment = next(s for s in _steps(workflow) if "cml comment" in s.get("run", ""))
    assert comment["env"]["REPO_TOKEN"] == "${{ secrets.GITHUB_TOKEN }}"
    for step in _steps(workflow):
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+", step["uses"]), step["uses"]
