"""dvc.yaml's hand-written ``deps:`` against the code: every module a stage's script can import (its
import closure, lazy imports and ``python -m`` / ``import_module`` names included) is a dep, no
source dep is stale, and the script's click defaults are its deps and outs. A stage whose deps miss
a module it runs is a stage DVC does not re-run when that module changes (decontam once imported
signals/stage.py without listing it)."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest
import yaml

from codeprep.sections import SECTIONS

PROJECT = Path(__file__).resolve().parents[1]
SRC = PROJECT / "src"
STAGES: dict = yaml.safe_load((PROJECT / "dvc.yaml").read_text())["stages"]
#: The table of section parsers, named as strings: a stage imports only those of its own sections.
SECTIONS_FILE = SRC / "codeprep" / "sections.py"
#: A module named in a string: ``python -m codeprep.x`` or ``"codeprep.x:attr"`` (sections.SECTIONS).
NAMED_MODULE = re.compile(r"^codeprep(?:\.\w+)+(?=$|:)")


def _module_file(name: str) -> Path | None:
    base = SRC / Path(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@cache
def _imports(file: Path) -> frozenset[str]:
    """The codeprep modules ``file`` imports anywhere (top level or inside a function), with the
    packages they sit in (their ``__init__`` runs first)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and file != SECTIONS_FILE:
            match = NAMED_MODULE.match(node.value)
            if match:
                names.add(match.group(0))
        elif (  # @params_option("filter", "execute"): the parsers of those sections (codeprep.sections)
            isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "params_option"
        ):
            names |= {SECTIONS[ast.literal_eval(arg)].split(":")[0] for arg in node.args}
    found = set()
    for name in names:
        parts = name.split(".")
        if parts[0] != "codeprep":
            continue
        found |= {".".join(parts[:i]) for i in range(1, len(parts) + 1) if _module_file(".".join(parts[:i]))}
    return frozenset(found)


def closure(script: Path) -> set[Path]:
    """Every codeprep source file that running ``script`` can execute."""
    seen: set[str] = set()
    todo = list(_imports(script))
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += _imports(_module_file(name))  # type: ignore[arg-type]
    return {_module_file(name) for name in seen}  # type: ignore[misc]


def _paths(entries: list) -> list[str]:
    return [next(iter(e)) if isinstance(e, dict) else e for e in entries or []]


def _click_defaults(script: Path) -> dict[str, list[str]]:
    """``input_path`` / ``output_path`` defaults of a stage script (the paths DVC runs it with)."""
    found: dict[str, list[str]] = {"input_path": [], "output_path": []}
    for node in ast.walk(ast.parse(script.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in found:
            found[node.func.id].append(ast.literal_eval(node.args[2]))
    return found


def _covered(file: Path, deps: list[str]) -> bool:
    rel = file.relative_to(PROJECT).as_posix()
    return any(rel == dep or rel.startswith(dep.rstrip("/") + "/") for dep in deps)


@pytest.mark.parametrize("name", list(STAGES))
def test_deps_cover_the_import_closure_and_nothing_stale(name: str) -> None:
    stage = STAGES[name]
    script = PROJECT / stage["cmd"].split()[1]
    deps = _paths(stage["deps"])
    assert script.relative_to(PROJECT).as_posix() in deps
    files = closure(script)
    missing = sorted(f.relative_to(PROJECT).as_posix() for f in files if not _covered(f, deps))
    assert not missing, f"{name}: imports, but dvc.yaml does not list: {missing}"
    for dep in (d for d in deps if d.startswith("src/")):
        python = [dep] if dep.endswith(".py") else [p.as_posix() for p in (PROJECT / dep).rglob("*.py")]
        if python:
            assert any(_covered(f, [dep]) for f in files), f"{name}: {dep} is listed but never imported"


@pytest.mark.parametrize("name", list(STAGES))
def test_click_defaults_are_the_stages_deps_and_outs(name: str) -> None:
    stage = STAGES[name]
    defaults = _click_defaults(PROJECT / stage["cmd"].split()[1])
    deps = _paths(stage["deps"])
    outs = _paths(stage.get("outs")) + _paths(stage.get("metrics")) + _paths(stage.get("plots"))
    for path in defaults["input_path"]:
        if path == "dvc.yaml":  # report reads the plot definitions; DVC refuses dvc.yaml as a dep
            continue
        assert path in deps, f"{name} reads {path} by default; dvc.yaml does not list it in deps"
    for path in defaults["output_path"]:
        assert path in outs or any(o.startswith(path.rstrip("/") + "/") for o in outs), (
            f"{name} writes {path} by default; dvc.yaml does not list it as an out"
        )


@pytest.mark.parametrize("name", list(STAGES))
def test_a_stage_checks_the_params_sections_dvc_tracks_for_it(name: str) -> None:
    """The sections a stage script checks on the way in are the ones dvc.yaml says it reads
    (``execute`` beside them: it says how a map stage runs, not what it writes, so it is no DVC param)."""
    stage = STAGES[name]
    tracked = {(p if isinstance(p, str) else next(iter(p))).split(".")[0] for p in stage.get("params") or []}
    checked: set[str] = set()
    for node in ast.walk(ast.parse((PROJECT / stage["cmd"].split()[1]).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "params_option":
            checked |= {ast.literal_eval(arg) for arg in node.args}
    assert checked - {"execute"} == tracked, name


def test_the_test_fails_on_a_broken_dep() -> None:
    """The check is not vacuous: filter without the filters package, or with a stale module."""
    script = PROJECT / STAGES["filter"]["cmd"].split()[1]
    deps = [d for d in _paths(STAGES["filter"]["deps"]) if d != "src/codeprep/filters"]
    assert any(not _covered(f, deps) for f in closure(script))
    assert not any(_covered(f, ["src/codeprep/model/train.py"]) for f in closure(script))


def test_a_stage_module_is_imported_only_by_stage_scripts() -> None:
    """Rule: ``<package>/stage.py`` is what a ``stages/*.py`` script runs, never a library for
    another package (data contracts live in shards/, the package's params.py and the like)."""
    offenders = []
    for file in SRC.rglob("*.py"):
        for name in _imports(file):
            if name.endswith(".stage") and _module_file(name) != file:
                offenders.append(f"{file.relative_to(SRC)} imports {name}")
    assert not offenders, offenders
