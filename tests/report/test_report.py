"""The report stage: a Hugging Face data card whose metadata parses (with huggingface_hub as the
oracle), whose sections carry the metrics' figures, which never quotes a timing, which is byte-identical
on a rerun and says "not available" for a stage that has not run; and an HTML page with one working
Vega-Lite chart per plot definition of dvc.yaml, built by DVC's own renderer matching."""

from __future__ import annotations

import csv
import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import html5lib
import pytest
import yaml
from click.testing import CliRunner
from huggingface_hub import DatasetCard

from codeprep.report.card import split_card
from codeprep.report.front_matter import size_category
from codeprep.report.inputs import ManifestRow
from codeprep.report.licences import hub_id, hub_licences, spdx_ids, used_ids
from codeprep.report.stage import run_report

STAGE = Path(__file__).resolve().parents[2] / "stages" / "report.py"
#: Timings planted in the fixtures: none of them may reach the card or the page.
TIMINGS = {"tokens_per_s": 987654.3, "prompt_tokens_per_s": 876543.2, "torch_tokens_per_s": 765432.1}
SPEEDUP = 43.21

PARAMS: dict[str, Any] = {
    "ingest": {
        "inputs": [{"path": "data/npm", "format": "npm"}],
        "max_bytes": 1048576,
        "max_archive_bytes": 1 << 30,
    },
    "langid": {"min_prob": 0.9},
    "filter": {
        "require_valid_syntax": {"javascript": True, "css": True, "markdown": False},
        "default": {
            "drop_generated": True,
            "drop_minified": True,
            "drop_lang_mismatch": True,
            "min_chars": 50,
            "max_chars": 100000,
            "max_line_length": 1000,
            "min_alnum_fraction": 0.25,
        },
        "javascript": {"max_chars": 50000},
        "markdown": {"min_chars": 100, "drop_minified": False},
    },
    "licence": {"allow": ["MIT", "Apache-2.0", "0BSD"]},
    "clean": {"rules": {"line_endings": True, "todo_comments": False}},
    "dedup": {"threshold": 0.8, "verify": "exact"},
    "decontam": {"ngram": 13},
    "synth": {"family_mix": {"js_enhancement": 0.5, "mdx_creation": 0.5}},
    "mix": {"max_epochs": 4},
}
METRICS: dict[str, Any] = {
    "ingest": {
        "by_lang": {
            "javascript": {"bytes": 4_000_000, "docs": 4100},
            "markdown": {"bytes": 900_000, "docs": 1300},
            "css": {"bytes": 700_000, "docs": 650},
        },
        "bytes_out": 5_600_000,
        "docs_in": 6100,
        "docs_out": 6050,
        "removed": {"binary": 41, "too_large": 9},
    },
    "langid": {
        "accuracy": 0.8123,
        "compatible_accuracy": 0.9612,
        "family_accuracy": 0.9701,
        "per_lang": {
            "javascript": {"precision": 0.9, "recall": 0.95, "support": 10},
            "markdown": {"precision": 0.9, "recall": 0.2345, "support": 10},
            "css": {"precision": 0.9, "recall": 0.9, "support": 10},
        },
        "test_docs": 300,
        "test_repos": 3,
        "train_docs": 1200,
        "train_repos": 12,
    },
    "signals": {"docs": 6050, "js_backend": "tree-sitter", "lang_mismatch": 17, "syntax_validity": 0.9931},
    "filter": {
        "by_lang": {
            "javascript": {
                "data_quality": 0.95,
                "docs_in": 4080,
                "docs_out": 3900,
                "syntax_validity_in": 0.99,
            },
            "markdown": {"data_quality": 0.9, "docs_in": 1320, "docs_out": 1250, "syntax_validity_in": None},
            "css": {"data_quality": 0.4, "docs_in": 650, "docs_out": 250, "syntax_validity_in": 1.0},
        },
        "data_quality": 0.8771,
        "docs_in": 6050,
        "docs_out": 5400,
        "language_accuracy": 0.9612,
        "removed": {"generated": 412, "too_long": 237, "syntax_error": 1},
        "syntax_validity": 1.0,
    },
    "clean": {
        "broken_by_cleaning": 0,
        "broken_by_redaction": 0,
        "changes": {"line_endings": 33},
        "docs_in": 5400,
        "docs_out": 5390,
        "docs_redacted": 4,
        "docs_touched": 31,
        "redactions": {"EMAIL": 7},
        "removed": {"licence": 10},
        "reverted_to_original": 0,
    },
    "minhash": {"docs": 5390, "ngram": 5, "no_shingles": 0, "num_perm": 128, "seed": 1, "shingles": 990_001},
    "dedup": {
        "clusters": 321,
        "docs_in": 5390,
        "docs_out": 4000,
        "duplication_rate": 0.0123,
        "duplication_rate_in": 0.4567,
        "largest_cluster": 17,
        "removed": {"exact_duplicate": 1111, "near_duplicate": 279},
    },
    "decontam": {
        "by_benchmark": {"humaneval": {"items": 292, "items_too_short": 36, "removed": 2}},
        "docs_in": 4000,
        "docs_out": 3998,
        "ngram": 13,
        "removed": {"contaminated": 2},
    },
    "pairs": {
        "candidates": 180,
        "code_validity": 1.0,
        "docs_scanned": 700,
        "instructions": {"code_to_comment": 120, "comment_to_code": 120},
        "pairs": {"javascript": 120},
        "rejected": {"low_relevance": 60},
        "splits": {"train": 100, "valid": 20},
    },
    "synth": {
        "mutants": {"attempted": 10, "validity": 1.0, "written": 9},
        "teacher": {"teacher": "none", "self_instruct": {"accepted": 0}},
        "templates": {
            "by_family": {"js_enhancement": 60, "mdx_creation": 40},
            "diversity": {"distinct_2_instruction": 0.0555, "distinct_4_output": 0.4444},
            "family_share": {"js_enhancement": 0.6, "mdx_creation": 0.4},
            "records": 100,
            "skipped": {"no_site": 3},
        },
    },
    "instruct": {
        "by_source": {"corpus": {"in": 240, "out": 230}, "synth_template": {"in": 100, "out": 100}},
        "code_blocks_checked": 400,
        "code_validity": 0.9975,
        "mean_clarity": 0.97,
        "mean_completeness": 1.0,
        "records_in": 340,
        "records_out": 330,
        "removed": {"duplicate": 10},
        "task_type": {"code_to_comment": 120, "js_enhancement": 60},
    },
    "tokenize": {
        "bytes_per_token": {"javascript": 3.5, "markdown": 3.1, "css": 2.5, "instruct": 3.6},
        "splits": {"train": {"docs": 4000, "tokens": 2_000_000}, "val": {"docs": 328, "tokens": 150_000}},
        "tokens": {"javascript": 1_500_000, "markdown": 300_000, "css": 100_000, "instruct": 250_000},
        "tokens_per_s": TIMINGS["tokens_per_s"],
        "val_repos": ["pkg-a"],
        "vocab_size": 4096,
    },
    "mix": {
        "achieved": {"js_ts": 0.5912, "md_mdx": 0.2088, "css": 0.1, "instruct": 0.1},
        "available": {"js_ts": 1_400_000, "md_mdx": 280_000, "css": 90_000, "instruct": 230_000},
        "binding": "md_mdx",
        "epochs": {"js_ts": 0.8, "md_mdx": 3.25, "css": 1.5, "instruct": 0.9},
        "max_abs_error": 0.0012,
        "target": {"js_ts": 0.59, "md_mdx": 0.21, "css": 0.1, "instruct": 0.1},
        "tokens": 1_700_000,
        "unreachable": ["xml_html"],
    },
    "train": {
        "final_loss": {"mean": 5.4321, "std": 0.0123, "per_seed": {"0": 5.42, "1": 5.4321, "2": 5.4442}},
        "params": 5_049_856,
        "seeds": [0, 1, 2],
        "steps": 195,
        "tokens": 399_360,
    },
    "bench": {
        "gen_syntax_validity": {
            "css": {"mean": 1.0, "std": 0.0, "per_seed": {"0": 1.0}},
            "javascript": {"mean": 0.0, "std": 0.0, "per_seed": {"0": 0.0}},
        },
        "model_bytes": {"f32": 28_854_656, "q4_k_m": 4_945_440},
        "params": 5_049_856,
        "prompt_tokens_per_s": TIMINGS["prompt_tokens_per_s"],
        "speedup_vs_torch": SPEEDUP,
        "tokens_per_s": TIMINGS["tokens_per_s"],
        "torch_tokens_per_s": TIMINGS["torch_tokens_per_s"],
    },
    "eval": {
        "suite_hash": "sha256:" + "ab" * 32,
        "seeds": [0, 1, 2],
        "ctx": 256,
        "bpb": {
            "torch": {
                "css": {"mean": 3.4712, "std": 0.0213, "per_seed": {}},
                "all": {"mean": 3.3001, "std": 0.0101, "per_seed": {}},
            },
            "q4_k_m": {
                "css": {"mean": 3.4799, "std": 0.0201, "per_seed": {}},
                "all": {"mean": 3.3101, "std": 0.0111, "per_seed": {}},
            },
        },
        "completion_bpb": {
            "torch": {"mean": 3.1, "std": 0.05, "per_seed": {}},
            "q4_k_m": {"mean": 3.11, "std": 0.05, "per_seed": {}},
        },
    },
}
MANIFEST = [
    ("npm", "left-pad", "1.3.0", "MIT", True, 300, 300),
    ("npm", "tiny", "0.1.0", "0BSD", True, 40, 40),
    ("npm", "dual", "2.0.0", "Apache-2.0 OR GPL-3.0", True, 60, 60),
    ("npm", "copyleft", "1.0.0", "GPL-3.0", False, 10, 0),
]
DVC_YAML: dict[str, Any] = {
    "stages": {
        "ingest": {
            "cmd": "python stages/ingest.py",
            "plots": [
                {"plots/by_lang.csv": {"cache": False, "template": "bar_horizontal", "x": "mb", "y": "lang"}}
            ],
        },
        "langid": {
            "cmd": "python stages/langid.py",
            "plots": [
                {
                    "plots/confusion.csv": {
                        "cache": False,
                        "template": "confusion",
                        "x": "predicted",
                        "y": "actual",
                    }
                }
            ],
        },
        "train": {"cmd": "python stages/train.py", "plots": [{"plots/loss.tsv": {"x": "step", "y": "loss"}}]},
    },
    "plots": [
        {
            "plots/mix.csv": {
                "x": "group",
                "y": ["target", "achieved"],
                "template": "bar_horizontal",
                "title": "mix",
            }
        },
        {"loss_vs_step": {"x": "step", "y": {"plots/loss.tsv": "loss"}, "title": "loss again"}},
    ],
}
PLOT_FILES = {
    "by_lang.csv": "lang,docs,mb\njavascript,4100,4.0\nmarkdown,1300,0.9\n",
    "confusion.csv": "actual,predicted\njavascript,javascript\nmarkdown,javascript\n",
    "loss.tsv": "step\tloss\n0\t9.04\n1\t8.91\n2\t8.77\n",
    "mix.csv": "group,target,achieved\njs_ts,0.59,0.5912\nmd_mdx,0.21,0.2088\n",
}


def write_inputs(root: Path, plots_dir: Path | None = None) -> dict[str, Path]:
    """params.yaml, metrics/, plots/ and dvc.yaml as a repository root holds them."""
    (root / "metrics").mkdir(parents=True)
    (root / "params.yaml").write_text(yaml.safe_dump(PARAMS), encoding="utf-8")
    for name, data in METRICS.items():
        (root / "metrics" / f"{name}.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    with open(root / "metrics" / "licence_manifest.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["source", "repo", "version", "license", "allowed", "files_in", "files_out"])
        writer.writerows(MANIFEST)
    plots = plots_dir or root / "plots"
    plots.mkdir(parents=True)
    for name, text in PLOT_FILES.items():
        (plots / name).write_text(text, encoding="utf-8")
    (root / "dvc.yaml").write_text(yaml.safe_dump(DVC_YAML, sort_keys=False), encoding="utf-8")
    return {
        "params": root / "params.yaml",
        "metrics": root / "metrics",
        "plots": plots,
        "dvc": root / "dvc.yaml",
    }


def report(root: Path, out: Path) -> tuple[str, str]:
    """Run the stage on the inputs under ``root``; the card's and the page's text."""
    run_report(root / "params.yaml", root / "metrics", root / "plots", root / "dvc.yaml", out)
    return (out / "DATA_CARD.md").read_text(encoding="utf-8"), (out / "index.html").read_text(
        encoding="utf-8"
    )


def section(card: str, heading: str) -> str:
    """The text of one section: from its heading to the next heading of the same or a higher level."""
    level = heading.split(" ", 1)[0]
    start = card.index(heading + "\n")
    rest = card[start + len(heading) :]
    ends = [m.start() for m in re.finditer(rf"^#{{1,{len(level)}}} ", rest, flags=re.M)]
    return rest[: ends[0]] if ends else rest


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    root = tmp_path_factory.mktemp("repo")
    write_inputs(root)
    return report(root, root / "out" / "report")


def test_front_matter_is_hub_metadata(built: tuple[str, str]) -> None:
    card, _ = built
    meta = yaml.safe_load(card.split("---\n")[1])
    assert list(meta) == [
        "pretty_name",
        "license",
        "language",
        "tags",
        "size_categories",
        "task_categories",
        "source_datasets",
    ]
    # MIT and Apache-2.0 (the allowed side of Apache-2.0 OR GPL-3.0); 0BSD has no Hub id; GPL-3.0 was
    # refused by the clean stage and its OR-alternative is not what the data is used under.
    assert meta["license"] == ["apache-2.0", "mit", "other"]
    assert meta["language"] == ["en"]
    assert meta["tags"] == ["code", "javascript", "markdown", "css"]
    assert meta["size_categories"] == ["1K<n<10K"]  # 4,000 + 328 examples
    assert meta["task_categories"] == ["text-generation"]
    assert meta["source_datasets"] == ["original"]
    hub = DatasetCard(card)  # the Hub's own parser reads the same fields
    assert hub.data.license == meta["license"] and hub.data.size_categories == ["1K<n<10K"]
    assert "0BSD" in section(card, "## Source Data and licences")


def test_processing_names_reasons_rules_and_counts(built: tuple[str, str]) -> None:
    card, _ = built
    processing = section(card, "## Processing")
    assert "| `filter` | 6,050 | 5,400 | 650 |" in processing  # the funnel
    filtering = section(card, "### filter")
    assert re.search(
        r"^\| `generated` \| 412 \| `drop_generated`: on for every language \|$", filtering, re.M
    )
    too_long = re.search(r"^\| `too_long` \| 237 \| (.*) \|$", filtering, re.M)
    assert too_long and too_long.group(1) == "`max_chars`: 50,000 (javascript); 100,000 (markdown, css)"
    assert "| `syntax_error` | 1 | `require_valid_syntax`: on for every language but markdown |" in filtering
    assert "`min_chars`: 50 (javascript, css); 100 (markdown)" in filtering  # a rule that removed nothing
    ingest = section(card, "### ingest")
    assert "| `binary` | 41 |" in ingest and "`ingest.max_bytes` (1,048,576 bytes)" in ingest
    dedup = section(card, "### dedup")
    assert "| `exact_duplicate` | 1,111 |" in dedup and "| `near_duplicate` | 279 |" in dedup
    assert "Jaccard ≥ 0.80 (`dedup.threshold`)" in dedup and "0.457 before, 0.012 after" in dedup
    assert "| `humaneval` | 292 | 36 | 2 |" in section(card, "### decontam")
    assert "| `licence` | 10 |" in section(card, "### clean (licences, cleaning, secrets)")
    assert "| `low_relevance` | 60 |" in section(card, "### pairs")
    assert "| `duplicate` | 10 |" in section(card, "### instruct")


def test_mix_tokens_and_quality_figures(built: tuple[str, str]) -> None:
    card, _ = built
    mix = section(card, "## Language mix")
    assert "| `js_ts` | javascript, jsx, typescript, tsx | 0.5900 | 0.5912 | 1,400,000 | 0.80 |" in mix
    assert "| `md_mdx` | markdown, mdx | 0.2100 | 0.2088 | 280,000 | 3.25 |" in mix
    assert "(`binding`): `md_mdx`; unreachable targets: `xml_html`" in mix
    tokens = section(card, "## Token counts per language")
    assert "| javascript | 1,500,000 | 0.698 | 3.500 |" in tokens and "**2,150,000**" in tokens
    assert "| val | 328 | 150,000 |" in section(card, "### Data Splits")
    quality = section(card, "## Quality figures")
    assert "`data_quality` (input documents passing every quality rule): 0.877" in quality
    assert "| `css` | 3.4712 ± 0.0213 | 3.4799 ± 0.0201 |" in quality  # bits per byte, torch then q4_k_m
    assert "| completion | 3.1000 ± 0.0500 | 3.1100 ± 0.0500 |" in quality
    assert "final loss 5.4321 ± 0.0123" in quality and "`sha256:abababababab…`" in quality
    limits = section(card, "## Known limitations")
    assert "The mix is limited by `md_mdx`: it is repeated 3.25 times (cap `mix.max_epochs`: 4)" in limits
    assert "Groups repeated more than 2 epochs: `md_mdx` 3.25." in limits
    assert "Target shares that no data could meet (no tokens): `xml_html`" in limits
    assert "Decontamination covers only `humaneval` (292 items, 36 too short to match)" in limits
    assert "distinct-2 of instructions 0.056" in limits
    assert "markdown 0.234" in limits  # classifier recall below 0.5
    assert "css (250 of 650)" in limits  # the filter kept less than half


def test_no_timing_reaches_card_or_page(built: tuple[str, str]) -> None:
    card, page = built
    for value in [*TIMINGS.values(), SPEEDUP]:
        for text in (f"{value}", f"{value:,}", f"{value:,.1f}", f"{value:.1f}"):
            assert text not in card and text not in page
    assert "tokens_per_s" not in card.replace("`tokens_per_s` and the other timings", "")


def test_rerun_is_byte_identical(tmp_path: Path) -> None:
    write_inputs(tmp_path)
    report(tmp_path, tmp_path / "a")
    report(tmp_path, tmp_path / "b")
    report(tmp_path, tmp_path / "a")  # over its own previous output
    for name in ("DATA_CARD.md", "index.html"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "a",
        "b",
        "dvc.yaml",
        "metrics",
        "params.yaml",
        "plots",
    ]


def test_missing_metrics_say_not_available(tmp_path: Path) -> None:
    write_inputs(tmp_path)
    for name in ("mix.json", "eval.json", "licence_manifest.csv", "dedup.json"):
        (tmp_path / "metrics" / name).unlink()
    card, page = report(tmp_path, tmp_path / "out")
    assert "_Not available: `metrics/mix.json` is missing" in section(card, "## Language mix")
    assert "_Not available: `metrics/eval.json` is missing" in section(card, "### Proxy model")
    assert "_Not available: `metrics/licence_manifest.csv` is missing" in section(
        card, "## Source Data and licences"
    )
    assert "_Not available: `metrics/dedup.json` is missing" in section(card, "### dedup")
    assert "| `dedup` | — | — | not available |" in section(card, "## Processing")
    assert yaml.safe_load(card.split("---\n")[1])["license"] == ["unknown"]
    assert "| `filter` | 6,050 | 5,400 | 650 |" in card  # the rest is still there
    assert "Not available" in page


def charts(page: str) -> list[dict[str, Any]]:
    """The charts of the page: each an SVG drawn at build time, with its Vega-Lite spec beside it as
    a JSON data island (the page must parse as HTML first)."""
    html5lib.HTMLParser(strict=True).parse(page)
    figures = re.findall(
        r'<figure class="plot" id="([\w-]+)"><svg .*?</svg><script type="application/json" '
        r'class="vega-lite-spec">(.*?)</script></figure>',
        page,
        flags=re.DOTALL,
    )
    return [{"id": div, **json.loads(spec.replace("<\\/", "</"))} for div, spec in figures]


def test_page_has_one_chart_per_plot_definition(built: tuple[str, str]) -> None:
    _, page = built
    specs = charts(page)
    assert [s["id"] for s in specs] == [  # top-level plots first, then stage outputs, as DVC lists them
        "plots_mix_csv",
        "loss_vs_step",
        "plots_by_lang_csv",
        "plots_confusion_csv",
        "plots_loss_tsv",
    ]
    for spec in specs:
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
        assert spec["data"]["values"], spec["id"]
    by_id = {s["id"]: s for s in specs}
    assert by_id["plots_mix_csv"]["title"]["text"] == "mix"
    assert {v["lang"] for v in by_id["plots_by_lang_csv"]["data"]["values"]} == {"javascript", "markdown"}
    assert [v["loss"] for v in by_id["loss_vs_step"]["data"]["values"]] == ["9.04", "8.91", "8.77"]
    assert "cdn.jsdelivr.net" not in page and "<script src" not in page  # draws offline
    assert page.count("<svg ") == len(specs) and page.count('aria-roledescription="bar"') >= 2
    assert "<h2>Language mix</h2>" in page and "<td><code>js_ts</code></td>" in page  # the card, rendered
    assert "Not available" not in page.split("<h2>Plots</h2>")[1]


def test_plot_without_data_is_listed_not_drawn(tmp_path: Path) -> None:
    write_inputs(tmp_path)
    (tmp_path / "plots" / "confusion.csv").unlink()
    _, page = report(tmp_path, tmp_path / "out")
    assert [s["id"] for s in charts(page)] == [
        "plots_mix_csv",
        "loss_vs_step",
        "plots_by_lang_csv",
        "plots_loss_tsv",
    ]
    assert "<li><code>plots/confusion.csv</code></li>" in page


def test_stage_script_reads_plots_from_plots_dir(tmp_path: Path) -> None:
    """``--plots-dir`` re-roots dvc.yaml's ``plots/`` paths: plot data kept elsewhere still renders."""
    paths = write_inputs(tmp_path, plots_dir=tmp_path / "artifacts" / "plots")
    spec = importlib.util.spec_from_file_location("stage_report", STAGE)
    stage = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(stage)
    out = tmp_path / "report"
    result = CliRunner().invoke(
        stage.main,
        [
            "--params", str(paths["params"]), "--metrics-dir", str(paths["metrics"]),
            "--plots-dir", str(paths["plots"]), "--dvc-yaml", str(paths["dvc"]), "--out", str(out),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert len(charts((out / "index.html").read_text(encoding="utf-8"))) == 5
    metadata, body = split_card((out / "DATA_CARD.md").read_text(encoding="utf-8"))
    assert yaml.safe_load(metadata)["task_categories"] == ["text-generation"]
    assert body.startswith("\n# Dataset Card for ")


def test_licence_ids_and_size_buckets() -> None:
    assert spdx_ids("(MIT OR Apache-2.0) AND BSD-3-Clause WITH LLVM-exception") == [
        "MIT",
        "Apache-2.0",
        "BSD-3-Clause",
    ]
    assert hub_id("GPL-3.0-only") == "gpl-3.0" and hub_id("Apache-2.0") == "apache-2.0"
    assert hub_id("0BSD") is None and hub_licences(["MIT", "0BSD", "ISC"]) == ["isc", "mit", "other"]
    rows = [
        ManifestRow("npm", "x", "1", "MIT OR GPL-2.0", True, 1, 1),
        ManifestRow("npm", "y", "1", "BSD-2-Clause", False, 1, 0),
    ]
    assert used_ids(rows, ["MIT"]) == ["MIT"] and used_ids(rows, None) == ["GPL-2.0", "MIT"]
    assert [size_category(n) for n in (999, 1_000, 9_999, 23_171, 100_000, 10**13)] == [
        "n<1K",
        "1K<n<10K",
        "1K<n<10K",
        "10K<n<100K",
        "100K<n<1M",
        "n>1T",
    ]
