"""params.yaml is checked whole before any stage works: a typo is one line naming the key and the
closest valid one, with no traceback and no work done (issue 20's typos used to run with rc 0)."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from codeprep.params import ParamsError, load_params
from codeprep.sections import SECTIONS, check_params, parser

PROJECT = Path(__file__).resolve().parents[1]
PARAMS = load_params(PROJECT / "params.yaml")


def _with(change: dict[str, Any], drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """params.yaml with ``change`` (dotted key → value) applied and the dotted keys of ``drop`` removed."""
    params = copy.deepcopy(PARAMS)
    for dotted, value in change.items():
        *path, last = dotted.split(".")
        node = params
        for part in path:
            node = node.setdefault(part, {})
        node[last] = value
    for dotted in drop:
        *path, last = dotted.split(".")
        node = params
        for part in path:
            node = node[part]
        del node[last]
    return params


def _stage(script: str, params: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python stages/<script> --params <params> <args>`` as DVC would run it."""
    command = [sys.executable, str(PROJECT / "stages" / script), "--params", str(params), *args]
    return subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, check=False)


def test_the_projects_params_pass_and_every_section_has_a_parser() -> None:
    parsed = check_params(PARAMS)
    assert set(PARAMS) <= set(SECTIONS) and set(parsed) == set(SECTIONS)
    for name in SECTIONS:
        assert callable(parser(name)), name


@pytest.mark.parametrize(
    ("change", "drop", "message"),
    [
        # the three typos, each of which used to fall back to the default silently
        (
            {"filter.javascript.max_char": 50000},
            ("filter.javascript.max_chars",),
            "unknown key filter.javascript.max_char; did you mean max_chars?",
        ),
        (
            {"filter.javscript": {"max_chars": 60}},
            (),
            "unknown key filter.javscript; did you mean javascript?",
        ),
        (
            {"dedup.treshold": 0.85},
            ("dedup.threshold",),
            "unknown key dedup.treshold; did you mean threshold?",
        ),
        # a section name, keys of hand-parsed sections, nested and list entries
        ({"dedupe": {}}, (), "unknown key dedupe; did you mean dedup?"),
        ({"mix.instruct_shar": 0.1}, (), "unknown key mix.instruct_shar; did you mean instruct_share?"),
        ({"mix.target": {"js_tss": 0.5}}, (), "unknown key mix.target.js_tss; did you mean js_ts?"),
        ({"clean.rules.strip_bomb": True}, (), "unknown key clean.rules.strip_bomb; did you mean strip_bom?"),
        ({"ingest.max_byte": 10}, (), "unknown key ingest.max_byte; did you mean max_bytes?"),
        (
            {"ingest.inputs": [{"path": "data/npm", "format": "npm", "licence": "MIT"}]},
            (),
            "unknown key ingest.inputs[0].licence; did you mean license?",
        ),
        ({"synth.teacher.backnd": "none"}, (), "unknown key synth.teacher.backnd; did you mean backend?"),
        ({"langid.min_porb": 0.5}, (), "unknown key langid.min_porb; did you mean min_prob?"),
        (
            {"filter.require_valid_syntax.javscript": True},
            (),
            "unknown key filter.require_valid_syntax.javscript; did you mean javascript?",
        ),
        # wrong types and ranges
        (
            {"filter.default.max_chars": "10k"},
            (),
            "filter.default.max_chars must be int or null, not str '10k'",
        ),
        ({"execute.workers": "two"}, (), "execute.workers must be int, not str 'two'"),
        ({"dedup.threshold": 1.5}, (), "dedup.threshold must be a number between 0 and 1, not 1.5"),
        ({"secrets.enabled": "yes"}, (), "secrets.enabled must be bool, not str 'yes'"),
        ({"mix.target.js_ts": "a lot"}, (), "mix.target.js_ts must be float, not str 'a lot'"),
        ({"mix.max_epochs": "4x"}, (), "mix.max_epochs must be float or dict, not str '4x'"),
        ({"ingest.max_bytes": "1MB"}, (), "ingest.max_bytes must be int, not str '1MB'"),
        ({"syntax.js_backend": "babel"}, (), "syntax.js_backend must be one of 'tree-sitter', 'esprima'"),
        ({"licence.allow": []}, (), "licence.allow must list at least one SPDX id"),
    ],
)
def test_a_mistake_is_one_error_naming_the_key(
    change: dict[str, Any], drop: tuple[str, ...], message: str
) -> None:
    with pytest.raises(ParamsError) as raised:
        check_params(_with(change, drop))
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_a_stage_refuses_a_typo_before_any_work_in_one_line(tmp_path: Path) -> None:
    """As a user meets it: the stage script exits non-zero with one ``Error:`` line and writes nothing."""
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump(_with({"dedup.treshold": 0.85}, ("dedup.threshold",))))
    run = _stage(
        "dedup.py", params, "--out", str(tmp_path / "out"), "--metrics", str(tmp_path / "dedup.json")
    )
    assert run.returncode != 0
    assert run.stderr.strip().splitlines() == [
        f"Error: {params}: unknown key dedup.treshold; did you mean threshold?"
    ]
    assert not (tmp_path / "out").exists() and not (tmp_path / "dedup.json").exists()


def test_ingest_checks_every_input_path_up_front(tmp_path: Path) -> None:
    """The first input exists (a folder of the test's own), the other two do not: both are named, none read."""
    params = tmp_path / "params.yaml"
    (tmp_path / "mine").mkdir()
    inputs = [{"path": str(tmp_path / "mine"), "format": "repo"}, {"path": "nope/a", "format": "repo"}]
    inputs.append({"path": "nope/b", "format": "records"})
    params.write_text(yaml.safe_dump(_with({"ingest.inputs": inputs})))
    run = _stage("ingest.py", params, "--out", str(tmp_path / "out"), "--metrics", str(tmp_path / "m.json"))
    assert run.returncode != 0 and "Traceback" not in run.stderr
    assert "ingest.inputs: no such path: nope/a, nope/b" in run.stderr
    assert not (tmp_path / "out").exists()


def test_checking_imports_no_heavy_library() -> None:
    """Every stage pays for the check: it must not pull in the classifier, the model or a parser."""
    code = (
        "import sys; from codeprep.params import load_params; from codeprep.sections import check_params; "
        "check_params(load_params('params.yaml')); "
        "print(sorted(m for m in ('sklearn', 'torch', 'transformers', 'tree_sitter', 'lxml') if m in sys.modules))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, check=True
    )
    assert run.stdout.strip() == "[]"


def test_every_stage_script_checks_the_params_it_is_given() -> None:
    """Each stage of dvc.yaml that reads params.yaml takes it through ``params_option`` (the check)."""
    stages = yaml.safe_load((PROJECT / "dvc.yaml").read_text())["stages"]
    for name, stage in stages.items():
        script = PROJECT / stage["cmd"].split()[1]
        if stage.get("params"):
            assert "@params_option" in script.read_text(), f"{name}: {script.name} does not check params.yaml"
