"""The pairs stage: code-comment pairs from the corpus's JavaScript/TypeScript (CodeSearchNet schema,
``split_name`` by package: the tokenize stage's validation packages are ``valid``) and their CAT
instruction records, as jsonl."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from codeprep.metrics import write_json
from codeprep.pairs.cat import transforms
from codeprep.pairs.extract import GRAMMAR, PairParams, extract
from codeprep.params import dataclass_from
from codeprep.shards import iter_batches


def params_from(section: dict[str, Any] | None) -> PairParams:
    return dataclass_from(PairParams, section, "pairs")


def run_pairs(
    params: PairParams, docs_dir: Path, tokenize_dir: Path, out_dir: Path, metrics_path: Path
) -> dict[str, Any]:
    val = set(json.loads((tokenize_dir / "meta.json").read_text())["val_repos"])
    out_dir.mkdir(parents=True, exist_ok=True)
    pairs: Counter[str] = Counter()
    tasks: Counter[str] = Counter()
    scanned = 0
    with (
        (out_dir / "pairs.jsonl").open("w", encoding="utf-8") as p,
        (out_dir / "instructions.jsonl").open("w", encoding="utf-8") as i,
    ):
        for batch in iter_batches(docs_dir, columns=["repo", "path", "lang", "content"]):
            cols = batch.to_pydict()
            for repo, path, lang, text in zip(
                cols["repo"], cols["path"], cols["lang"], cols["content"], strict=True
            ):
                if lang not in GRAMMAR:
                    continue
                scanned += 1
                split = "valid" if repo in val else "train"
                for pair in extract(text, lang, repo, path, params, split):
                    p.write(json.dumps(pair, ensure_ascii=False) + "\n")
                    pairs[pair["language"]] += 1
                    for row in transforms(pair):
                        i.write(json.dumps(row, ensure_ascii=False) + "\n")
                        tasks[row["task_type"]] += 1
    metrics = {
        "docs_scanned": scanned,
        "pairs": dict(sorted(pairs.items())),
        "instructions": dict(sorted(tasks.items())),
    }
    write_json(metrics_path, metrics)
    return metrics
