"""Quality signals, filter rules (every threshold, the deciding rule), the per-shard executor's
determinism across worker counts, and the filter stage's conservation and metrics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from conftest import FILTER_METRIC_KEYS, doc_record, signals_record

from codeprep.execute.local import map_shards
from codeprep.execute.params import ExecuteParams
from codeprep.filters.params import FilterParams
from codeprep.filters.rules import decide, evaluate, rules_for
from codeprep.filters.stage import run_filter
from codeprep.params import load_params
from codeprep.shards import (
    DOC_SCHEMA,
    SIGNALS_SCHEMA,
    RemovedLog,
    ShardFile,
    ShardWriter,
    iter_records,
)
from codeprep.signals.quality import html_visible_text, quality_signals

PARAMS = load_params(Path(__file__).parents[2] / "params.yaml")


def test_quality_signals_on_code() -> None:
    text = "// add two numbers\nfunction add(a, b) {\n  return a + b;\n}\n"
    s = quality_signals(text, "javascript", comment_bytes=len("// add two numbers"))
    assert s["lines"] == 5 and s["max_line_length"] == len("function add(a, b) {")
    assert s["mean_line_length"] == pytest.approx(len(text) / 5)
    assert 0.5 < s["alnum_fraction"] < 0.8 and s["alpha_fraction"] == s["alnum_fraction"]  # no digits
    assert s["comment_fraction"] == pytest.approx(18 / len(text))
    assert s["blob_fraction"] == 0 and s["html_visible_chars"] is None


def test_blob_and_numeric_fractions() -> None:
    blob = "const font = 'data:font/woff2;base64," + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo" * 20 + "';\n"
    assert quality_signals(blob, "javascript", 0)["blob_fraction"] > 0.9
    numbers = "[" + ",".join(str(i * 37 % 1000) for i in range(500)) + "]"
    assert quality_signals(numbers, "json", 0)["numeric_fraction"] > 0.7


def test_unicode_and_ascii_paths_agree() -> None:
    ascii_text = "abc 123\tdef\n"
    uni = "äbc 123\tdéf\n"
    a, u = quality_signals(ascii_text, "css", 0), quality_signals(uni, "css", 0)
    for key in ("alnum_fraction", "alpha_fraction", "numeric_fraction"):
        assert a[key] == pytest.approx(u[key])


def test_html_visible_text_ignores_scripts_and_styles() -> None:
    html = "<html><head><style>p{color:red}</style><script>var secret=1</script></head><body><p>Hello <b>you</b></p></body></html>"
    assert html_visible_text(html) == "Hello you"
    s = quality_signals(html, "html", 0)
    assert s["html_visible_chars"] == 9 and s["html_visible_fraction"] == pytest.approx(9 / len(html))
    assert html_visible_text('<?xml version="1.0" encoding="ISO-8859-1"?><html><body>x</body></html>') == "x"


GOOD_JS = "export function add(a, b) {\n  // sum\n  return a + b;\n}\n\nexport const two = add(1, 1);\n"


def test_each_rule_decides_with_its_threshold() -> None:
    rules = rules_for(FilterParams.from_params(PARAMS["filter"]), "javascript")
    assert decide(evaluate(signals_record("a.js", "javascript", GOOD_JS), rules)) is None
    cases = {
        "too_short": signals_record("b.js", "javascript", "let a;\n"),
        "too_long": signals_record("c.js", "javascript", "let a = 1;\n" * 6000),
        "syntax_error": signals_record("d.js", "javascript", GOOD_JS + "function (\n"),
        "generated": signals_record("e.js", "javascript", GOOD_JS, is_generated=True),
        "minified": signals_record("f.js", "javascript", GOOD_JS, is_minified=True),
        "lang_mismatch": signals_record("g.js", "javascript", GOOD_JS, lang_mismatch=True),
        "max_line_length": signals_record(
            "h.js",
            "javascript",
            "const s = '"
            + "x" * 1200
            + "';\n"
            + GOOD_JS
            + "".join(f"export const v{i} = add({i}, 1);\n" for i in range(60)),
        ),
        "low_alnum": signals_record("i.js", "javascript", "/* " + "-=+*" * 40 + " */\nlet a = 1;\n"),
        # the budget stopped the check (signals.max_seconds_per_doc): no verdict, dropped for that
        "over_budget": signals_record("j.js", "javascript", GOOD_JS)
        | {"syntax_ok": False, "syntax_error": "timeout", "syntax_line": None, "syntax_col": None},
    }
    for expected, record in cases.items():
        failed = decide(evaluate(record, rules))
        assert failed is not None and failed.rule == expected, (expected, failed)
    detail = decide(evaluate(cases["too_long"], rules)).describe()
    assert "filter.javascript.max_chars" in detail and "50000" in detail


def test_per_language_overrides_and_syntax_switch() -> None:
    params = json.loads(json.dumps(PARAMS))
    params["filter"]["require_valid_syntax"]["javascript"] = False
    broken = signals_record("d.js", "javascript", GOOD_JS + "function (\n")
    assert (
        decide(evaluate(broken, rules_for(FilterParams.from_params(params["filter"]), "javascript"))) is None
    )
    icon = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="'
        + "M12 2l3 7h7" * 40
        + '"/></svg>'
    )
    svg = signals_record("i.svg", "svg", icon, is_minified=True)
    assert (
        decide(evaluate(svg, rules_for(FilterParams.from_params(PARAMS["filter"]), "svg"))) is None
    )  # icons are one-liners by nature


def _copy_task(in_path: Path, out: ShardFile, removed: RemovedLog) -> dict[str, Any]:
    import pyarrow.parquet as pq

    kept = 0
    for record in pq.read_table(in_path).to_pylist():
        if record["path"].endswith("3.js"):
            removed.drop(record["id"], "test_drop", "ends with 3", record["repo"], record["path"])
        else:
            out.write(record)
            kept += 1
    return {"kept": kept}


def _doc(i: int) -> dict[str, Any]:
    return doc_record(f"f{i}.js", f"export const v{i} = {i};\n")


def test_map_shards_is_byte_identical_for_any_worker_count(tmp_path: Path) -> None:
    with ShardWriter(tmp_path / "in", DOC_SCHEMA, max_bytes=300) as writer:
        for i in range(40):
            writer.write(_doc(i))
    outputs = {}
    for workers in (1, 2):
        base = tmp_path / f"w{workers}"
        results = map_shards(
            _copy_task,
            tmp_path / "in",
            base / "docs",
            base / "removed",
            DOC_SCHEMA,
            "t",
            ExecuteParams(workers=workers),
        )
        assert [r.index for r in results] == list(range(len(results))) and len(results) > 3
        assert (
            sum(r.stats["kept"] for r in results) + sum(r.removed.get("test_drop", 0) for r in results) == 40
        )
        outputs[workers] = {p.relative_to(base): p.read_bytes() for p in sorted(base.rglob("*.parquet"))}
    assert outputs[1] == outputs[2]
    assert not (tmp_path / "w2" / "docs.tmp").exists()


def test_filter_stage_conserves_and_reports(tmp_path: Path) -> None:
    records = [
        signals_record("ok.js", "javascript", GOOD_JS),
        signals_record("bad.js", "javascript", GOOD_JS + "function (\n"),
        signals_record("gen.js", "javascript", GOOD_JS, is_generated=True),
        signals_record("ok.css", "css", "a {\n  color: red;\n}\n\n.b > .c {\n  margin: 0 auto;\n}\n"),
        signals_record("README.md", "markdown", "# Title\n\n" + "Some prose about the package. " * 10),
    ]
    with ShardWriter(tmp_path / "signals", SIGNALS_SCHEMA) as writer:
        for record in records:
            writer.write(record)
    (tmp_path / "langid.json").write_text(json.dumps({"accuracy": 0.81, "compatible_accuracy": 0.97}))
    metrics = run_filter(
        FilterParams.from_params(PARAMS["filter"]),
        tmp_path / "signals",
        tmp_path / "out",
        tmp_path / "langid.json",
        tmp_path / "m.json",
        ExecuteParams(),
    )
    assert set(metrics) == FILTER_METRIC_KEYS
    assert (metrics["docs_in"], metrics["docs_out"]) == (5, 3)
    assert metrics["removed"] == {"generated": 1, "syntax_error": 1}
    assert metrics["syntax_validity"] == 1.0 and metrics["language_accuracy"] == 0.97
    assert metrics["data_quality"] == 1.0  # provenance and syntax rules are not quality rules
    assert metrics["by_lang"]["javascript"]["syntax_validity_in"] == pytest.approx(2 / 3)
    removed = {r["path"]: r for r in iter_records(tmp_path / "out" / "removed")}
    assert removed["bad.js"]["reason"] == "syntax_error" and "(acorn)" in removed["bad.js"]["detail"]
    assert {r["path"] for r in iter_records(tmp_path / "out" / "docs")} == {"ok.js", "ok.css", "README.md"}
    assert pa.types.is_boolean(SIGNALS_SCHEMA.field("syntax_ok").type)


def test_the_rule_table_names_real_params_keys_and_signal_columns() -> None:
    """Each rule's key is a filter threshold (or require_valid_syntax) and its signal a column of the
    signals schema: a rule cannot read a signal that is never written or a key no one can set."""
    import dataclasses

    from codeprep.filters.params import Thresholds
    from codeprep.filters.rules import ORDER, PROVENANCE, QUALITY, RULES
    from codeprep.shards import SIGNALS_SCHEMA

    keys = {field.name for field in dataclasses.fields(Thresholds)} | {"require_valid_syntax"}
    assert {rule.key for rule in RULES} == keys  # every threshold is read by a rule, and no more
    assert {rule.signal for rule in RULES} <= set(SIGNALS_SCHEMA.names)
    assert ORDER[: len(PROVENANCE)] == PROVENANCE and ORDER[-len(QUALITY) :] == QUALITY
