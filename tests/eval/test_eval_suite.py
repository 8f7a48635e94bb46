"""The evaluation suite: built from its own packages with fixed settings (what it keeps, samples and
hashes), its completion items, and the decontam rules that keep training data away from it."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import eval_package, signals_record, write_tree

from codeprep.eval.completion import completion_items
from codeprep.eval.overlap import EvalOverlap
from codeprep.eval.settings import SETTINGS
from codeprep.eval.suite import build_suite, excerpt, load_suite
from codeprep.metrics import read_metrics


@pytest.fixture
def suite_dir(tmp_path: Path) -> Path:
    for i, name in enumerate(["@evals/alpha", "beta"]):
        write_tree(tmp_path / "eval" / f"{name.replace('/', '+')}@2.0.0", eval_package(name, 20 + i))
    build_suite(tmp_path / "eval", tmp_path / "suite", tmp_path / "eval_suite.json")
    return tmp_path / "suite"


def test_suite_keeps_hand_written_text_of_every_group(suite_dir: Path, tmp_path: Path) -> None:
    metrics = read_metrics(tmp_path / "eval_suite.json")
    assert metrics["packages"] == 2
    # per package: package.json is JSON (not evaluated); the bundle, the .d.ts and the licence go
    assert metrics["excluded"] == {
        "declaration_file": 2,
        "licence_text": 2,
        "minified": 2,
        "not_evaluated_language": 2,
    }
    assert set(metrics["sample"]) == {"js_ts", "xml_html", "md_mdx", "css"}
    docs = pq.read_table(suite_dir / "docs.parquet").to_pylist()
    assert {d["repo"] for d in docs} == {"@evals/alpha", "beta"}
    assert not any(d["path"].endswith((".d.ts", ".min.js")) or "LICENSE" in d["path"] for d in docs)
    digest, rows, items = load_suite(suite_dir)
    assert digest == metrics["hash"] and digest.startswith("sha256:")
    assert {r["group"] for r in rows} == set(metrics["sample"])
    # the sample alternates packages within a language: both packages' JS is in it
    assert {r["repo"] for r in rows if r["lang"] == "javascript"} == {"@evals/alpha", "beta"}
    assert [i["name"] for i in items] == ["cartTotal20", "cartTotal21"]


def test_suite_hash_is_stable_and_moves_with_the_text(suite_dir: Path, tmp_path: Path) -> None:
    first = read_metrics(tmp_path / "eval_suite.json")["hash"]
    build_suite(tmp_path / "eval", tmp_path / "again", tmp_path / "again.json")
    assert json.loads((tmp_path / "again.json").read_text())["hash"] == first
    for name in ("docs.parquet", "sample.parquet", "completion.jsonl", "suite.json"):
        assert (tmp_path / "again" / name).read_bytes() == (suite_dir / name).read_bytes()
    css = tmp_path / "eval" / "beta@2.0.0" / "styles" / "main.css"
    css.write_text(css.read_text() + "\n.extra { color: red; }\n")
    build_suite(tmp_path / "eval", tmp_path / "changed", tmp_path / "changed.json")
    assert json.loads((tmp_path / "changed.json").read_text())["hash"] != first


def test_suite_refuses_missing_packages_or_a_missing_group(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="make data"):
        build_suite(tmp_path / "empty", tmp_path / "out", tmp_path / "m.json")
    files = {k: v for k, v in eval_package("solo", 1).items() if not k.endswith((".css", ".scss"))}
    write_tree(tmp_path / "nocss" / "solo@2.0.0", files)
    with pytest.raises(ValueError, match="css"):
        build_suite(tmp_path / "nocss", tmp_path / "out", tmp_path / "m.json")
    assert not (tmp_path / "out" / "suite.json").exists()


def test_excerpts_are_whole_lines_from_a_position_fixed_by_the_id() -> None:
    text = "".join(f"line {i:03d} é\n" for i in range(200))  # 13 bytes a line
    assert excerpt(text, 10_000, "a") == text
    picks = {excerpt(text, 130, key) for key in ("a", "b", "c", "d")}
    assert len(picks) > 1  # not always the head
    for pick in picks:
        assert pick in text and pick.startswith("line ") and pick.endswith("\n")
        assert len(pick.encode()) <= 130 and pick.count("\n") == 10
    assert excerpt(text, 130, "a") == excerpt(text, 130, "a")
    one_line = "x" * 50 + "é" * 20
    assert excerpt(one_line, 10, "k").strip("xé") == "" and len(excerpt("é" * 10, 5, "k").encode()) <= 5


def test_completion_items_are_bodies_of_documented_functions() -> None:
    source = (
        "/**\n * Returns the largest value of a list of finite numbers.\n */\n"
        "export function largest(values) {\n  let best = -Infinity;\n  for (const v of values) {\n"
        "    if (v > best) best = v;\n  }\n  return best;\n}\n\n"
        "/** A short doc: too short to be a prompt of its own here. */\n"
        "export const square = (x) => x * x;  // no block body\n\n"
        "class Cart {\n  /**\n   * Adds an item to the cart and returns the new number of items.\n   */\n"
        "  add(item) {\n    this.items.push(item);\n    this.changed = true;\n"
        "    this.emit('change', this.items.length);\n    return this.items.length;\n  }\n}\n"
    )
    items = list(completion_items(source, "javascript", "pkg", "src/a.js", SETTINGS))
    assert [i["name"] for i in items] == ["largest", "add"]
    largest = items[0]
    assert largest["prompt"].startswith("/**") and largest["prompt"].endswith("largest(values) {")
    assert largest["target"].endswith("return best;\n}") and (largest["prompt"] + largest["target"]) in source


# ----------------------------------------------------------------------------------- decontamination


def test_overlap_rules(suite_dir: Path) -> None:
    suite = EvalOverlap.build(suite_dir, jaccard=0.6, containment=0.8)
    docs = pq.read_table(suite_dir / "docs.parquet").to_pylist()
    lib = next(d for d in docs if d["path"] == "src/lib.js" and d["repo"] == "beta")
    assert suite.match("beta", "anything")[0] == "eval_package"
    reason, detail = suite.match("other", lib["content"])
    assert reason == "eval_near_duplicate" and "Jaccard 1.000" in detail and "beta/src/lib.js" in detail
    reindented = "\n".join("    " + line.strip() for line in lib["content"].splitlines())
    assert suite.match("other", reindented)[0] == "eval_near_duplicate"  # layout does not hide a copy
    bundle = "\n".join(f"var filler{i} = require('./part{i}')(exports, {i});" for i in range(300))
    bundle += "\n" + lib["content"]
    reason, detail = suite.match("other", bundle)
    assert reason == "eval_near_duplicate" and detail.startswith("contains 1.000")
    assert suite.match("other", "export const unrelated = 1;\nconsole.log(unrelated);\n") is None
    assert suite.overlaps("other", lib["content"]) and not suite.overlaps("other", bundle)


def test_decontam_drops_eval_overlap_with_reasons(suite_dir: Path, tmp_path: Path) -> None:
    from codeprep.decontam.params import DecontamParams
    from codeprep.decontam.stage import run_decontam
    from codeprep.execute.params import ExecuteParams
    from codeprep.shards import SIGNALS_SCHEMA, ShardWriter

    lib = next(d for d in pq.read_table(suite_dir / "docs.parquet").to_pylist() if d["path"] == "src/lib.js")
    records = [
        signals_record("index.js", "javascript", "export const keep = 1;\n// a training file of its own\n"),
        signals_record("vendor/lib.js", "javascript", lib["content"]),
        signals_record("README.md", "markdown", "# beta\n\nThe eval package, another version.\n")
        | {"repo": "beta"},
    ]
    with ShardWriter(tmp_path / "docs", SIGNALS_SCHEMA, 1 << 20) as writer:
        for record in records:
            writer.write(record)
    execute = ExecuteParams(workers=1)
    m = run_decontam(
        DecontamParams(),
        tmp_path / "docs",
        tmp_path / "out",
        tmp_path / "m.json",
        execute,
        suite_dir=suite_dir,
    )
    assert m["docs_out"] == 1 and m["removed"] == {"eval_near_duplicate": 1, "eval_package": 1}
    assert m["eval_suite"]["overlap_left"] == 0 and m["eval_suite"]["hash"].startswith("sha256:")
    removed = pq.read_table(tmp_path / "out" / "removed").to_pylist()
    assert {(r["path"], r["reason"]) for r in removed} == {
        ("vendor/lib.js", "eval_near_duplicate"),
        ("README.md", "eval_package"),
    }
    off = run_decontam(
        DecontamParams(eval_suite=False),
        tmp_path / "docs",
        tmp_path / "off",
        tmp_path / "off.json",
        execute,
        suite_dir=suite_dir,
    )
    # switched off, nothing goes, and the overlap the gate watches is counted
    assert (
        off["docs_out"] == 3 and off["eval_suite"]["overlap_left"] == 2 and not off["eval_suite"]["enabled"]
    )


def test_decontam_params_are_checked() -> None:
    from codeprep.decontam.params import DecontamParams

    with pytest.raises(ValueError, match="eval_jacard"):
        DecontamParams.from_params({"eval_jacard": 0.5})
    with pytest.raises(ValueError, match="eval_containment"):
        DecontamParams.from_params({"eval_containment": 0})
    assert DecontamParams.from_params({"benchmarks": []}).eval_suite


def test_the_pinned_eval_manifest_is_apart_from_the_training_manifest() -> None:
    from codeprep.sources.fetch_npm import load_manifest

    root = Path(__file__).resolve().parents[2] / "manifest"
    evaluation = load_manifest(root / "npm-eval.json")
    training = {p.name for p in load_manifest(root / "npm-default.json")}
    assert evaluation and not {p.name for p in evaluation} & training
    allowed = {"MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "ISC", "0BSD", "Unlicense", "CC0-1.0"}
    assert {p.license for p in evaluation} <= allowed
    covered = {
        lang for p in json.loads((root / "npm-eval.json").read_text())["packages"] for lang in p["covers"]
    }
    assert covered >= {
        "javascript",
        "typescript",
        "jsx",
        "tsx",
        "xml",
        "svg",
        "html",
        "markdown",
        "mdx",
        "css",
        "scss",
    }
