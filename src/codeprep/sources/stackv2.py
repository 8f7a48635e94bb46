"""The Stack v2 (``train-smol-ids``): one parquet row per repository, file contents in a blob store.

The smol-ids rows carry no file contents, only Software Heritage blob ids; ``codeprep data fetch-stack``
(``s3_fetch``) downloads the selected blobs into ``<store>/<blob_id[:2]>/<blob_id>`` and the ``stackv2``
ingest format reads them back here. Both sides use the same ``Selection`` so they agree on which files
are wanted.

Choices, and why:

- Languages are The Stack's own labels (go-enry/linguist names: ``JavaScript``, ``TSX``, ``SCSS``...),
  mapped to the pipeline's canonical names. The label is only a hint: ingest names a file's language
  from its extension, as for every other source, and uses the label when the extension says nothing.
- ``is_vendor`` / ``is_generated`` are kept by default. The filter stage has its own, measured
  vendored/generated rules and records every drop with its reason; dropping here would hide those
  files from its metrics. ``skip_vendor`` / ``skip_generated`` drop them at ingest (recorded as
  ``vendored`` / ``generated``) for runs that trust The Stack's flags and want to save the download.
- Contents are decoded with the file's declared ``src_encoding`` (what The Stack detected), not
  re-guessed: a byte-order mark still wins, and legacy labels decode with the superset real files use
  under that label (WHATWG's choices: GB2312/GBK → GB18030, ISO-8859-1/ASCII → Windows-1252,
  Shift_JIS → CP932, EUC-KR → CP949, Big5 → Big5-HKSCS). An unknown label or bytes the codec
  refuses are recorded as ``undecodable``, like every other source's.
- ``detected_licenses`` lists every licence ScanCode found in the repository, not alternatives the
  user may pick from, so a file is taken to be under all of them: they are joined with ``AND``
  (sorted, so the expression is stable). No detected licence, or ``license_type`` ``no_license``,
  is ``UNKNOWN``.
"""

from __future__ import annotations

import codecs
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from codeprep.languages import STACK_LANGUAGES
from codeprep.sources.item import UNKNOWN_LICENSE, Origin, RawItem, display_path
from codeprep.sources.walk import read_regular_file

SOURCE = "stackv2"

_BY_LOWER = {name.lower(): name for name in STACK_LANGUAGES}

#: The row columns read; the rest of the smol-ids schema (stars, GHA metadata...) is not needed.
ROW_COLUMNS = ("repo_name", "revision_id", "snapshot_id", "files")
#: A Software Heritage content id (SHA-1, lower-case hex); it becomes a file name and an S3 key.
BLOB_ID = re.compile(r"[0-9a-f]{40}")

#: Byte-order marks (UTF-32-LE's begins with UTF-16-LE's); data that starts with one goes to ingest's decoder.
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE)
#: Declared codec → the superset real files under that label use (tried first, then the codec itself).
_SUPERSETS = {
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
    "big5": "big5hkscs",
    "utf-16": "utf-16-le",  # no BOM (a BOM is handled before): little-endian, as Windows writes it
    "utf-32": "utf-32-le",
}
#: Python text codecs that are transformations, not character sets: never a file's encoding.
_NOT_CHARSETS = frozenset(["unicode-escape", "raw-unicode-escape", "punycode", "idna", "undefined"])

#: Keys of ``selected_blobs``'s counts besides the refusal reasons.
ROWS, FILES, SELECTED, OTHER_LANGUAGE = "rows", "files", "selected", "other_language"


@dataclass(frozen=True)
class Selection:
    """Which files of a row are wanted. ``languages`` holds The Stack's labels (``STACK_LANGUAGES``)."""

    languages: frozenset[str] = frozenset(STACK_LANGUAGES)
    max_bytes: int | None = None
    skip_vendor: bool = False
    skip_generated: bool = False

    @classmethod
    def create(
        cls,
        languages: Iterable[str] | None = None,
        max_bytes: int | None = None,
        skip_vendor: bool = False,
        skip_generated: bool = False,
    ) -> Selection:
        """Validate user input (params or CLI): language names are matched case-insensitively."""
        chosen = set()
        for name in languages if languages is not None else STACK_LANGUAGES:
            label = _BY_LOWER.get(str(name).strip().lower())
            if label is None:
                raise ValueError(
                    f"stackv2 language {name!r} is not one of {', '.join(STACK_LANGUAGES)} "
                    "(The Stack's own labels for the pipeline's languages)"
                )
            chosen.add(label)
        if not chosen:
            raise ValueError("stackv2 languages: empty list; leave it out for the default set")
        if max_bytes is not None and int(max_bytes) <= 0:
            raise ValueError(f"stackv2 max_bytes must be positive, not {max_bytes!r}")
        return cls(
            frozenset(chosen), None if max_bytes is None else int(max_bytes), skip_vendor, skip_generated
        )

    def decide(self, file: dict[str, Any]) -> tuple[str, str] | None:
        """``None``: not a wanted language (not read at all). ``("", "")``: wanted. Otherwise the
        ``(reason, detail)`` of a wanted-language file that is refused before download."""
        if file.get("language") not in self.languages:
            return None
        blob_id = file.get("blob_id")
        if not isinstance(blob_id, str) or not BLOB_ID.fullmatch(blob_id):
            return "bad_record", f"blob_id {blob_id!r} is not a 40-hex Software Heritage id"
        length = file.get("length_bytes")
        if self.max_bytes is not None and isinstance(length, int) and length > self.max_bytes:
            return "too_large", f"length_bytes {length} > stackv2 max_bytes {self.max_bytes}"
        if self.skip_vendor and file.get("is_vendor"):
            return "vendored", "The Stack's is_vendor (stackv2 skip_vendor)"
        if self.skip_generated and file.get("is_generated"):
            return "generated", "The Stack's is_generated (stackv2 skip_generated)"
        return "", ""


@dataclass(frozen=True)
class StackInput:
    """The ``stackv2`` options of one ``ingest.inputs`` entry: where the blobs are, which files."""

    blobs: Path
    selection: Selection = field(default_factory=Selection)

    KEYS = frozenset(
        ["path", "format", "source", "blobs", "languages", "max_bytes", "skip_vendor", "skip_generated"]
    )

    @classmethod
    def from_params(cls, spec: dict[str, Any], root: Path = Path()) -> StackInput:
        """Parse one params entry; unknown keys are errors, so a typo cannot widen the selection."""
        unknown = sorted(set(spec) - cls.KEYS)
        if unknown:
            raise ValueError(f"ingest.inputs {spec.get('path')!r} (stackv2): unknown keys {unknown}")
        if not spec.get("blobs"):
            raise ValueError(
                f"ingest.inputs {spec.get('path')!r} (stackv2): `blobs:` (the fetch-stack --dest) is required"
            )
        selection = Selection.create(
            spec.get("languages"),
            spec.get("max_bytes"),
            bool(spec.get("skip_vendor", False)),
            bool(spec.get("skip_generated", False)),
        )
        return cls(root / spec["blobs"], selection)


def blob_path(store: Path, blob_id: str) -> Path:
    """Where a blob's decompressed bytes live: 256 sub-folders keep directories small."""
    return store / blob_id[:2] / blob_id


def rows_files(path: Path) -> list[Path]:
    """One parquet file, or every ``*.parquet`` under a folder, in a stable order."""
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*.parquet") if p.is_file())


def iter_rows(file: Path, batch_size: int = 16) -> Iterator[dict[str, Any]]:
    """The rows of one smol-ids parquet file, a few at a time (a row holds a whole repository's list)."""
    parquet = pq.ParquetFile(file)
    for batch in parquet.iter_batches(batch_size=batch_size, columns=list(ROW_COLUMNS)):
        yield from batch.to_pylist()


def files_of(row: dict[str, Any]) -> list[dict[str, Any]] | None:
    """A row's file structs, or ``None`` when the row has no usable list."""
    files = row.get("files")
    if not isinstance(files, list):
        return None
    return [f for f in files if isinstance(f, dict)]


def selected_blobs(file: Path, selection: Selection, counts: Counter[str]) -> list[str]:
    """Sorted unique blob ids of one rows file's wanted files; ``counts`` gets rows, files, selected and
    each refusal reason. Raises what pyarrow raises on an unreadable file."""
    blobs: set[str] = set()
    for row in iter_rows(file):
        counts[ROWS] += 1
        files = files_of(row)
        if files is None:
            counts["bad_record"] += 1
            continue
        for f in files:
            counts[FILES] += 1
            decision = selection.decide(f)
            if decision is None:
                counts[OTHER_LANGUAGE] += 1
            elif decision[0]:
                counts[decision[0]] += 1
            else:
                counts[SELECTED] += 1
                blobs.add(f["blob_id"])
    return sorted(blobs)


def spdx_license(detected: Any, license_type: Any = None) -> str:
    """All detected licences joined with ``AND`` (see the module docstring), or ``UNKNOWN``."""
    if license_type == "no_license" or not isinstance(detected, list | tuple):
        return UNKNOWN_LICENSE
    ids = sorted({str(d).strip() for d in detected if d and str(d).strip()})
    if not ids:
        return UNKNOWN_LICENSE
    if len(ids) == 1:
        return ids[0]
    return " AND ".join(f"({i})" if " " in i else i for i in ids)


def decode_declared(data: bytes, label: str) -> tuple[str | None, str]:
    """``(text, codec)`` decoded with the declared encoding (its usual superset first; ``codec`` is the
    one that decoded it, recorded as the document's ``encoding``), or ``(None, detail)``. Call only for
    data without a byte-order mark (ingest's decoder handles those)."""
    try:
        codec = codecs.lookup(label).name
    except (LookupError, TypeError, ValueError):
        return None, f"unknown src_encoding {label!r}"
    if codec in _NOT_CHARSETS:
        return None, f"src_encoding {label!r} is not a character set"
    error = ""
    for candidate in dict.fromkeys((_SUPERSETS.get(codec, codec), codec)):
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError as err:
            error = error or f"{candidate}: {err.reason} at byte {err.start}"
        except LookupError:
            return None, f"src_encoding {label!r} is not a text encoding"
    return None, f"declared src_encoding {label!r} does not decode ({error})"


def _repo_path(path: Any, blob_id: str) -> str:
    """The Stack's paths start with ``/``; other readers' are relative to the repository."""
    text = str(path).lstrip("/") if path else ""
    return display_path(text) if text else blob_id


def file_item(origin: Origin, file: dict[str, Any], stack: StackInput, max_bytes: int) -> RawItem | None:
    """One file of a row as a RawItem (text, bytes for ingest's decoder, or a refusal), or ``None`` for
    a language not selected."""
    decision = stack.selection.decide(file)
    if decision is None:
        return None
    blob_id = str(file.get("blob_id"))
    path = _repo_path(file.get("path"), blob_id)
    hint = STACK_LANGUAGES.get(str(file.get("language")))
    reason, detail = decision
    if reason:
        return RawItem(origin, path, reason=reason, detail=detail, lang_hint=hint)
    blob = blob_path(stack.blobs, blob_id)
    if not os.path.lexists(blob):
        return RawItem(
            origin,
            path,
            reason="missing_blob",
            detail=f"blob {blob_id} not in {stack.blobs} (fetch outcome: its manifest.jsonl)",
            lang_hint=hint,
        )
    # UTF-32 spends 4 bytes on a character UTF-8 stores in 1: read enough to decode, then ingest
    # applies max_bytes to the UTF-8 text.
    data, reason, detail = read_regular_file(blob, 4 * max_bytes + 4)
    if data is None:
        return RawItem(origin, path, reason=reason, detail=detail, lang_hint=hint)
    label = file.get("src_encoding")
    if not label or data.startswith(_BOMS):
        return RawItem(origin, path, data=data, lang_hint=hint)  # BOM or no label: ingest's decoder
    text, codec = decode_declared(data, str(label))
    if text is None:
        return RawItem(origin, path, reason="undecodable", detail=codec, lang_hint=hint)
    return RawItem(origin, path, text=text, lang_hint=hint, encoding=codec)


def _row_items(
    row: dict[str, Any], stack: StackInput, max_bytes: int, source: str, locator: str
) -> Iterator[RawItem]:
    repo = str(row.get("repo_name") or locator)
    version = row.get("revision_id") or row.get("snapshot_id") or None
    files = files_of(row)
    if files is None:
        yield RawItem(
            Origin(source, repo, version), locator, reason="bad_record", detail="row has no files list"
        )
        return
    for file in files:
        origin = Origin(
            source, repo, version, spdx_license(file.get("detected_licenses"), file.get("license_type"))
        )
        item = file_item(origin, file, stack, max_bytes)
        if item is not None:
            yield item


def iter_stackv2(rows: Path, stack: StackInput, max_bytes: int, source: str = SOURCE) -> Iterator[RawItem]:
    """Every selected file of every row, in file, row and list order; an unreadable parquet file is
    one ``bad_archive`` drop and the next file is read."""
    if not stack.blobs.is_dir():
        raise FileNotFoundError(
            f"stackv2 blob store {stack.blobs} does not exist; run `codeprep data fetch-stack` first"
        )
    for file in rows_files(rows):
        rows_iter, number = iter_rows(file), 0
        while True:
            try:
                row = next(rows_iter)
            except StopIteration:
                break
            except Exception as err:  # pyarrow raises several types for a bad or foreign file
                yield RawItem(
                    Origin(source, file.name.split(".")[0]),
                    f"{file.name}#row{number + 1}",
                    reason="bad_archive",
                    detail=f"{type(err).__name__}: {err}",
                )
                break
            number += 1
            yield from _row_items(row, stack, max_bytes, source, f"{file.name}#row{number}")
