"""Code-comment pairs: JSDoc'd functions, methods, arrow functions and classes come out in the
CodeSearchNet schema within the seed plan's bounds, unrelated banners and short snippets do not, and
published CodeSearchNet files (release and Hugging Face layouts) are read."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from codeprep.pairs.extract import doc_text, extract, relevance
from codeprep.pairs.params import PairParams
from codeprep.sources.codesearchnet import FIELDS, read

SOURCE = """/**
 * Copyright (c) Example Corp. Licensed under the MIT licence; see LICENSE for the full text of it.
 */
/**
 * Returns the user name of the given user record, falling back to the email address when the name is empty.
 * @param {Object} user - the user record
 */
export function getUserName(user) {
  if (!user) return null;
  return user.name && user.name.length ? user.name : user.email;
}

class Cart {
  /**
   * Adds an item to the cart and recomputes the cart total from the item prices.
   */
  addItem(item) {
    this.items.push(item);
    this.total = this.items.reduce((sum, i) => sum + i.price, 0);
    return this;
  }
}

/** Debounce a function call until no call happened for the given wait in milliseconds. */
const debounce = (fn, wait) => {
  let timer;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), wait); };
};

/** Short. */
function tiny() { return 1; }

/**
 * This comment talks about the weather in Lisbon and the migration patterns of seabirds in autumn.
 */
function computeChecksum(buffer) {
  let hash = 0;
  for (const byte of buffer) hash = (hash * 31 + byte) >>> 0;
  return hash;
}
"""


def test_documented_declarations_become_codesearchnet_records() -> None:
    records = list(extract(SOURCE, "javascript", "demo", "src/a.js", PairParams()))
    assert [r["func_name"] for r in records] == ["getUserName", "addItem", "debounce"]
    first = records[0]
    assert list(first)[: len(FIELDS)] == list(FIELDS)
    assert first["language"] == "javascript" and first["split_name"] == "train"
    assert first["func_code_string"].startswith("function getUserName(user) {")
    assert (
        first["func_documentation_string"].startswith("Returns the user name")
        and "@param" in first["func_documentation_string"]
    )
    assert first["whole_func_string"].startswith("/**") and first["whole_func_string"].endswith(
        first["func_code_string"]
    )
    assert first["func_code_tokens"][:5] == ["function", "getUserName", "(", "user", ")"]
    assert first["func_code_url"] == "demo/src/a.js#L8"
    for r in records:
        assert (
            50 <= len(r["func_documentation_string"]) <= 2000 and 100 <= len(r["func_code_string"]) <= 10000
        )


def test_typescript_and_bounds_and_relevance() -> None:
    ts = (
        "/**\n * Parses the configuration file contents into a typed configuration object for the server.\n */\n"
        "export const parseConfig = (contents: string): Config => {\n"
        "  const parsed = JSON.parse(contents) as Partial<Config>;\n  return { port: 8080, ...parsed };\n};\n"
    )
    (record,) = extract(ts, "typescript", "srv", "src/config.ts", PairParams())
    assert record["func_name"] == "parseConfig" and record["language"] == "typescript"
    assert list(extract(ts, "typescript", "srv", "x.ts", PairParams(min_code_chars=1000))) == []
    assert relevance("Parses the config contents", ["parseConfig", "contents"]) == 1.0
    assert relevance("The weather in Lisbon", ["computeChecksum"]) == 0.0
    assert doc_text("/**\n * One.\n *   indented\n */") == "One.\n  indented"


def test_codesearchnet_release_and_hf_files(tmp_path: Path) -> None:
    release = {
        "repo": "org/lib",
        "path": "src/x.js",
        "func_name": "add",
        "original_string": "/** Adds. */\nfunction add(a, b) { return a + b; }",
        "language": "javascript",
        "code": "function add(a, b) { return a + b; }",
        "code_tokens": ["function", "add"],
        "docstring": "Adds.",
        "docstring_tokens": ["Adds", "."],
        "sha": "abc",
        "url": "https://example.com/org/lib/blob/abc/src/x.js#L1-L1",
        "partition": "test",
    }
    with gzip.open(tmp_path / "javascript_test_0.jsonl.gz", "wt") as f:
        f.write(json.dumps(release) + "\n")
    (row,) = read(tmp_path / "javascript_test_0.jsonl.gz")
    assert row["repository_name"] == "org/lib" and row["split_name"] == "test" and list(row) == list(FIELDS)
    records = list(extract(SOURCE, "javascript", "demo", "src/a.js", PairParams()))
    (tmp_path / "hf.jsonl").write_text("".join(json.dumps({k: r[k] for k in FIELDS}) + "\n" for r in records))
    assert [r["func_name"] for r in read(tmp_path / "hf.jsonl")] == ["getUserName", "addItem", "debounce"]
    (tmp_path / "bad.jsonl").write_text('{"repo": "x", "original_string": "y"}\n')
    with pytest.raises(ValueError, match=r"bad\.jsonl:1: missing"):
        list(read(tmp_path / "bad.jsonl"))


def test_cat_transforms_trace_back_to_their_pair() -> None:
    from codeprep.pairs.cat import INSTRUCTION_FIELDS, pair_id, transforms

    get_user, _, debounce = extract(SOURCE, "javascript", "demo", "src/a.js", PairParams())
    rows = list(transforms(get_user))
    assert [r["task_type"] for r in rows] == ["comment_to_code", "code_to_comment", "code_explanation"]
    assert all(list(r) == list(INSTRUCTION_FIELDS) and r["parent_id"] == pair_id(get_user) for r in rows)
    assert (
        rows[0]["output"] == get_user["func_code_string"]
        and get_user["func_documentation_string"] in rows[0]["instruction"]
    )
    assert rows[1]["input"] == get_user["func_code_string"] and rows[1]["output"].startswith("/**")
    assert rows[1]["output"].endswith("*/")
    assert len({r["id"] for r in rows}) == 3
    # a short documentation gets no explanation task
    assert [r["task_type"] for r in transforms(debounce)] == ["comment_to_code", "code_to_comment"]


def test_the_stage_adds_codesearchnet_train_records_and_holds_out_its_evaluation_split(
    tmp_path: Path,
) -> None:
    from conftest import signals_record

    from codeprep.pairs.params import PairParams
    from codeprep.pairs.stage import run_pairs
    from codeprep.shards import SIGNALS_SCHEMA, ShardWriter
    from codeprep.tokenize.params import TokenizeParams

    with ShardWriter(tmp_path / "docs", SIGNALS_SCHEMA) as writer:
        for i in range(4):
            writer.write(signals_record(f"src/a{i}.js", "javascript", SOURCE, repo=f"pkg-{i}"))
    code = "function debounceCall(fn, wait) {\n  let timer;\n  return (...args) => {\n    clearTimeout(timer);\n  };\n}"
    doc = "Debounce a function call until no call happened for the given wait in milliseconds."

    def release(partition: str, language: str = "javascript") -> str:
        return json.dumps(
            {
                "repo": "org/lib",
                "path": f"src/{partition}.js",
                "func_name": "debounceCall",
                "original_string": code,
                "language": language,
                "code": code,
                "code_tokens": ["function", "debounceCall", "(", "fn", ",", "wait", ")", "timer", "call"],
                "docstring": doc,
                "docstring_tokens": doc.split(),
                "sha": "abc",
                "url": f"https://example.com/org/lib/blob/abc/src/{partition}.js#L1-L6",
                "partition": partition,
            }
        )

    csn = tmp_path / "data" / "codesearchnet"
    csn.mkdir(parents=True)
    with gzip.open(csn / "javascript_train_0.jsonl.gz", "wt") as f:
        f.write(release("train") + "\n" + release("train", "python") + "\n")
    with gzip.open(csn / "javascript_test_0.jsonl.gz", "wt") as f:
        f.write(release("test") + "\n")
    params = PairParams.from_params({"codesearchnet": ["data/codesearchnet"]})
    metrics = run_pairs(
        params,
        TokenizeParams(val_fraction=0.25),
        tmp_path / "docs",
        tmp_path / "out",
        tmp_path / "m.json",
        tmp_path,
    )
    assert metrics["pairs"]["codesearchnet_javascript"] == 2 and metrics["codesearchnet_held_out"] == 1
    assert metrics["rejected"]["off_language"] == 1
    rows = [json.loads(line) for line in (tmp_path / "out" / "instructions.jsonl").read_text().splitlines()]
    from_csn = [r for r in rows if r["source"] == "codesearchnet"]
    assert [r["task_type"] for r in from_csn] == ["comment_to_code", "code_to_comment"]  # train only
    assert from_csn[1]["output"] == "/**\n * " + doc + "\n */"  # JSDoc written from the docstring
    assert metrics["code_validity"] == 1.0
