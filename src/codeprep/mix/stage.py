"""The mix stage: the training split's documents repeated or down-sampled per language group to the
target token shares (:mod:`codeprep.mix.solver`), written as one shuffled packed stream.

A group's factor ``f`` becomes ``floor(f)`` copies of each of its documents plus one more for the
documents whose seeded hash falls below ``f - floor(f)``; the copies are shuffled (seeded) so repeats
are spread through the stream. The validation split is not mixed: perplexity per language is measured
on the natural distribution. ``achieved`` is measured on what was written.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from codeprep.languages import GROUP_OF
from codeprep.metrics import write_csv, write_metrics
from codeprep.mix.params import MixParams
from codeprep.mix.solver import solve
from codeprep.tokenize.packed import read_split

MIX_INDEX_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("lang", pa.string(), nullable=False),
        pa.field("start", pa.int64(), nullable=False),
        pa.field("length", pa.int64(), nullable=False),
        pa.field("copy", pa.int32(), nullable=False),
    ]
)


def _uniform(seed: int, doc: str) -> float:
    digest = hashlib.blake2b(f"{seed}\x00{doc}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") / 2**64


#: What each column of ``out/mix/index.parquet`` holds (also written into ``out/mix/meta.json``).
INDEX_COLUMNS = {
    "id": "document id (as in every stage's shards; `codeprep explain <id>`)",
    "lang": "document language",
    "start": "offset of the document's first token in tokens.bin, in tokens (not bytes)",
    "length": "tokens of the document, its language tag and EOS included",
    "copy": "0 for a document's first copy in the mix, 1, 2... for the repeats the mix plan asked for",
}


def write_meta(tokenize_dir: Path, out_dir: Path, tokens: int, documents: int) -> None:
    """``out/mix/meta.json``: what a trainer needs to read ``tokens.bin`` without this package."""
    source = json.loads((tokenize_dir / "meta.json").read_text())
    meta = {
        "dtype": source["dtype"],
        "vocab_size": source["vocab_size"],
        "eos_id": source["eos_id"],
        "pad_id": source["pad_id"],
        "layout": source["layout"],
        "tokens": tokens,
        "documents": documents,
        "tokenizer": "out/tokenize/tokenizer",
        "index": INDEX_COLUMNS,
    }
    (out_dir / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")


def run_mix(
    params: MixParams, tokenize_dir: Path, out_dir: Path, metrics_path: Path, plot_path: Path
) -> dict[str, Any]:
    tokens, index = read_split(tokenize_dir / "train")
    ids, langs = index.column("id").to_pylist(), index.column("lang").to_pylist()
    starts, lengths = index.column("start").to_numpy(), index.column("length").to_numpy()
    available: Counter[str] = Counter()
    for lang, length in zip(langs, lengths.tolist(), strict=True):
        available[GROUP_OF.get(lang, "other")] += length
    target = params.shares()
    plan = solve(dict(available), target, params.epochs_cap(), params.budget_tokens)
    picks: list[tuple[int, int]] = []  # (document row, copy number)
    for row, (doc, lang) in enumerate(zip(ids, langs, strict=True)):
        f = plan.epochs.get(GROUP_OF.get(lang, "other"), 0.0)
        copies = int(f) + (1 if _uniform(params.seed, doc) < f - int(f) else 0)
        picks.extend((row, c) for c in range(copies))
    order = (
        np.random.default_rng(params.seed).permutation(len(picks)) if picks else np.empty(0, dtype=np.int64)
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    written: Counter[str] = Counter()
    rows: dict[str, list] = {name: [] for name in MIX_INDEX_SCHEMA.names}
    position = 0
    with (out_dir / "tokens.bin").open("wb") as f:
        for k in order.tolist():
            row, copy = picks[k]
            start, length = int(starts[row]), int(lengths[row])
            f.write(np.asarray(tokens[start : start + length]).tobytes())
            for name, value in zip(
                MIX_INDEX_SCHEMA.names, (ids[row], langs[row], position, length, copy), strict=True
            ):
                rows[name].append(value)
            position += length
            written[GROUP_OF.get(langs[row], "other")] += length
    pq.write_table(pa.table(rows, schema=MIX_INDEX_SCHEMA), out_dir / "index.parquet", compression="zstd")
    total = sum(written.values())
    write_meta(tokenize_dir, out_dir, total, len(order))
    achieved = {g: round(written[g] / total, 4) if total else 0.0 for g in target}
    metrics = {
        "target": target,
        "achieved": achieved,
        "epochs": {g: round(v, 4) for g, v in plan.epochs.items()},
        "max_abs_error": round(max(abs(achieved[g] - p) for g, p in target.items()), 4),
        "tokens": total,
        "available": dict(sorted(available.items())),
        "binding": plan.binding,
        "unreachable": plan.unreachable,
    }
    write_metrics(metrics_path, metrics)
    write_csv(
        plot_path,
        [{"group": g, "target": p, "achieved": achieved[g]} for g, p in target.items()],
        ["group", "target", "achieved"],
    )
    return metrics
