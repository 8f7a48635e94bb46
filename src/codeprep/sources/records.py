"""Datasets of documents as records: JSON Lines (optionally gzip) and parquet, e.g. exports of The Stack,
CodeSearchNet or a user's own corpus.

Field names differ between corpora, so each role (content, path, repo, licence, language) is looked
up in a list of known names. A malformed line or a record without content is refused with a reason;
the rest of the file is still read. Decompression and line length are bounded.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow.parquet as pq

from codeprep.languages import DATASET_LABELS
from codeprep.sources.item import UNKNOWN_LICENSE, Origin, RawItem

CONTENT_FIELDS = ("content", "text", "code", "whole_func_string", "original_string")
PATH_FIELDS = ("path", "max_stars_repo_path", "func_path_in_repository", "file_path", "filepath")
REPO_FIELDS = ("repo", "repo_name", "max_stars_repo_name", "repository_name")
LICENSE_FIELDS = ("license", "licenses", "max_stars_repo_licenses", "detected_licenses", "license_type")
LANG_FIELDS = ("lang", "language")

RECORD_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".parquet")


def is_record_file(path: str | Path) -> bool:
    return str(path).lower().endswith(RECORD_SUFFIXES)


def _first(record: dict[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        value = record.get(name)
        if value not in (None, "", []):
            return value
    return None


def _license(value: Any) -> str:
    if isinstance(value, list | tuple):
        items = [str(v) for v in value if v]
        if not items:
            return UNKNOWN_LICENSE
        return items[0] if len(items) == 1 else "(" + " OR ".join(items) + ")"
    return str(value) if value else UNKNOWN_LICENSE


def record_item(record: Any, source: str, fallback_repo: str, locator: str) -> RawItem:
    """One record as a RawItem; ``locator`` (file#line) names records that carry no path."""
    if not isinstance(record, dict):
        return RawItem(
            Origin(source, fallback_repo), locator, reason="bad_record", detail="not a JSON object"
        )
    repo = _first(record, REPO_FIELDS)
    origin = Origin(
        source, str(repo) if repo else fallback_repo, None, _license(_first(record, LICENSE_FIELDS))
    )
    path = _first(record, PATH_FIELDS)
    path = str(path) if path else locator
    content = _first(record, CONTENT_FIELDS)
    if not isinstance(content, str):
        return RawItem(
            origin, path, reason="bad_record", detail=f"no text in any of {', '.join(CONTENT_FIELDS)}"
        )
    lang = _first(record, LANG_FIELDS)
    hint = DATASET_LABELS.get(str(lang).lower()) if lang else None
    return RawItem(origin, path, text=content, lang_hint=hint)


class _Budget:
    """Counts decompressed bytes read from one file and stops at the limit."""

    def __init__(self, fh: BinaryIO, limit: int) -> None:
        self.fh, self.limit, self.used = fh, limit, 0

    def readline(self, size: int) -> bytes:
        line = self.fh.readline(min(size, self.limit - self.used + 1))
        self.used += len(line)
        return line


def iter_jsonl(path: Path, max_bytes: int, max_total_bytes: int, source: str = "jsonl") -> Iterator[RawItem]:
    repo = path.name.split(".")[0]
    max_line = max_bytes * 2 + 4096  # JSON escaping can double a document's size
    try:
        opener = gzip.open if path.name.lower().endswith(".gz") else open
        with opener(path, "rb") as raw:
            fh = _Budget(raw, max_total_bytes)
            lineno = 0
            while True:
                line = fh.readline(max_line + 1)
                if not line:
                    return
                lineno += 1
                locator = f"{path.name}#L{lineno}"
                if fh.used > max_total_bytes:
                    yield RawItem(
                        Origin(source, repo),
                        locator,
                        reason="archive_too_large",
                        detail=f"decompressed size passed max_archive_bytes {max_total_bytes}; rest not read",
                    )
                    return
                if len(line) > max_line and not line.endswith(b"\n"):
                    while line and not line.endswith(b"\n") and fh.used <= max_total_bytes:
                        line = fh.readline(1 << 20)
                    yield RawItem(
                        Origin(source, repo),
                        locator,
                        reason="too_large",
                        detail=f"record line over {max_line} bytes",
                    )
                    continue
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as err:
                    yield RawItem(
                        Origin(source, repo), locator, reason="bad_record", detail=f"invalid JSON: {err}"
                    )
                    continue
                yield record_item(record, source, repo, locator)
    except (OSError, EOFError, zlib.error) as err:
        yield RawItem(
            Origin(source, repo), path.name, reason="bad_archive", detail=f"{type(err).__name__}: {err}"
        )


def iter_parquet(path: Path, source: str = "parquet", batch_size: int = 256) -> Iterator[RawItem]:
    repo = path.name.split(".")[0]
    row = 0
    try:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_size):
            for record in batch.to_pylist():
                row += 1
                yield record_item(record, source, repo, f"{path.name}#row{row}")
    except Exception as err:
        yield RawItem(
            Origin(source, repo), path.name, reason="bad_archive", detail=f"{type(err).__name__}: {err}"
        )
