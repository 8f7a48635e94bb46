"""The ingest stage: every configured input → one stream of documents, one log of refusals.

Each input in ``params.yaml`` (``ingest.inputs``) names a path and a format:

- ``npm``: a folder whose children are npm packages, unpacked (a folder with package.json) or packed
  (``.tgz``); what ``make data`` writes.
- ``repos``: a folder whose children are repositories (one repo per child folder).
- ``repo``: one folder that is one repository.
- ``records``: JSON Lines (``.jsonl``, ``.jsonl.gz``) or parquet datasets, one file or a folder of them.
- ``stackv2``: The Stack v2 smol-ids rows (parquet, one row per repository) whose contents
  ``codeprep data fetch-stack`` put in a blob store; options ``blobs`` (required), ``languages``,
  ``max_bytes``, ``skip_vendor``, ``skip_generated`` (see ``sources/stackv2.py``).

Conservation is exact: every item a reader yields is either a document or a recorded drop, so
``docs_in == docs_out + sum(removed)``.
"""

from __future__ import annotations

import posixpath
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from codeprep.metrics import write_csv, write_metrics
from codeprep.progress import progress
from codeprep.shards import DOC_SCHEMA, RemovedLog, ShardWriter, doc_id
from codeprep.sources import flags
from codeprep.sources.archive import is_archive
from codeprep.sources.decode import check_text, decode_bytes
from codeprep.sources.item import UNKNOWN_LICENSE, Origin, RawItem, display_path
from codeprep.sources.languages import language_of
from codeprep.sources.licence_text import repo_licence
from codeprep.sources.npm import iter_package_tree, iter_tarball
from codeprep.sources.params import IngestConfig, InputSpec
from codeprep.sources.records import is_record_file, iter_jsonl, iter_parquet
from codeprep.sources.stackv2 import iter_stackv2
from codeprep.sources.walk import read_regular_file, walk_folder

STAGE = "ingest"


def _children(path: Path) -> list[Path]:
    return sorted(path.iterdir(), key=lambda p: p.name)


def _repo(
    root: Path, spec: InputSpec, source: str, cfg: IngestConfig, skipped: Counter[str]
) -> Iterator[RawItem]:
    """One repository's files: its licence from the input entry, else from its own files."""
    origin = Origin(source, root.name, None, spec.license or repo_licence(root))
    yield from walk_folder(root, origin, cfg.max_bytes, skip=cfg.skip_dirs, skipped=skipped)


def iter_input(spec: InputSpec, cfg: IngestConfig, skipped: Counter[str]) -> Iterator[RawItem]:
    """All items of one configured input, in a deterministic order (folders skipped by name are
    counted in ``skipped``)."""
    path = spec.path
    if not path.exists():
        raise FileNotFoundError(
            f"ingest input {path} ({spec.format}) does not exist; see params.yaml ingest.inputs"
        )
    if spec.format == "records":
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if is_record_file(p))
        for file in files:
            if file.name.lower().endswith(".parquet"):
                yield from iter_parquet(file, spec.source or "parquet")
            else:
                yield from iter_jsonl(file, cfg.max_bytes, cfg.max_archive_bytes, spec.source or "jsonl")
        return
    if spec.format == "stackv2":
        if spec.stackv2 is None:
            raise ValueError(f"ingest input {path} (stackv2) has no options; it needs at least `blobs:`")
        yield from iter_stackv2(path, spec.stackv2, cfg.max_bytes, spec.source or "stackv2")
        return
    if spec.format == "repo":
        yield from _repo(path, spec, spec.source or "local", cfg, skipped)
        return
    source = spec.source or ("npm" if spec.format == "npm" else "local")
    loose = Origin(source, path.name, None, spec.license or UNKNOWN_LICENSE)
    for child in _children(path):
        if child.is_symlink():
            yield RawItem(
                loose, display_path(child.name), reason="symlink", detail="input entry is a symlink"
            )
        elif child.is_dir() and spec.format == "npm":
            yield from iter_package_tree(child, cfg.max_bytes, source)
        elif child.is_dir():
            if child.name in cfg.skip_dirs:
                skipped[child.name] += 1
                continue
            yield from _repo(child, spec, source, cfg, skipped)
        elif spec.format == "npm" and is_archive(child):
            yield from iter_tarball(child, cfg.max_bytes, cfg.max_archive_bytes, source)
        else:
            yield from _single_file(child, loose, cfg.max_bytes)


def _single_file(path: Path, origin: Origin, max_bytes: int) -> Iterator[RawItem]:
    data, reason, detail = read_regular_file(path, max_bytes)
    yield RawItem(origin, display_path(path.name), data=data, reason=reason, detail=detail)


def build_record(item: RawItem, max_bytes: int) -> tuple[dict[str, Any] | None, str, str, str]:
    """Return ``(record, "", "", id)`` or ``(None, reason, detail, id)`` for one item."""
    origin = item.origin
    raw = item.data if item.data is not None else (item.text or "").encode("utf-8", "surrogatepass")
    ident = doc_id(origin.source, origin.repo, origin.version, item.path, raw)
    if item.reason:
        return None, item.reason, item.detail, ident
    if item.text is not None:
        try:
            item.text.encode("utf-8")
        except UnicodeEncodeError:
            return None, "undecodable", "lone surrogate in record text", ident
        if len(raw) > max_bytes:
            return None, "too_large", f"{len(raw)} bytes > max_bytes {max_bytes}", ident
        decoded = check_text(item.text, item.encoding or "utf-8")
    else:
        decoded = decode_bytes(raw, posixpath.splitext(item.path)[1])
    if decoded.text is None:
        return None, decoded.reason or "undecodable", decoded.detail, ident
    text = decoded.text
    lang, how = language_of(item.path, raw[:256])
    if how == "default" and item.lang_hint:
        lang = item.lang_hint
    record = {
        "id": ident,
        "source": origin.source,
        "repo": origin.repo,
        "version": origin.version,
        "path": item.path,
        "license": origin.license,
        "lang": lang,
        "content": text,
        "size_bytes": len(text.encode("utf-8")),
        "encoding": decoded.encoding,
        "is_vendored": flags.is_vendored(item.path),
        "is_minified": flags.is_minified(item.path, text),
        "is_generated": flags.is_generated(item.path, text),
    }
    return record, "", "", ident


def run_ingest(
    cfg: IngestConfig, out_dir: Path, metrics_path: Path, plot_path: Path | None = None
) -> dict[str, Any]:
    """Read every input, write ``out_dir/docs`` and ``out_dir/removed`` shards, the metrics file and
    (optionally) the per-language plot table."""
    by_lang: dict[str, Counter[str]] = {}
    docs_in = docs_out = bytes_out = 0
    with (
        ShardWriter(out_dir / "docs", DOC_SCHEMA, cfg.shard_bytes) as docs,
        RemovedLog(out_dir / "removed", STAGE, cfg.shard_bytes) as removed,
    ):
        skipped: Counter[str] = Counter()
        items = (item for spec in cfg.inputs for item in iter_input(spec, cfg, skipped))
        for item in progress(items, desc="ingest", unit="file"):
            docs_in += 1
            try:
                record, reason, detail, ident = build_record(item, cfg.max_bytes)
            except Exception as err:
                record, reason, detail = None, "reader_error", f"{type(err).__name__}: {err}"
                ident = doc_id(item.origin.source, item.origin.repo, item.origin.version, item.path, b"")
            if record is None:
                removed.drop(ident, reason, detail, item.origin.repo, item.path, item.origin.version)
                continue
            docs.write(record)
            docs_out += 1
            bytes_out += record["size_bytes"]
            counts = by_lang.setdefault(record["lang"], Counter())
            counts["docs"] += 1
            counts["bytes"] += record["size_bytes"]
        removed_counts = dict(sorted(removed.counts.items()))
    metrics = {
        "docs_in": docs_in,
        "docs_out": docs_out,
        "bytes_out": bytes_out,
        "removed": removed_counts,
        "skipped_dirs": dict(sorted(skipped.items())),  # folders not entered (ingest.skip_dirs)
        "by_lang": {lang: dict(c) for lang, c in sorted(by_lang.items())},
    }
    if docs_in != docs_out + sum(removed_counts.values()):
        raise RuntimeError(f"ingest conservation violated: {metrics}")
    write_metrics(metrics_path, metrics)
    if plot_path is not None:
        rows = [
            {"lang": lang, "docs": c["docs"], "mb": c["bytes"] / 1e6}
            for lang, c in metrics["by_lang"].items()
        ]
        write_csv(plot_path, rows, ["lang", "docs", "mb"])
    print(
        f"ingest: {docs_in} in, {docs_out} kept ({bytes_out / 1e6:.1f} MB), removed {removed_counts}",
        file=sys.stderr,
    )
    return metrics
