"""The language table (codeprep.languages) is complete, and every per-language table elsewhere agrees
with it: a new language is one row plus its params, and a row without them fails here."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from codeprep import languages
from codeprep.clean.secrets import MARKUP
from codeprep.eval.settings import EVAL_GROUPS
from codeprep.instruct.quality import FENCE_LANG
from codeprep.languages import CODE_LANGS, GROUPS, LANGS, LANGUAGES, VALIDATORS, Language
from codeprep.model.bench import GROUP_LANG
from codeprep.params import load_params
from codeprep.signals.syntax import parser_for

PROJECT = Path(__file__).resolve().parents[1]
PARAMS = load_params(PROJECT / "params.yaml")


def problems(rows: tuple[Language, ...], params: dict[str, Any]) -> list[str]:
    """What is missing or inconsistent for ``rows`` against ``params``: one line per problem."""
    found = []
    names = [row.name for row in rows]
    if len(set(names)) != len(names):
        found.append("duplicate language names")
    seen: dict[str, str] = {}
    for row in rows:
        if row.name not in params["filter"] or row.name not in params["filter"]["require_valid_syntax"]:
            found.append(f"{row.name}: no filter.{row.name} or filter.require_valid_syntax.{row.name}")
        if params["filter"]["require_valid_syntax"].get(row.name) and row.validator is None:
            found.append(f"{row.name}: filter requires valid syntax but the row names no validator")
        if not row.group or row.group not in params["mix"]["target"]:
            found.append(f"{row.name}: group {row.group!r} has no mix.target share")
        if not (row.tag.startswith("<") and row.tag.endswith(">")):
            found.append(f"{row.name}: tag {row.tag!r} is not a <tag>")
        for ext in row.extensions:
            if not ext.startswith(".") or ext != ext.lower():
                found.append(f"{row.name}: extension {ext!r} is not a lower-case .suffix")
            if ext in seen:
                found.append(f"{ext} claimed by {seen[ext]} and {row.name}")
            seen[ext] = row.name
    tags = [row.tag for row in rows]
    if len(set(tags)) != len(tags):
        found.append("two languages share a tag")
    return found


def test_every_language_has_params_a_group_a_tag_and_its_own_extensions() -> None:
    assert problems(LANGUAGES, PARAMS) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"group": "python"}, "group 'python' has no mix.target share"),
        ({"tag": "css"}, "tag 'css' is not a <tag>"),
        ({"validator": None}, "filter requires valid syntax but the row names no validator"),
        ({"extensions": (".js",)}, ".js claimed by javascript and css"),
        ({"name": "sass"}, "sass: no filter.sass"),
    ],
)
def test_a_broken_row_is_caught(change: dict[str, Any], expected: str) -> None:
    rows = tuple(dataclasses.replace(row, **change) if row.name == "css" else row for row in LANGUAGES)
    assert any(expected in problem for problem in problems(rows, PARAMS)), problems(rows, PARAMS)


def test_params_name_no_language_the_table_lacks() -> None:
    per_lang = set(PARAMS["filter"]) - {"default", "require_valid_syntax"}
    assert per_lang == set(LANGS) and set(PARAMS["filter"]["require_valid_syntax"]) == set(LANGS)
    assert set(PARAMS["mix"]["target"]) == set(GROUPS) - {languages.INSTRUCT}


def test_tables_elsewhere_agree_with_the_rows() -> None:
    for lang in LANGS:  # the syntax check names the validator of the row
        assert parser_for(lang) == VALIDATORS.get(lang, "none"), lang
    assert set(FENCE_LANG.values()) & set(LANGS) == set(LANGS) - {"other"}  # a fence tag per language
    assert set(VALIDATORS) >= CODE_LANGS and set(LANGS) >= MARKUP
    assert set(EVAL_GROUPS) <= set(GROUPS) and set(GROUP_LANG) <= set(GROUPS)
    assert all(GROUP_LANG[g] in GROUPS[g] for g in GROUP_LANG)
    assert [lang for group in GROUPS.values() for lang in group if lang != languages.INSTRUCT] == sorted(
        LANGS, key=LANGS.index
    )
