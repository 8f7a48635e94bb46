"""Instruction data: OpenCodeInstruct read in its published layout (every column a string), and the
instruct stage's checks — test score, language of the output's code, lengths, syntax of code blocks,
clarity and completeness, contamination and duplicates — each rejection recorded with its reason."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from codeprep.decontam.benchmarks import Item
from codeprep.decontam.index import Index
from codeprep.instruct.params import InstructParams, Lengths
from codeprep.instruct.quality import Block, block_valid, clarity_checks, code_blocks, completeness_checks
from codeprep.instruct.render import render
from codeprep.instruct.stage import run_instruct
from codeprep.shards import iter_records
from codeprep.sources import opencodeinstruct

JS_ANSWER = """Here is a debounce helper:

```javascript
function debounce(fn, wait) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), wait);
  };
}
```

It delays `fn` until `wait` milliseconds pass without a call."""
PY_ANSWER = """```python
def add(a, b):
    return a + b
```"""
TS_UNTAGGED = """```
interface User { id: number; name: string }
export const byId = (users: User[], id: number): User | undefined => users.find((u) => u.id === id);
```"""


def oci_row(i: int, output: str, score: str = "1.0", instruction: str = "") -> dict[str, str]:
    """One row as the dataset publishes it: all strings, lists as text."""
    return {
        "id": f"oci-{i}",
        "input": instruction or f"Write a JavaScript function number {i} that debounces another function.",
        "output": output,
        "domain": "generic",
        "generation_algorithm": "self-instruct",
        "llm_judgement": '{"requirement_conformance": {"score": "5"}, "logical_correctness": {"score": "5"}}',
        "unit_tests": '["assert add(1, 2) == 3"]',
        "tests_execution_status": '["pass", "pass", "fail"]',
        "average_test_score": score,
    }


def write_parquet(path: Path, rows: list[dict[str, str]]) -> Path:
    schema = pa.schema([pa.field(c, pa.string()) for c in opencodeinstruct.COLUMNS])
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
    return path


def test_reader_casts_the_string_columns_and_reports_bad_rows(tmp_path: Path) -> None:
    write_parquet(tmp_path / "train-00000-of-00002.parquet", [oci_row(0, JS_ANSWER, "0.6666666666666666")])
    lines = [
        json.dumps(oci_row(1, PY_ANSWER, "0.9")),
        "{not json",
        json.dumps({**oci_row(2, PY_ANSWER), "average_test_score": "n/a"}),
        json.dumps({k: v for k, v in oci_row(3, PY_ANSWER).items() if k != "output"}),
        json.dumps({**oci_row(4, PY_ANSWER), "average_test_score": "1.5"}),
    ]
    with gzip.open(tmp_path / "train-00001-of-00002.jsonl.gz", "wt") as f:
        f.write("\n".join(lines) + "\n")
    rows = list(opencodeinstruct.read(tmp_path))
    first, second = rows[0], rows[1]
    assert isinstance(first, dict) and first["average_test_score"] == pytest.approx(2 / 3)
    assert (first["tests_passed"], first["tests_total"]) == (2, 3)
    assert first["instruction"].startswith("Write a JavaScript") and first["output"] == JS_ANSWER
    assert isinstance(second, dict) and second["average_test_score"] == 0.9
    bad = rows[2:]
    assert all(isinstance(b, opencodeinstruct.Malformed) for b in bad) and len(bad) == 4
    assert bad[0].where.endswith(".jsonl.gz:2") and "JSON" in bad[0].detail
    assert "average_test_score" in bad[1].detail and "missing" in bad[2].detail and "[0, 1]" in bad[3].detail
    with pytest.raises(FileNotFoundError):
        list(opencodeinstruct.read(tmp_path / "absent"))


def test_a_list_literal_is_read_without_evaluating_code() -> None:
    row = oci_row(0, JS_ANSWER)
    row["tests_execution_status"] = "__import__('os').system('echo pwned')"
    record = opencodeinstruct.to_record(row, "x:1")
    assert isinstance(record, dict) and record["tests_total"] is None


def test_code_blocks_tags_detection_and_fragments() -> None:
    blocks = code_blocks(JS_ANSWER + "\n\n" + PY_ANSWER)
    assert [b.lang for b in blocks] == ["javascript", "python"]
    assert code_blocks("plain prose") == []
    method = "get fullName() {\n  return `${this.first} ${this.last}`;\n}"
    assert code_blocks(method, "javascript") == [Block("javascript", method, True)]
    assert block_valid(Block("javascript", method, True)) is True  # a method is valid in a class body
    assert block_valid(Block("javascript", "function (", True)) is False
    assert block_valid(Block("python", "def f(): pass", True)) is None


def test_clarity_and_completeness_name_the_failed_checks() -> None:
    lengths = Lengths()
    assert all(clarity_checks("Write a function that adds two numbers.", lengths).values())
    unclear = clarity_checks("Create an XML schema for {topic}", lengths)
    assert not unclear["no_slot"] and sum(unclear.values()) == 4
    assert not clarity_checks("x = 1; y = 2; z = x + y; w = z * 2; print(w)", lengths)["prose"]
    assert all(completeness_checks(JS_ANSWER).values())
    cut = completeness_checks("```js\nfunction f() {\n  return 1;\n")
    assert not cut["fences_balanced"]
    assert not completeness_checks("function f() {\n  // your code here\n}")["no_stub"]
    assert not completeness_checks("I'm sorry, but I cannot help with that.")["not_refusal"]


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def cat_record(i: int, **changes: str) -> dict[str, str]:
    record = {
        "instruction": "Write a JSDoc comment for this javascript code.",
        "input": f"function add{i}(a, b) {{\n  return a + b;\n}}",
        "output": f"/**\n * Adds two numbers, variant {i}.\n * @param {{number}} a\n */",
        "task_type": "code_to_comment",
        "lang": "javascript",
        "source": "corpus",
        "id": f"cat-{i}",
        "parent_id": f"pair-{i}",
        "repo": "left-pad",
    }
    return record | changes


def test_the_stage_keeps_good_records_and_records_every_rejection(tmp_path: Path) -> None:
    oci = [
        oci_row(0, JS_ANSWER),
        oci_row(1, JS_ANSWER, "0.5"),  # low_test_score
        oci_row(2, PY_ANSWER),  # off_language
        oci_row(3, "Use a loop and add the numbers one after another until done."),  # no_code
        oci_row(4, TS_UNTAGGED),  # untagged: the language id model's call
        oci_row(5, "```js\nfunction broken( {\n```"),  # invalid_code
        oci_row(6, "ok"),  # too_short
    ]
    write_parquet(tmp_path / "oci.parquet", oci)
    cat = [
        cat_record(0),
        cat_record(0, id="cat-dup"),  # duplicate
        cat_record(1, instruction="{topic} {framework} <placeholder> ..."),  # unclear_instruction
        cat_record(
            2, output="/**\n * Adds two numbers and then\n * // your code here\n */"
        ),  # incomplete_output
        cat_record(
            3,
            instruction="Write hasCloseElements: check if in given list of numbers, are any two numbers "
            "closer to each other than given threshold.",
        ),
    ]
    index = Index.build(
        [
            Item(
                "HumanEval",
                "HumanEval/0",
                "prompt",
                "Check if in given list of numbers, are any two numbers closer to each other than given "
                "threshold. hasCloseElements numbers threshold for each pair of numbers check if the "
                "distance between them is less than the given threshold and return true",
            )
        ],
        13,
    )
    calls: list[str] = []

    def predict(code: str) -> tuple[str, float]:
        calls.append(code)
        return "typescript", 0.9

    params = InstructParams(opencodeinstruct=("oci.parquet",))
    metrics = run_instruct(
        params,
        [_jsonl(tmp_path / "cat.jsonl", cat)],
        tmp_path / "out",
        tmp_path / "m.json",
        index,
        predict,
        tmp_path,
    )
    kept = [json.loads(line) for line in (tmp_path / "out" / "instructions.jsonl").read_text().splitlines()]
    assert [r["id"] for r in kept] == ["cat-0", "oci-0", "oci-4"]
    assert kept[1]["lang"] == "javascript" and kept[2]["lang"] == "typescript" and len(calls) == 1
    assert metrics["removed"] == {
        "contaminated": 1,
        "duplicate": 1,
        "incomplete_output": 1,
        "invalid_code": 1,
        "low_test_score": 1,
        "no_code": 1,
        "off_language": 1,
        "too_short": 1,
        "unclear_instruction": 1,
    }
    assert metrics["records_in"] == metrics["records_out"] + sum(metrics["removed"].values()) == 12
    removed = {r["id"]: r for r in iter_records(tmp_path / "out" / "removed")}
    assert removed["oci-2"]["detail"] == "code in python"
    assert "HumanEval/0" in removed["cat-3"]["detail"]
    assert removed["cat-1"]["detail"].startswith("clarity 0.6: failed")
    assert metrics["by_source"]["opencodeinstruct"] == {"in": 7, "out": 2}
    # blocks reach the syntax check in the 5 CAT records, oci-0, oci-4 and oci-5; only oci-5's fails
    assert metrics["code_blocks_checked"] == 8 and metrics["code_validity"] == pytest.approx(7 / 8)


def test_render_is_the_training_layout() -> None:
    text = render({"instruction": "Explain this.", "input": "let a = 1;", "output": "It sets a."})
    assert text == "### Instruction\nExplain this.\n\n### Input\nlet a = 1;\n\n### Response\nIt sets a.\n"
    assert "### Input" not in render({"instruction": "Say hi.", "input": "", "output": "hi"})


def test_an_oversized_line_is_an_error_not_a_memory_blowup(tmp_path: Path) -> None:
    from codeprep.sources.json_lines import json_lines

    path = tmp_path / "bomb.jsonl.gz"
    with gzip.open(path, "wb") as f:  # 8 MB of one line compresses to a few KB
        f.write(b'{"id": "' + b"a" * (8 << 20) + b'"}\n' + json.dumps(oci_row(1, JS_ANSWER)).encode() + b"\n")
    rows = list(json_lines(path, max_line_bytes=1 << 20))
    assert [(r is None, e) for _, r, e in rows] == [(True, f"line over {1 << 20} bytes"), (False, "")]
    assert rows[1][0].endswith("bomb.jsonl.gz:2") and rows[1][1]["id"] == "oci-1"
