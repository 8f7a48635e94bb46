"""Every ``codeprep ...`` command in the code blocks of the README and of every Markdown file under
docs/ parses against the CLI as it is (a renamed command or option fails here, in CI); and where the
pipeline's outputs are present (a workspace after ``make repro``), the ones about the default data
run and succeed, so an example id or path that matches nothing fails too."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from codeprep.cli import main

ROOT = Path(__file__).resolve().parents[1]
#: Commands that need something a fresh workspace does not have: S3 credentials, a dvc experiment,
#: a benchmark's work folder, or the README's own illustrative fixture file.
NEEDS_MORE = ("data fetch-stack", "compare", "explain src/long.js")


#: The README and the documentation it links to: the detail (and its examples) lives in docs/.
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def doc_commands(path: Path) -> list[str]:
    """``codeprep`` lines of one Markdown file's shell code blocks (fences with no language, bash,
    console, sh), continuation lines joined, prompts and trailing comments removed."""
    commands, language, lines = [], None, []
    for line in path.read_text(encoding="utf-8").splitlines():
        fence = re.match(r"^\s*```(\w*)", line)
        if fence and language is None:
            language, lines = fence.group(1), []
        elif fence:
            if language in ("", "bash", "console", "sh", "shell"):
                for command in re.sub(r"\\\n\s*", " ", "\n".join(lines)).splitlines():
                    command = command.strip().removeprefix("$ ")
                    if command.startswith("codeprep "):
                        commands.append(re.sub(r"\s+#.*$", "", command))
            language = None
        elif language is not None:
            lines.append(line)
    return commands


def readme_commands() -> list[str]:
    """The commands of the README and of every page under docs/, each once, in reading order."""
    return list(dict.fromkeys(command for path in DOCS for command in doc_commands(path)))


COMMANDS = readme_commands()


def _remaining(context: click.Context) -> list[str]:
    """A group context's unparsed tokens: the subcommand and its arguments (click 8.2 keeps the
    subcommand apart, in ``_protected_args``; 9.0 will put everything in ``args``)."""
    return [*getattr(context, "_protected_args", []), *context.args]


def test_the_readme_has_codeprep_examples() -> None:
    assert len(COMMANDS) >= 6 and any(c.startswith("codeprep explain") for c in COMMANDS)
    own = doc_commands(ROOT / "README.md")  # the README keeps its short after-make-repro block
    assert {"codeprep show", "codeprep explain"} <= {" ".join(c.split()[:2]) for c in own}


def test_the_docs_are_scanned() -> None:
    """docs/ is read recursively (docs/stages/ included), so a command that moved there stays tested."""
    assert ROOT / "docs" / "README.md" in DOCS and any(p.parent.name == "stages" for p in DOCS)
    assert any(c.startswith("codeprep data fetch-stack") for c in COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_readme_command_parses(command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Parsed, not run: in an empty folder where every relative path the example names exists."""
    args = shlex.split(command)[1:]
    monkeypatch.chdir(tmp_path)
    for arg in args:
        if "/" in arg and not arg.startswith("-"):
            (tmp_path / arg).mkdir(parents=True, exist_ok=True)
    context = main.make_context("codeprep", list(args), resilient_parsing=False)
    group: click.Command = main
    while isinstance(group, click.Group) and _remaining(context):
        name, sub, rest = group.resolve_command(context, _remaining(context))
        assert sub is not None, f"{command}: no command {name!r}"
        context = sub.make_context(name, rest, parent=context)
        group = sub


@pytest.mark.skipif(
    not (ROOT / "out" / "dedup" / "docs").is_dir(), reason="no pipeline outputs (run make repro)"
)
@pytest.mark.parametrize("command", [c for c in COMMANDS if not any(n in c for n in NEEDS_MORE)])
def test_a_readme_command_runs_on_the_default_data(command: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, shlex.split(command)[1:])
    assert result.exit_code == 0, result.output
