"""The tokenize stage: split by package, train (or load) the tokenizer, pack token shards.

Split: whole repositories/packages go to validation (``tokenize.val_fraction`` of them, seeded, with
every language that two or more packages have on both sides — the language-id split rule), never
single files, so a near-identical file cannot sit on both sides.

Packing: per split, ``tokens.bin`` (uint16 while the vocabulary fits, else uint32, little-endian) holds
every document as ``[language tag] + tokens + [EOS]``, back to back, in input order; ``index.parquet``
has one row per document: ``id, repo, lang, start, length`` (offsets in tokens) and ``bytes``.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from codeprep.instruct.render import LANG, render
from codeprep.metrics import write_metrics
from codeprep.shards import iter_batches
from codeprep.shards.splits import val_repos
from codeprep.tokenize import bpe
from codeprep.tokenize.hf_dirs import save_tokenizer
from codeprep.tokenize.params import TokenizeParams

INDEX_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("repo", pa.string(), nullable=False),
        pa.field("lang", pa.string(), nullable=False),
        pa.field("start", pa.int64(), nullable=False),
        pa.field("length", pa.int64(), nullable=False),
        pa.field("bytes", pa.int64(), nullable=False),
    ]
)
SPLITS = ("train", "val")


def _in_val(record_id: str, repo: str, val: set[str], params: TokenizeParams) -> bool:
    """A record derived from a package goes where its package goes; one from no package
    (OpenCodeInstruct, a teacher) by a seeded hash of its id at ``val_fraction``."""
    if repo:
        return repo in val
    digest = hashlib.blake2b(f"{params.seed}\x00{record_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") / 2**64 < params.val_fraction


def _instructions(
    path: Path | None, val: set[str], split: str, params: TokenizeParams
) -> Iterator[dict[str, list]]:
    """The instruct stage's records, rendered, in batches shaped like the documents'."""
    if path is None:
        return
    batch: dict[str, list] = {"id": [], "repo": [], "lang": [], "content": []}
    with path.open(encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            if _in_val(record["id"], record.get("repo", ""), val, params) != (split == "val"):
                continue
            for key, value in zip(
                batch, (record["id"], record.get("repo", ""), LANG, render(record)), strict=True
            ):
                batch[key].append(value)
            if len(batch["id"]) == params.batch_docs:
                yield batch
                batch = {k: [] for k in batch}
    if batch["id"]:
        yield batch


def _docs(
    docs_dir: Path, val: set[str], split: str, params: TokenizeParams, instructions: Path | None = None
) -> Iterator[dict[str, list]]:
    for batch in iter_batches(
        docs_dir, columns=["id", "repo", "lang", "content"], batch_size=params.batch_docs
    ):
        cols = batch.to_pydict()
        keep = [(r in val) == (split == "val") for r in cols["repo"]]
        if any(keep):
            yield {k: [v for v, ok in zip(vals, keep, strict=True) if ok] for k, vals in cols.items()}
    yield from _instructions(instructions, val, split, params)


def _dtype(vocab: int) -> np.dtype:
    return np.dtype("<u2") if vocab <= 1 << 16 else np.dtype("<u4")


def eos_id(tokenizer: Any) -> int:
    """The id ending every document in the token streams."""
    return (
        tokenizer.convert_tokens_to_ids(bpe.EOS)
        if bpe.EOS in tokenizer.get_vocab()
        else tokenizer.eos_token_id
    )


#: How a split's (and the mix's) ``tokens.bin`` is laid out, for the meta.json readers see.
LAYOUT = "documents back to back, each [language tag] + tokens + [EOS]; no header, no padding"


def pack(
    tokenizer: Any, batches: Iterator[dict[str, list]], out_dir: Path, lang_tags: bool
) -> dict[str, Counter[str]]:
    """Write ``tokens.bin`` + ``index.parquet`` for one split; per-language token and byte counts."""
    out_dir.mkdir(parents=True, exist_ok=True)
    dtype = _dtype(len(tokenizer))
    eos = eos_id(tokenizer)
    tag_id = (
        {lang: tokenizer.convert_tokens_to_ids(tag) for lang, tag in bpe.LANG_TAGS.items()}
        if lang_tags
        else {}
    )
    tokens: Counter[str] = Counter()
    content_tokens: Counter[str] = Counter()
    nbytes: Counter[str] = Counter()
    docs: Counter[str] = Counter()
    rows: dict[str, list] = {name: [] for name in INDEX_SCHEMA.names}
    start = 0
    with (out_dir / "tokens.bin").open("wb") as f:
        for batch in batches:
            encoded = tokenizer(batch["content"], add_special_tokens=False)["input_ids"]
            for doc, repo, lang, text, ids in zip(
                batch["id"], batch["repo"], batch["lang"], batch["content"], encoded, strict=True
            ):
                seq = ([tag_id[lang]] if lang in tag_id else []) + ids + [eos]
                f.write(np.asarray(seq, dtype=dtype).tobytes())
                size = len(text.encode("utf-8", "surrogatepass"))
                for name, value in zip(
                    INDEX_SCHEMA.names, (doc, repo, lang, start, len(seq), size), strict=True
                ):
                    rows[name].append(value)
                start += len(seq)
                tokens[lang] += len(seq)
                docs[lang] += 1
                content_tokens[lang] += len(ids)
                nbytes[lang] += size
    pq.write_table(pa.table(rows, schema=INDEX_SCHEMA), out_dir / "index.parquet", compression="zstd")
    return {"tokens": tokens, "content_tokens": content_tokens, "bytes": nbytes, "docs": docs}


def run_tokenize(
    params: TokenizeParams,
    docs_dir: Path,
    out_dir: Path,
    metrics_path: Path,
    instructions: Path | None = None,
) -> dict[str, Any]:
    """Tokenize the documents and, when given, the instruct stage's records (as ``instruct``)."""
    val = val_repos(docs_dir, params.val_fraction, params.seed)
    if params.pretrained_path:
        tokenizer = bpe.load(params.pretrained_path)
    else:
        texts = (t for batch in _docs(docs_dir, val, "train", params, instructions) for t in batch["content"])
        tokenizer = bpe.train(texts, params.vocab_size, params.min_frequency, params.lang_tags)
    save_tokenizer(tokenizer, out_dir / "tokenizer")
    stats = {}
    started = time.perf_counter()
    for split in SPLITS:
        stats[split] = pack(
            tokenizer, _docs(docs_dir, val, split, params, instructions), out_dir / split, params.lang_tags
        )
    seconds = time.perf_counter() - started
    total: Counter[str] = stats["train"]["tokens"] + stats["val"]["tokens"]
    content = stats["train"]["content_tokens"] + stats["val"]["content_tokens"]
    nbytes = stats["train"]["bytes"] + stats["val"]["bytes"]
    metrics = {
        "tokens": dict(sorted(total.items())),
        "bytes_per_token": {
            lang: round(nbytes[lang] / content[lang], 3) for lang in sorted(content) if content[lang]
        },
        "tokens_per_s": round(sum(total.values()) / seconds) if seconds else None,
        "splits": {
            split: {
                "docs": sum(stats[split]["docs"].values()),
                "tokens": sum(stats[split]["tokens"].values()),
            }
            for split in SPLITS
        },
        "val_repos": sorted(val),
        "vocab_size": len(tokenizer),
    }
    write_metrics(metrics_path, metrics)
    meta = {
        "val_repos": sorted(val),
        "vocab_size": len(tokenizer),
        "dtype": _dtype(len(tokenizer)).str,
        "eos_id": eos_id(tokenizer),
        "pad_id": tokenizer.pad_token_id,
        "layout": LAYOUT,
    }
    (out_dir / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    return metrics
