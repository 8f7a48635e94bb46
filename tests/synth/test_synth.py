"""The synth stage on a small real-shaped corpus: vocabularies mined from it, template records at the
seed plan's family mix whose outputs are valid and state exactly the edit made, mutants that all
parse, byte-identical reruns, and no teacher work unless one is configured."""

from __future__ import annotations

import hashlib
import json
import random
import re
from pathlib import Path

import pytest
from conftest import signals_record

from codeprep.pairs.cat import INSTRUCTION_FIELDS
from codeprep.shards import SIGNALS_SCHEMA, ShardWriter
from codeprep.signals.syntax import check
from codeprep.synth.corpus import Corpus, ScanParams, Snippet, package_name, scan
from codeprep.synth.markup_tasks import Skip, mdx_api_doc, svg_resize, xml_add_attribute
from codeprep.synth.params import SynthParams
from codeprep.synth.stage import run_synth
from codeprep.synth.templates import distinct_ngrams

JS = """import React from 'react';
import {{ debounce }} from 'lodash-es';
import path from 'node:path';

/**
 * Loads the user profile for the given id from the API and caches the parsed JSON response.
 * @param {{string}} id The user id.
 * @returns {{Promise<object>}} The profile.
 */
export async function loadProfile{i}(id, retries = 2) {{
  const url = `/api/users/${{id}}`;
  const response = await window.fetch(url);
  const data = await response.json();
  cache.set(id, data);
  return data;
}}

export function formatName{i}(user, fallback = 'anonymous') {{
  const first = user.first.trim();
  const last = user.last.trim();
  return first && last ? `${{first}} ${{last}}` : fallback;
}}
"""
TS = """import {{ z }} from 'zod';

export const parseCount{i} = (input: string, base = 10): number => {{
  const value = Number.parseInt(input, base);
  if (Number.isNaN(value)) {{
    throw new Error(`not a number: ${{input}}`);
  }}
  return value;
}};
"""
TSX = """import Tabs from '@theme/Tabs';
import TabItem from '@theme/TabItem';

export function Install{i}() {{
  return (
    <Tabs>
      <TabItem value="npm">npm install pkg</TabItem>
    </Tabs>
  );
}}
"""
SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{w}" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2">
  <path d="M{i} 12h18"/>
  <path d="M12 3v18"/>
  <circle cx="12" cy="12" r="{r}"/>
</svg>
"""
XML = """<?xml version="1.0" encoding="UTF-8"?>
<plugin xmlns="http://apache.org/cordova/ns/plugins/1.0" id="plugin-{i}" version="1.0.{i}">
  <name>Plugin {i}</name>
  <js-module src="www/plugin.js" name="Plugin{i}">
    <clobbers target="plugins.p{i}"/>
  </js-module>
  <platform name="android">
    <source-file src="src/android/P{i}.java" target-dir="src/p{i}"/>
    <source-file src="src/android/Util{i}.java"/>
  </platform>
</plugin>
"""
MD = """# Package {i}

Intro text for package {i}.

## Usage

Install it and call the helper with an options object:

```js
import {{ helper }} from 'pkg-{i}';

helper({{ verbose: true }});
```

It returns a promise that resolves when the work is done.
"""


def corpus_dir(tmp: Path) -> Path:
    records = []
    for i in range(12):
        repo = f"pkg-{i % 4}"
        records += [
            signals_record(f"src/util{i}.js", "javascript", JS.format(i=i), repo=repo),
            signals_record(f"src/parse{i}.ts", "typescript", TS.format(i=i), repo=repo),
            signals_record(f"src/Install{i}.tsx", "tsx", TSX.format(i=i), repo=repo),
            signals_record(
                f"icons/i{i}.svg", "svg", SVG.format(i=i, w=(16, 20, 24)[i % 3], r=i + 1), repo=repo
            ),
            signals_record(f"plugin{i}.xml", "xml", XML.format(i=i), repo=repo),
            signals_record(f"docs/guide{i}.md", "markdown", MD.format(i=i), repo=repo),
        ]
    records.append(
        signals_record(
            "package.json",
            "json",
            '{"name": "pkg-0", "dependencies": {"react": "^18.0.0", "zod": "^3"}}',
            repo="pkg-0",
        )
    )
    with ShardWriter(tmp / "docs", SIGNALS_SCHEMA) as writer:
        for record in records:
            writer.write(record)
    return tmp / "docs"


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return corpus_dir(tmp_path_factory.mktemp("synth"))


def pairs_file(tmp: Path) -> Path:
    from codeprep.pairs.extract import extract
    from codeprep.pairs.params import PairParams

    pairs = list(extract(JS.format(i=0), "javascript", "pkg-0", "src/util0.js", PairParams()))
    path = tmp / "pairs.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in pairs))
    return path


def test_vocabularies_are_mined_from_the_corpus(docs: Path) -> None:
    corpus = scan(docs, ScanParams(min_chars=100))
    assert corpus.vocabulary("frameworks", 2) == ["react", "zod"]  # 12 imports + package.json each
    assert "zod" in corpus.frameworks and "path" not in corpus.frameworks  # node built-ins are not frameworks
    assert ("Tabs", "@theme/Tabs", False) in corpus.components
    assert corpus.elements["svg"]["path"] == 24 and corpus.elements["xml"]["source-file"] == 24
    assert "window.fetch" in corpus.apis
    names = {s.name for s in corpus.pool("js")} | {s.name for s in corpus.pool("ts")}
    assert {"loadProfile0", "formatName0", "parseCount0", "Install0"} <= names
    assert package_name("@scope/pkg/sub/path") == "@scope/pkg" and package_name("./local") is None


def test_reservoir_pools_are_bounded_and_seeded(docs: Path) -> None:
    small = scan(docs, ScanParams(pool_size=5, min_chars=100, seed=1))
    again = scan(docs, ScanParams(pool_size=5, min_chars=100, seed=1))
    other = scan(docs, ScanParams(pool_size=5, min_chars=100, seed=2))
    assert len(small.pool("svg")) == 5 and small.pools["svg"].seen == 12
    assert [s.doc_id for s in small.pool("svg")] == [s.doc_id for s in again.pool("svg")]
    assert [s.doc_id for s in small.pool("svg")] != [s.doc_id for s in other.pool("svg")]


def test_markup_tasks_state_the_edit_they_make(docs: Path) -> None:
    corpus = scan(docs, ScanParams(min_chars=100))
    svg = corpus.pool("svg")[0]
    task, instruction, given, output, lang = svg_resize(random.Random(0), corpus, svg)
    assert (task, lang) == ("svg_resize", "svg")
    size = re.search(r"(\d+)(?:×| and keep)", instruction).group(1)
    assert (
        given == svg.text and f'width="{size}" height="{size}"' in output and 'viewBox="0 0 24 24"' in output
    )
    assert check("svg", output).ok
    xml = corpus.pool("xml")[0]
    _task, instruction, given, output, _lang = xml_add_attribute(random.Random(3), corpus, xml)
    assert output.startswith('<?xml version="1.0" encoding="UTF-8"?>') and check("xml", output).ok
    from lxml import etree

    tag = re.search(r"<([\w.:-]+)>", instruction).group(1)
    attr, value = re.search(r'([\w:-]+)`?(?:="| is `)([^"`]*)', instruction).groups()
    root = etree.fromstring(output.split("?>", 1)[1].encode())
    elements = [e for e in root.iter() if isinstance(e.tag, str) and e.tag.split("}")[-1] == tag]
    assert elements and all(e.get(attr) == value for e in elements)
    with pytest.raises(Skip):
        svg_resize(random.Random(0), corpus, Snippet("x", "r", "p", "xml", xml.text))


def test_mdx_api_doc_renders_the_jsdoc(tmp_path: Path, docs: Path) -> None:
    corpus = scan(docs, ScanParams(min_chars=100))
    pair = json.loads(pairs_file(tmp_path).read_text().splitlines()[0])
    _, instruction, given, output, lang = mdx_api_doc(random.Random(0), corpus, pair)
    assert "`loadProfile0`" in instruction and given == pair["whole_func_string"] and lang == "mdx"
    assert "| `id` | `string` | The user id. |" in output and "const result = loadProfile0(id);" in output
    assert output.startswith('---\ntitle: "loadProfile0"\n') and check("mdx", output).ok


def test_the_stage_writes_valid_templates_at_the_family_mix_and_valid_mutants(
    tmp_path: Path, docs: Path
) -> None:
    params = SynthParams(templates=120, mutants=40, min_chars=100, mutation_rate=0.5)
    metrics = run_synth(params, docs, pairs_file(tmp_path), tmp_path / "a", tmp_path / "a.json")
    rows = [json.loads(line) for line in (tmp_path / "a" / "instructions.jsonl").read_text().splitlines()]
    assert len(rows) == metrics["templates"]["records"] == 120
    assert len({r["id"] for r in rows}) == 120
    share = metrics["templates"]["family_share"]
    assert abs(share["js_enhancement"] - 0.5) < 0.15 and abs(share["xml_generation"] - 0.25) < 0.15
    for row in rows:
        assert set(INSTRUCTION_FIELDS) <= set(row)
        assert check(row["lang"], row["output"]).ok is True, row["template"]
        assert row["output"] != row["input"]
    renames = [r for r in rows if r["template"] == "js_rename_binding"]
    for row in renames:  # every rename the instruction names happened
        named = [
            p.split("` to `")
            for p in row["instruction"].split("rename ")[1].split(", updating")[0].split(", ")
        ]
        for old, new in named:
            old, new = old.strip("`"), new.strip("`")
            assert re.search(rf"(?<![\w$]){re.escape(new)}(?![\w$])", row["output"])
            uses = [
                len(re.findall(rf"(?<![\w$.]){re.escape(old)}(?![\w$])", t))
                for t in (row["input"], row["output"])
            ]
            assert uses[1] < uses[0]
    mutants = [json.loads(line) for line in (tmp_path / "a" / "mutants.jsonl").read_text().splitlines()]
    assert mutants and metrics["mutants"]["validity"] == 1.0 and metrics["mutants"]["written"] == len(mutants)
    assert all(m["operators"] and check(m["lang"], m["content"]).ok for m in mutants)
    assert metrics["mutants"]["attempted"] == len(mutants) + sum(metrics["mutants"]["rejected"].values())
    assert metrics["teacher"]["self_instruct"]["attempted"] == 0  # backend none: no teacher work
    assert 0 < metrics["templates"]["diversity"]["distinct_2_instruction"] <= 1
    run_synth(params, docs, pairs_file(tmp_path), tmp_path / "b", tmp_path / "b.json")
    for name in ("instructions.jsonl", "mutants.jsonl", "vocabulary.json"):
        digest = [hashlib.sha256((tmp_path / d / name).read_bytes()).hexdigest() for d in ("a", "b")]
        assert digest[0] == digest[1], name
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def test_distinct_ngrams() -> None:
    assert distinct_ngrams(["a b c", "a b c"], 2) == 0.5
    assert distinct_ngrams(["a b c d"], 2) == 1.0
    assert distinct_ngrams(["a"], 2) is None


def test_corpus_dataclass_defaults_are_empty() -> None:
    assert Corpus().pool("js") == [] and Corpus().top_components(5) == []
