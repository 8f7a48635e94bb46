"""The pairs stage: code-comment pairs from the corpus's JavaScript/TypeScript (CodeSearchNet schema,
``split_name`` by package with the tokenize stage's split rule and params, so a validation package's
functions are ``valid`` here and in the token splits) and their CAT instruction records, as jsonl."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from codeprep.instruct.quality import Block, block_valid
from codeprep.metrics import ratio, write_json
from codeprep.pairs.cat import transforms
from codeprep.pairs.extract import GRAMMAR, PairParams, extract
from codeprep.params import dataclass_from
from codeprep.shards import iter_batches
from codeprep.tokenize.stage import TokenizeParams, val_repos


def params_from(section: dict[str, Any] | None) -> PairParams:
    return dataclass_from(PairParams, section, "pairs")


def run_pairs(
    params: PairParams,
    split: TokenizeParams,
    docs_dir: Path,
    out_dir: Path,
    metrics_path: Path,
) -> dict[str, Any]:
    val = val_repos(docs_dir, split)
    out_dir.mkdir(parents=True, exist_ok=True)
    pairs: Counter[str] = Counter()
    tasks: Counter[str] = Counter()
    splits: Counter[str] = Counter()
    rejected: Counter[str] = Counter()
    scanned = valid = 0
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
                name = "valid" if repo in val else "train"
                for pair in extract(text, lang, repo, path, params, name, rejected):
                    p.write(json.dumps(pair, ensure_ascii=False) + "\n")
                    pairs[pair["language"]] += 1
                    splits[name] += 1
                    valid += bool(block_valid(Block(lang, pair["func_code_string"], True)))
                    for row in transforms(pair, lang):
                        i.write(json.dumps(row, ensure_ascii=False) + "\n")
                        tasks[row["task_type"]] += 1
    total = sum(pairs.values())
    metrics = {
        "docs_scanned": scanned,
        "pairs": dict(sorted(pairs.items())),
        "splits": dict(sorted(splits.items())),
        "candidates": total + sum(rejected.values()),
        "rejected": dict(sorted(rejected.items())),
        "code_validity": ratio(valid, total),
        "instructions": dict(sorted(tasks.items())),
    }
    write_json(metrics_path, metrics)
    return metrics
