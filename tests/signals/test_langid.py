"""Language identification: trained on a small corpus shaped like the real one (several packages per
language, snippets varied per package so the held-out packages use names the model never saw), then
checked for held-out accuracy, mismatch flags, a leak-free split, byte-identical model files and the
stage script end to end."""

from __future__ import annotations

import csv
import dataclasses
import importlib.util
import json
import random
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from codeprep.metrics import read_metrics
from codeprep.shards import DOC_SCHEMA, ShardWriter, doc_id
from codeprep.shards.splits import split_repos
from codeprep.signals.langid import (
    LangId,
    build_pipeline,
    class_weights,
    is_mismatch,
    load,
    sample_docs,
    save,
    train,
    valid_as,
)
from codeprep.signals.params import LangIdParams

STAGE = Path(__file__).resolve().parents[2] / "stages" / "langid.py"
# Small hash space and sample: the test is about behaviour, not the default sample's figures.
PARAMS = LangIdParams(per_lang=60, n_features=2**18, ngram_max=4, test_fraction=0.25)
REPOS = [f"pkg-{name}" for name in ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel")]
WORDS = [
    "user",
    "item",
    "order",
    "cart",
    "price",
    "total",
    "count",
    "index",
    "value",
    "name",
    "label",
    "title",
    "panel",
    "button",
    "modal",
    "list",
    "table",
    "row",
    "column",
    "cell",
    "header",
    "footer",
    "theme",
    "color",
    "size",
    "width",
    "height",
    "token",
    "cache",
    "store",
    "query",
    "route",
    "page",
    "link",
    "image",
    "icon",
    "grid",
    "card",
    "badge",
    "alert",
    "toast",
    "menu",
    "field",
    "input",
    "form",
    "state",
    "event",
]


def _ident(rng: random.Random) -> str:
    a, b = rng.sample(WORDS, 2)
    return a + b.capitalize()


def _js(rng: random.Random) -> str:
    fns = []
    for _ in range(rng.randint(2, 4)):
        f, x, y = _ident(rng), _ident(rng), _ident(rng)
        fns.append(
            f"function {f}({x}, {y}) {{\n  if ({x} === undefined) {{\n    return null;\n  }}\n"
            f"  const result = {x}.map((v) => v + {y});\n  console.log('{f}', result.length);\n"
            f"  return result;\n}}\n"
        )
    names = ", ".join(n.split("(")[0].split()[-1] for n in fns)
    head = f"'use strict';\nconst {_ident(rng)} = require('./{rng.choice(WORDS)}');\n\n"
    return head + "\n".join(fns) + f"\nmodule.exports = {{ {names} }};\n"


def _ts(rng: random.Random) -> str:
    iface, t = _ident(rng).capitalize(), _ident(rng).capitalize()
    fields = "\n".join(
        f"  readonly {_ident(rng)}: {rng.choice(['string', 'number', 'boolean'])};" for _ in range(4)
    )
    f, x = _ident(rng), _ident(rng)
    return (
        f"import type {{ {t} }} from './{rng.choice(WORDS)}';\n\n"
        f"export interface {iface} {{\n{fields}\n}}\n\n"
        f"export type {t}Map<T extends {iface}> = Record<string, T | undefined>;\n\n"
        f"export function {f}<T>({x}: T[], limit: number = 10): T[] {{\n"
        f"  const out: T[] = [];\n  for (const item of {x} as readonly T[]) {{\n"
        f"    if (out.length >= limit) break;\n    out.push(item as T);\n  }}\n  return out;\n}}\n\n"
        f"export class {iface}Store {{\n  private readonly items = new Map<string, {iface}>();\n"
        f"  public get(key: string): {iface} | undefined {{\n    return this.items.get(key);\n  }}\n}}\n"
    )


def _json(rng: random.Random) -> str:
    doc = {
        "name": f"@{rng.choice(WORDS)}/{_ident(rng).lower()}",
        "version": f"{rng.randint(0, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}",
        "description": " ".join(rng.sample(WORDS, 6)),
        "keywords": rng.sample(WORDS, 4),
        "dependencies": {_ident(rng).lower(): f"^{rng.randint(1, 9)}.0.0" for _ in range(4)},
        "config": {_ident(rng): rng.choice([True, False, None, rng.randint(0, 999)]) for _ in range(5)},
        "values": [rng.randint(0, 1000) for _ in range(rng.randint(4, 12))],
    }
    return json.dumps(doc, indent=rng.choice([2, 4])) + "\n"


def _xml(rng: random.Random) -> str:
    items = "\n".join(
        f'    <preference name="{_ident(rng)}" value="{rng.choice(["true", "false", rng.choice(WORDS)])}" />'
        for _ in range(5)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<widget id="com.{rng.choice(WORDS)}.{rng.choice(WORDS)}" version="1.{rng.randint(0, 9)}.0" '
        'xmlns="http://www.w3.org/ns/widgets" xmlns:cdv="http://cordova.apache.org/ns/1.0">\n'
        f'  <name>{_ident(rng)}</name>\n  <platform name="android">\n{items}\n'
        f'    <resource-file src="res/{rng.choice(WORDS)}.xml" target="app/src/main/res/values/{rng.choice(WORDS)}.xml" />\n'
        "  </platform>\n</widget>\n"
    )


def _svg(rng: random.Random) -> str:
    paths = "".join(
        f'<path d="M{rng.randint(0, 24)} {rng.randint(0, 24)}l{rng.randint(-9, 9)} {rng.randint(-9, 9)}'
        f'h{rng.randint(1, 9)}v{rng.randint(1, 9)}a2 2 0 0 1 -2 2z" />'
        for _ in range(rng.randint(1, 4))
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24" fill="none" '
        f'stroke="currentColor" stroke-width="{rng.choice([1, 1.5, 2])}" stroke-linecap="round" '
        f'stroke-linejoin="round" class="icon icon-{_ident(rng).lower()}">{paths}</svg>\n'
    )


def _html(rng: random.Random) -> str:
    body = "\n".join(
        f'    <div class="{rng.choice(WORDS)}-{rng.choice(WORDS)}">\n      <p>{" ".join(rng.sample(WORDS, 5))}</p>\n'
        f'      <a href="#{rng.choice(WORDS)}">{rng.choice(WORDS)}</a>\n    </div>'
        for _ in range(3)
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n  <head>\n    <meta charset="UTF-8" />\n'
        '    <meta name="viewport" content="width=device-width, initial-scale=1.0" />\n'
        f"    <title>{_ident(rng)}</title>\n"
        f'    <link rel="stylesheet" href="css/{rng.choice(WORDS)}.css">\n  </head>\n  <body>\n{body}\n'
        f'    <script src="js/{rng.choice(WORDS)}.js"></script>\n  </body>\n</html>\n'
    )


def _css(rng: random.Random) -> str:
    rules = "\n".join(
        f".{rng.choice(WORDS)}-{rng.choice(WORDS)} {{\n  color: #{rng.randint(0, 0xFFFFFF):06x};\n"
        f"  margin: {rng.randint(0, 24)}px auto;\n  display: {rng.choice(['flex', 'block', 'grid'])};\n}}\n"
        for _ in range(4)
    )
    return (
        rules
        + f"@media (max-width: {rng.randint(400, 1200)}px) {{\n  .{rng.choice(WORDS)} {{ padding: 0; }}\n}}\n"
    )


def _scss(rng: random.Random) -> str:
    var, mixin = rng.choice(WORDS), _ident(rng)
    return (
        f'@use "sass:math";\n${var}-size: {rng.randint(2, 32)}px !default;\n'
        f"${var}-color: darken(#{rng.randint(0, 0xFFFFFF):06x}, 10%);\n\n"
        f"@mixin {mixin}($radius: ${var}-size) {{\n  border-radius: $radius;\n}}\n\n"
        f".{rng.choice(WORDS)} {{\n  @include {mixin}(math.div(${var}-size, 2));\n"
        f"  color: ${var}-color;\n  &:hover {{\n    color: lighten(${var}-color, 5%);\n  }}\n"
        f"  &__{rng.choice(WORDS)} {{\n    @extend %{rng.choice(WORDS)};\n  }}\n}}\n"
    )


def _markdown(rng: random.Random) -> str:
    items = "\n".join(f"- **{rng.choice(WORDS)}**: {' '.join(rng.sample(WORDS, 4))}" for _ in range(3))
    return (
        f"# {_ident(rng)}\n\nThe {' '.join(rng.sample(WORDS, 8))}.\n\n## Usage\n\n{items}\n\n"
        f"See [the docs](https://example.com/{rng.choice(WORDS)}) for *more* details.\n\n"
        f"## Options\n\n| option | default |\n| --- | --- |\n| `{rng.choice(WORDS)}` | `true` |\n"
    )


def _mdx(rng: random.Random) -> str:
    comp = _ident(rng).capitalize()
    return (
        f"---\ntitle: {_ident(rng)}\nsidebar_position: {rng.randint(1, 9)}\n---\n\n"
        f"import {comp} from '@site/src/components/{comp}';\nimport Tabs from '@theme/Tabs';\n\n"
        f"export const meta = {{ {rng.choice(WORDS)}: true }};\n\n# {comp}\n\n"
        f"{' '.join(rng.sample(WORDS, 7))}.\n\n<{comp} {rng.choice(WORDS)}={{{rng.randint(0, 9)}}} />\n\n"
        f'<Tabs groupId="{rng.choice(WORDS)}">\n  <TabItem value="{rng.choice(WORDS)}">\n\n'
        f"Some **{rng.choice(WORDS)}** text.\n\n  </TabItem>\n</Tabs>\n"
    )


GENERATORS = {
    "javascript": (_js, "js"),
    "typescript": (_ts, "ts"),
    "json": (_json, "json"),
    "xml": (_xml, "xml"),
    "svg": (_svg, "svg"),
    "html": (_html, "html"),
    "css": (_css, "css"),
    "scss": (_scss, "scss"),
    "markdown": (_markdown, "md"),
    "mdx": (_mdx, "mdx"),
}


def _record(repo: str, path: str, lang: str, content: str, **flags: bool) -> dict:
    data = content.encode()
    return {
        "id": doc_id("npm", repo, "1.0.0", path, data),
        "source": "npm",
        "repo": repo,
        "version": "1.0.0",
        "path": path,
        "license": "MIT",
        "lang": lang,
        "content": content,
        "size_bytes": len(data),
        "encoding": "utf-8",
        "is_vendored": False,
        "is_minified": flags.get("is_minified", False),
        "is_generated": flags.get("is_generated", False),
    }


def write_corpus(docs_dir: Path, per_repo: int = 10) -> Path:
    """Every repo ships every language (like a real package with code, styles, docs and icons); one
    generated source map per repo checks that generated files are left out of training."""
    with ShardWriter(docs_dir, DOC_SCHEMA) as writer:
        for repo in REPOS:
            rng = random.Random(repo)
            for lang, (make, ext) in GENERATORS.items():
                for i in range(per_repo):
                    writer.write(_record(repo, f"src/{lang}/{i}.{ext}", lang, make(rng)))
            sourcemap = json.dumps({"version": 3, "mappings": "AAAA;AACA", "sources": ["x.js"]})
            writer.write(_record(repo, "dist/index.js.map", "json", sourcemap, is_generated=True))
    return docs_dir


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("langid") / "docs")


@pytest.fixture(scope="module")
def trained(corpus: Path) -> tuple:
    return train(corpus, PARAMS)


def test_heldout_accuracy_is_high(trained: tuple) -> None:
    """Held-out packages use identifiers the model never saw: high accuracy means it learned the
    languages' syntax, not the packages' names."""
    _, evaluation = trained
    assert evaluation["test_docs"] > 0 and evaluation["train_docs"] > evaluation["test_docs"]
    assert evaluation["accuracy"] >= 0.95, evaluation["errors"]
    assert evaluation["compatible_accuracy"] >= evaluation["accuracy"]
    assert evaluation["family_accuracy"] >= evaluation["compatible_accuracy"]
    assert evaluation["unambiguous_accuracy"] >= evaluation["accuracy"]
    assert evaluation["ambiguous_docs"] == sum(e["ambiguous"] for e in evaluation["errors"])
    assert set(evaluation["per_lang"]) == set(GENERATORS)
    for lang, figures in evaluation["per_lang"].items():
        assert figures["support"] > 0, lang
        assert set(figures) == {"precision", "recall", "support"}
    assert len(evaluation["confusion"]) == evaluation["test_docs"]


def test_split_is_by_repository(corpus: Path) -> None:
    """No package may have files on both sides, or its near-identical files would leak."""
    sample = sample_docs(corpus, PARAMS)
    assert sample.test_repos and not set(sample.test_repos) & set(sample.train_repos)
    assert {sample.where[d][0] for d in sample.train_ids} <= set(sample.train_repos)
    assert {sample.where[d][0] for d in sample.test_ids} <= set(sample.test_repos)
    assert not any(sample.where[d][1].endswith(".map") for d in sample.train_ids + sample.test_ids)
    # per_lang caps the training documents of each language
    train_langs = [sample.labels[d] for d in sample.train_ids]
    assert max(train_langs.count(lang) for lang in GENERATORS) <= PARAMS.per_lang


def test_split_covers_rare_languages() -> None:
    """A language in only a few repositories still gets one on each side; one in a single repository
    stays in training."""
    repo_langs = {f"r{i}": {"javascript"} for i in range(20)}
    repo_langs["r3"] |= {"jsx"}
    repo_langs["r17"] |= {"jsx"}
    repo_langs["r9"] |= {"xml"}
    for seed in range(10):
        test = split_repos(repo_langs, 0.2, seed)
        assert len(test & {"r3", "r17"}) == 1
        assert "r9" not in test
        assert len(test) == 4


def test_flags_mislabelled_documents(trained: tuple) -> None:
    """JSON saved as .js and an HTML page saved as .xml are mismatches; a real JS file and CSS in a
    .scss file (CSS is valid SCSS) are not."""
    model, _ = trained
    langid = LangId(model)
    rng = random.Random("mislabelled")
    texts = [_json(rng), _html(rng), _js(rng), _css(rng)]
    labels, probs = langid.predict(texts)
    assert labels == ["json", "html", "javascript", "css"], (labels, probs)
    assert is_mismatch("javascript", labels[0], probs[0], PARAMS.min_prob)
    assert is_mismatch("xml", labels[1], probs[1], PARAMS.min_prob)
    assert not is_mismatch("javascript", labels[2], probs[2], PARAMS.min_prob)
    assert not is_mismatch("scss", labels[3], probs[3], PARAMS.min_prob)
    assert not is_mismatch("javascript", "json", PARAMS.min_prob - 0.01, PARAMS.min_prob)
    assert langid.predict([]) == ([], [])


def test_model_file_is_deterministic(corpus: Path, trained: tuple, tmp_path: Path) -> None:
    """Same input and params → byte-identical model file (DVC's cache and run-cache rely on it),
    and the loaded model predicts what the trained one did."""
    first, _ = trained
    second, _ = train(corpus, PARAMS)
    save(first, tmp_path / "a.joblib")
    save(second, tmp_path / "b.joblib")
    assert (tmp_path / "a.joblib").read_bytes() == (tmp_path / "b.joblib").read_bytes()
    # nothing process-specific (the word analyzer caches id(stop_words), a memory address) is saved
    features = load(tmp_path / "a.joblib").named_steps["features"]
    assert not any(hasattr(step, "_stop_words_id") for _, step in features.transformer_list)
    texts = [_ts(random.Random(1)), _svg(random.Random(2))]
    assert LangId(load(tmp_path / "a.joblib")).predict(texts) == LangId(first).predict(texts)


def test_token_features_are_optional(corpus: Path) -> None:
    """token_ngram_max 0 is the character-only model; the default adds a token block, weighted."""
    chars_only, _ = train(corpus, dataclasses.replace(PARAMS, token_ngram_max=0))
    features = build_pipeline(PARAMS).named_steps["features"]
    assert [name for name, _ in features.transformer_list] == ["chars", "tokens"]
    assert features.transformer_weights == {"tokens": PARAMS.token_weight}
    assert LangId(chars_only).max_chars == PARAMS.max_chars
    texts = [_ts(random.Random(3)), _css(random.Random(4))]
    assert LangId(chars_only).predict(texts)[0] == ["typescript", "css"]


def test_label_ambiguity() -> None:
    """valid_as: JavaScript is valid TypeScript, TypeScript with annotations is not JavaScript, and an
    .mdx using ESM or components is not plain Markdown (fenced code does not count)."""
    rng = random.Random("ambiguous")
    assert valid_as("typescript", _js(rng))
    assert not valid_as("javascript", _ts(rng))
    assert valid_as("markdown", _markdown(rng))
    assert not valid_as("markdown", _mdx(rng))
    fenced = "# Title\n\n```tsx\nimport Tabs from '@theme/Tabs';\n<Tabs />\n```\n\nText.\n"
    assert valid_as("markdown", fenced)
    assert not valid_as("markdown", fenced + "\n<Tabs>\n\nx\n\n</Tabs>\n")


def test_params_reject_unknown_keys_and_wrong_types() -> None:
    assert LangIdParams.from_params({"per_lang": 100}).per_lang == 100
    assert LangIdParams.from_params({"token_weight": 1}).token_weight == 1.0  # an int where a float goes
    with pytest.raises(ValueError, match=r"langid\.per_lang must be int, not str '100'"):
        LangIdParams.from_params({"per_lang": "100"})
    assert LangIdParams.from_params(None) == LangIdParams()
    with pytest.raises(ValueError, match=r"unknown key langid\.per_language; did you mean per_lang\?"):
        LangIdParams.from_params({"per_language": 100})
    with pytest.raises(ValueError, match="test_fraction"):
        LangIdParams.from_params({"test_fraction": 1.0})
    assert LangIdParams.from_params({"token_ngram_max": 0}).token_ngram_max == 0
    with pytest.raises(ValueError, match="token"):
        LangIdParams.from_params({"token_weight": 0})
    with pytest.raises(ValueError, match="class_weight_power"):
        LangIdParams.from_params({"class_weight_power": 2})


def test_class_weights_interpolate_between_unweighted_and_balanced() -> None:
    """power 1 is scikit-learn's "balanced" (n / (k * n_class)), 0 is unweighted, 0.5 its square
    root: a 10-document class next to a 90-document one weighs 3x, not 9x."""
    from sklearn.utils.class_weight import compute_class_weight

    labels = ["javascript"] * 90 + ["jsx"] * 10
    balanced = compute_class_weight("balanced", classes=np.array(["javascript", "jsx"]), y=labels)
    assert class_weights(labels, 1.0) == pytest.approx(
        dict(zip(["javascript", "jsx"], balanced, strict=True))
    )
    assert class_weights(labels, 0.0) == {"javascript": 1.0, "jsx": 1.0}
    half = class_weights(labels, 0.5)
    assert half["jsx"] / half["javascript"] == pytest.approx(3.0)


def test_stage_script_end_to_end(corpus: Path, tmp_path: Path) -> None:
    """The DVC stage: params.yaml in, model + metrics + confusion plot out."""
    spec = importlib.util.spec_from_file_location("stage_langid", STAGE)
    stage = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(stage)
    params = tmp_path / "params.yaml"
    params.write_text(
        yaml.safe_dump({"langid": {"per_lang": 60, "n_features": 2**18, "test_fraction": 0.25}})
    )
    out = {name: tmp_path / name for name in ("model.joblib", "langid.json", "confusion.csv")}
    result = CliRunner().invoke(
        stage.main,
        [
            "--params", str(params), "--docs", str(corpus), "--model", str(out["model.joblib"]),
            "--metrics", str(out["langid.json"]), "--plot", str(out["confusion.csv"]), "--jobs", "1",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    metrics = read_metrics(out["langid.json"])
    assert metrics["accuracy"] >= 0.95
    assert {"family_accuracy", "per_lang", "train_docs", "test_docs", "train_repos", "test_repos"} <= set(
        metrics
    )
    with out["confusion.csv"].open() as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["actual", "predicted"] and len(rows) == metrics["test_docs"]
    assert LangId(load(out["model.joblib"])).classes.tolist() == sorted(GENERATORS)
