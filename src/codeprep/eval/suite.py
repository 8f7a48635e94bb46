"""Build the fixed evaluation suite from its own pinned npm packages (``manifest/npm-eval.json``,
fetched into ``data/eval``) with the fixed settings of :mod:`codeprep.eval.settings`.

The packages are read by the same readers as training data (:mod:`codeprep.sources`), so a file the
pipeline would refuse (binary, undecodable, too large) is refused here too; then only hand-written
text of the evaluated languages is kept: no minified, generated or vendored files, no TypeScript
declaration files (``.d.ts`` is compiler output in published packages), no licence texts, nothing under
``min_chars``, and one copy of each exact duplicate. Every exclusion is counted by reason in
``metrics/eval_suite.json``.

Outputs (``out/eval_suite``):

- ``docs.parquet``: every kept document; the decontam stage removes training documents from these
  packages or near-duplicate to one of these documents.
- ``sample.parquet``: the bits-per-byte sample, per group (see :class:`EvalSettings`).
- ``completion.jsonl``: the code-completion items (:mod:`codeprep.eval.completion`).
- ``suite.json``: the packages and the content hash.

The hash (``sha256:...``) covers every document, the sample and the items: two experiments report
the same hash exactly when they were measured on the same text.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict, deque
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from codeprep.eval.completion import completion_items
from codeprep.eval.settings import EVAL_GROUPS, EVAL_LANGS, SETTINGS, EvalSettings
from codeprep.languages import GROUPS
from codeprep.metrics import write_metrics
from codeprep.sources.ingest import build_record, iter_input
from codeprep.sources.params import IngestConfig, InputSpec

DOCS_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("repo", pa.string(), nullable=False),
        pa.field("version", pa.string()),
        pa.field("path", pa.string(), nullable=False),
        pa.field("lang", pa.string(), nullable=False),
        pa.field("group", pa.string(), nullable=False),
        pa.field("content", pa.string(), nullable=False),
    ]
)
SAMPLE_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("repo", pa.string(), nullable=False),
        pa.field("path", pa.string(), nullable=False),
        pa.field("lang", pa.string(), nullable=False),
        pa.field("group", pa.string(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
    ]
)
_DECLARATION = (".d.ts", ".d.mts", ".d.cts")
#: Licence texts: boilerplate, not code, and their wording sits in the header of thousands of
#: training files, which the near-duplicate rule would then remove.
_LICENCE_FILE = re.compile(r"(^|/)(licen[cs]e|copying|notice)([.-][^/]*)?$", re.IGNORECASE)


def _key(*parts: str) -> bytes:
    """A stable pseudo-random order that does not depend on file names sorting together."""
    return hashlib.blake2b("\x00".join(parts).encode("utf-8", "surrogatepass"), digest_size=8).digest()


def read_documents(eval_dir: Path, settings: EvalSettings) -> tuple[list[dict[str, Any]], Counter[str]]:
    """Kept documents in (repo, version, path) order, and the exclusions by reason."""
    cfg = IngestConfig((InputSpec(eval_dir, "npm"),), settings.max_file_bytes, 1 << 30, 64 << 20)
    excluded: Counter[str] = Counter()
    docs: list[dict[str, Any]] = []
    for item in iter_input(cfg.inputs[0], cfg, Counter()):  # npm trees skip no folders
        try:
            record, reason, _, _ = build_record(item, cfg.max_bytes)
        except Exception:  # a reader bug on one file must not lose the suite (ingest does the same)
            record, reason = None, "reader_error"
        if record is None:
            excluded[reason] += 1
            continue
        why = _exclusion(record, settings)
        if why:
            excluded[why] += 1
            continue
        docs.append(
            {k: record[k] for k in ("id", "repo", "version", "path", "lang", "content")}
            | {"group": EVAL_LANGS[record["lang"]]}
        )
    docs.sort(key=lambda d: (d["repo"], d["version"] or "", d["path"]))
    seen: set[bytes] = set()
    unique = []
    for doc in docs:
        digest = hashlib.sha256(doc["content"].encode("utf-8", "surrogatepass")).digest()
        if digest in seen:
            excluded["duplicate"] += 1
            continue
        seen.add(digest)
        unique.append(doc)
    return unique, excluded


def _exclusion(record: dict[str, Any], settings: EvalSettings) -> str:
    if record["lang"] not in EVAL_LANGS:
        return "not_evaluated_language"
    if record["path"].endswith(_DECLARATION):
        return "declaration_file"
    if _LICENCE_FILE.search(record["path"]):
        return "licence_text"
    for flag in ("is_minified", "is_generated", "is_vendored"):
        if record[flag]:
            return flag.removeprefix("is_")
    if len(record["content"]) < settings.min_chars:
        return "too_short"
    return ""


def excerpt(text: str, limit: int, key: str) -> str:
    """At most ``limit`` UTF-8 bytes of whole lines of ``text``, from a line start chosen by ``key``.

    A file's head is not like the rest of it (licence banners, imports), and the proxy trains on
    windows from anywhere in its documents, so a long document contributes a stretch from a
    pseudo-random position (fixed by the document id), not its first bytes. A text within the limit is
    kept whole; a single line longer than the limit is cut, never in the middle of a character.
    """
    raw = text.encode("utf-8", "surrogatepass")
    if len(raw) <= limit:
        return text
    offset = int.from_bytes(_key(key), "little") % (len(raw) - limit + 1)
    if offset:
        newline = raw.find(b"\n", offset - 1)
        offset = newline + 1 if 0 <= newline < len(raw) - 1 else 0
    head = raw[offset : offset + limit]
    newline = head.rfind(b"\n")
    return (head[: newline + 1] if newline > 0 else head).decode("utf-8", "ignore")


def _round_robin(queues: list[deque[Any]]) -> Iterator[Any]:
    live = deque(q for q in queues if q)
    while live:
        queue = live.popleft()
        yield queue.popleft()
        if queue:
            live.append(queue)


def sample(docs: list[dict[str, Any]], settings: EvalSettings) -> list[dict[str, Any]]:
    """The bits-per-byte sample: per group, round-robin over its languages and, within a language,
    over packages, an :func:`excerpt` of each document, until ``sample_group_bytes``."""
    by_lang_repo: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for doc in docs:
        by_lang_repo[doc["lang"]][doc["repo"]].append(doc)
    rows = []
    for group in EVAL_GROUPS:
        per_lang = []
        for lang in GROUPS[group]:
            repos = by_lang_repo.get(lang, {})
            queues = [deque(sorted(repos[repo], key=lambda d: _key(d["id"]))) for repo in sorted(repos)]
            per_lang.append(deque(_round_robin(queues)))
        total = 0
        for doc in _round_robin(per_lang):
            if total >= settings.sample_group_bytes:
                break
            text = excerpt(doc["content"], settings.sample_doc_bytes, doc["id"])
            if len(text) < settings.min_chars:
                continue
            rows.append({k: doc[k] for k in ("id", "repo", "path", "lang", "group")} | {"text": text})
            total += len(text.encode("utf-8", "surrogatepass"))
    return rows


def completion(docs: list[dict[str, Any]], settings: EvalSettings) -> list[dict[str, Any]]:
    """Up to ``completion_items`` items, round-robin over packages in a stable pseudo-random order."""
    by_repo: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for doc in docs:
        if doc["group"] == "js_ts":
            for item in completion_items(doc["content"], doc["lang"], doc["repo"], doc["path"], settings):
                by_repo[doc["repo"]].append(item)
    queues = [
        deque(sorted(items, key=lambda i: _key(i["path"], str(i["line"]), i["name"])))
        for _, items in sorted(by_repo.items())
    ]
    return [
        item | {"id": f"{item['repo']}/{item['path']}#L{item['line']}"}
        for _, item in zip(range(settings.completion_items), _round_robin(queues), strict=False)
    ]


def content_hash(docs: list[dict[str, Any]], rows: list[dict[str, Any]], items: list[dict[str, Any]]) -> str:
    digest = hashlib.sha256()
    for part in (
        [(d["id"], d["lang"], d["content"]) for d in docs],
        [(r["id"], r["group"], r["text"]) for r in rows],
        [(i["id"], i["prompt"], i["target"]) for i in items],
    ):
        for fields in part:
            for value in fields:
                digest.update(value.encode("utf-8", "surrogatepass"))
                digest.update(b"\x00")
        digest.update(b"\x01")
    return "sha256:" + digest.hexdigest()


def _utf8(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def build_suite(
    eval_dir: Path, out_dir: Path, metrics_path: Path, settings: EvalSettings = SETTINGS
) -> dict[str, Any]:
    """Read the eval packages, write the suite's files and ``metrics/eval_suite.json``."""
    if not eval_dir.is_dir() or not any(eval_dir.iterdir()):
        raise FileNotFoundError(
            f"evaluation packages missing: {eval_dir} is empty; run `make data` "
            "(codeprep data fetch --manifest manifest/npm-eval.json --dest data/eval)"
        )
    docs, excluded = read_documents(eval_dir, settings)
    rows = sample(docs, settings)
    items = completion(docs, settings)
    missing = [g for g in EVAL_GROUPS if not any(r["group"] == g for r in rows)]
    if missing or not items:
        raise ValueError(
            f"the evaluation packages in {eval_dir} give no sample for {missing or 'code completion'}: "
            "the suite must cover every group"
        )
    digest = content_hash(docs, rows, items)
    out_dir.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.Table.from_pylist(docs, schema=DOCS_SCHEMA), out_dir / "docs.parquet", compression="zstd"
    )
    pq.write_table(
        pa.Table.from_pylist(rows, schema=SAMPLE_SCHEMA), out_dir / "sample.parquet", compression="zstd"
    )
    with (out_dir / "completion.jsonl").open("w", encoding="utf-8") as f:
        for item in items:
            f.write(json.dumps(item, ensure_ascii=False, sort_keys=True) + "\n")
    packages = sorted({(d["repo"], d["version"] or "") for d in docs})
    suite = {"hash": digest, "packages": [{"name": n, "version": v} for n, v in packages]}
    (out_dir / "suite.json").write_text(json.dumps(suite, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    sample_stats: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        sample_stats[row["group"]]["docs"] += 1
        sample_stats[row["group"]]["bytes"] += _utf8(row["text"])
    metrics = {
        "hash": digest,
        "packages": len(packages),
        "docs": dict(sorted(Counter(d["lang"] for d in docs).items())),
        "excluded": dict(sorted(excluded.items())),
        "sample": {g: dict(sample_stats[g]) for g in EVAL_GROUPS},
        "completion": {
            "items": len(items),
            "packages": len({i["repo"] for i in items}),
            "target_bytes": sum(_utf8(i["target"]) for i in items),
        },
        "settings": asdict(settings),
    }
    write_metrics(metrics_path, metrics)
    return metrics


def load_suite(suite_dir: Path) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    """``(hash, sample rows, completion items)`` of a built suite, or a clear error."""
    meta = suite_dir / "suite.json"
    if not meta.is_file():
        raise FileNotFoundError(f"{meta} is missing: run `dvc repro eval_suite`")
    digest = json.loads(meta.read_text(encoding="utf-8"))["hash"]
    rows = pq.read_table(suite_dir / "sample.parquet").to_pylist()
    with (suite_dir / "completion.jsonl").open(encoding="utf-8") as f:
        items = [json.loads(line) for line in f]
    return digest, rows, items
