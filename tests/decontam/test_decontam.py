"""Decontamination: a HumanEval solution pasted into a JavaScript comment is caught, a near miss is
not, user jsonl benchmarks are read, short items cannot match, and the stage conserves documents."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest
from conftest import signals_record

from codeprep.decontam.benchmarks import HUMANEVAL, BenchmarkSpec, humaneval_path, load
from codeprep.decontam.index import Index, words
from codeprep.decontam.params import DecontamParams
from codeprep.decontam.stage import build_index, run_decontam
from codeprep.execute.params import ExecuteParams
from codeprep.shards import SIGNALS_SCHEMA, ShardWriter, iter_records

HUMANEVAL_ITEMS = {(i.item_id, i.field): i.text for i in load(HUMANEVAL)}
SOLUTION = HUMANEVAL_ITEMS[("HumanEval/0", "canonical_solution")]
PROMPT = HUMANEVAL_ITEMS[("HumanEval/0", "prompt")]


def as_js_comment(text: str) -> str:
    return "/**\n" + "".join(f" * {line}\n" for line in text.splitlines()) + " */\nexport const x = 1;\n"


def near_miss(text: str) -> str:
    """Every 8th word renamed: no 13 words of the original in a row survive."""
    count = 0

    def rename(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return "zz" + match.group(0) if count % 8 == 0 else match.group(0)

    return re.sub(r"\w+", rename, text)


def test_humaneval_comes_from_the_package_data_file() -> None:
    assert humaneval_path().name == "HumanEval.jsonl.gz" and humaneval_path().is_file()
    assert len({item_id for item_id, _ in HUMANEVAL_ITEMS}) == 164
    assert "def has_close_elements" in PROMPT


def test_planted_solution_in_a_js_comment_is_caught_and_a_near_miss_is_not() -> None:
    index = build_index(DecontamParams())
    planted = "function f(a) {\n  return a;\n}\n" + as_js_comment(SOLUTION)
    hits = index.hits(planted)
    assert hits and hits[0][:3] == ("humaneval", "HumanEval/0", "canonical_solution")
    assert index.hits(as_js_comment(PROMPT))[0][:2] == ("humaneval", "HumanEval/0")
    miss = near_miss(SOLUTION)
    assert miss != SOLUTION and len(words(miss)) == len(words(SOLUTION))
    assert index.hits(as_js_comment(miss)) == []
    assert (
        index.hits("for (let i = 0; i < numbers.length; i++) { if (numbers[i] > threshold) return true; }")
        == []
    )


def test_items_shorter_than_n_cannot_match() -> None:
    from codeprep.decontam.benchmarks import Item

    index = Index.build([Item("b", "1", "solution", "return sorted(set(l))")], 13)
    assert index.too_short["b"] == 1 and index.items["b"] == 0
    assert index.hits("return sorted(set(l))") == []


def test_user_jsonl_benchmarks(tmp_path: Path) -> None:
    rows = [
        {
            "task_id": "js/1",
            "prompt": "Write a function that debounces another function by a delay in milliseconds "
            "and cancels pending calls when invoked again before the delay has passed",
            "solution": "x",
        },
        {"task_id": "js/2", "prompt": "short", "solution": "y"},
    ]
    with gzip.open(tmp_path / "js.jsonl.gz", "wt") as f:
        f.write("\n".join(json.dumps(r) for r in rows) + "\n\n")
    spec = BenchmarkSpec.from_params(
        {"name": "js", "path": "js.jsonl.gz", "id_field": "task_id", "text_fields": ["prompt"]}
    )
    params = DecontamParams(humaneval=False, benchmarks=(spec,))
    index = build_index(params, tmp_path)
    assert index.items["js"] == 1 and index.too_short["js"] == 1
    doc = "// Task: write a function that debounces another function by a delay in milliseconds and cancels\n"
    doc += "// pending calls when invoked again before the delay has passed.\nexport function debounce() {}\n"
    assert index.hits(doc)[0][:2] == ("js", "js/1")
    (tmp_path / "bad.jsonl").write_text('{"task_id": 1}\nnot json\n')
    bad = BenchmarkSpec("bad", "bad.jsonl", "task_id", ("prompt",))
    with pytest.raises(ValueError, match=r"bad\.jsonl:2"):
        list(load(bad, tmp_path))
    with pytest.raises(ValueError, match="lacks"):
        DecontamParams.from_params({"benchmarks": [{"name": "x", "path": "y"}]})


def test_stage_removes_contaminated_documents_and_conserves(tmp_path: Path) -> None:
    records = [
        signals_record("src/clean.js", "javascript", "export function add(a, b) {\n  return a + b;\n}\n"),
        signals_record("src/copied.js", "javascript", as_js_comment(SOLUTION)),
        signals_record("src/near.js", "javascript", as_js_comment(near_miss(SOLUTION))),
    ]
    with ShardWriter(tmp_path / "dedup", SIGNALS_SCHEMA) as writer:
        for record in records:
            writer.write(record)
    metrics = run_decontam(
        DecontamParams(), tmp_path / "dedup", tmp_path / "out", tmp_path / "m.json", ExecuteParams()
    )
    assert json.loads((tmp_path / "m.json").read_text()) == metrics
    assert metrics["docs_in"] == 3 and metrics["docs_out"] == 2 and metrics["removed"] == {"contaminated": 1}
    assert metrics["by_benchmark"]["humaneval"]["removed"] == 1
    assert (
        metrics["by_benchmark"]["humaneval"]["items"]
        + metrics["by_benchmark"]["humaneval"]["items_too_short"]
        == 328
    )
    removed = list(iter_records(tmp_path / "out" / "removed"))
    assert [(r["path"], r["reason"]) for r in removed] == [("src/copied.js", "contaminated")]
    assert removed[0]["detail"].startswith("humaneval HumanEval/0 (canonical_solution): ")
    assert {r["path"] for r in iter_records(tmp_path / "out" / "docs")} == {"src/clean.js", "src/near.js"}
