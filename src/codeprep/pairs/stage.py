"""The pairs stage: code-comment pairs from the corpus's JavaScript/TypeScript (CodeSearchNet schema,
``split_name`` by package with the tokenize stage's split rule and params, so a validation package's
functions are ``valid`` here and in the token splits) and their CAT instruction records, as jsonl.

Published CodeSearchNet files named in ``pairs.codesearchnet`` join them: JavaScript/TypeScript
records within the same bounds and relevance threshold are written to ``pairs.jsonl`` with their own
partition as ``split_name``; only the ``train`` partition becomes CAT records, so CodeSearchNet's
``valid``/``test`` functions, which people evaluate on, never reach the training stream."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from codeprep.instruct.quality import Block, block_valid
from codeprep.metrics import ratio, write_metrics
from codeprep.pairs.cat import transforms
from codeprep.pairs.extract import GRAMMAR, extract, judge
from codeprep.pairs.params import PairParams
from codeprep.shards import iter_batches
from codeprep.shards.splits import val_repos
from codeprep.sources import codesearchnet
from codeprep.tokenize.params import TokenizeParams


def _codesearchnet(params: PairParams, root: Path, rejected: Counter[str]) -> Iterator[dict[str, Any]]:
    """The configured CodeSearchNet records in the target languages that pass the pairs bounds."""
    for entry in params.codesearchnet:
        base = root / entry
        paths = sorted(base.rglob("*.jsonl*")) if base.is_dir() else [base]
        if not paths or not all(p.is_file() for p in paths):
            raise FileNotFoundError(f"pairs.codesearchnet: {base} has no jsonl(.gz) files")
        for path in paths:
            for pair in codesearchnet.read(path):
                if pair["language"] not in ("javascript", "typescript"):
                    rejected["off_language"] += 1
                    continue
                doc, code = pair["func_documentation_string"], pair["func_code_string"]
                reason, _, score = judge(doc, code, lambda p=pair: p["func_code_tokens"], params)
                if reason is not None:
                    rejected[reason] += 1
                    continue
                yield pair | {"relevance": round(score, 4)}


def run_pairs(
    params: PairParams,
    split: TokenizeParams,
    docs_dir: Path,
    out_dir: Path,
    metrics_path: Path,
    root: Path = Path("."),
) -> dict[str, Any]:
    val = val_repos(docs_dir, split.val_fraction, split.seed)
    held_out = 0
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
        for pair in _codesearchnet(params, root, rejected):
            p.write(json.dumps(pair, ensure_ascii=False) + "\n")
            pairs[f"codesearchnet_{pair['language']}"] += 1
            splits[pair["split_name"]] += 1
            valid += bool(block_valid(Block(pair["language"], pair["func_code_string"], True)))
            if pair["split_name"] != "train":
                held_out += 1
                continue
            for row in transforms(pair, source="codesearchnet"):
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
        "codesearchnet_held_out": held_out,
    }
    write_metrics(metrics_path, metrics)
    return metrics
