"""The one record schema every stage reads and writes, and the removed-record schema.

Later stages append signal columns to DOC_SCHEMA; the columns defined here are never renamed, so any
shard of any stage can be joined back to ingest by ``id``.
"""

from __future__ import annotations

import hashlib

import pyarrow as pa

DOC_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("repo", pa.string(), nullable=False),
        pa.field("version", pa.string()),
        pa.field("path", pa.string(), nullable=False),
        pa.field("license", pa.string(), nullable=False),
        pa.field("lang", pa.string(), nullable=False),
        pa.field("content", pa.string(), nullable=False),
        pa.field("size_bytes", pa.int64(), nullable=False),
        pa.field("encoding", pa.string(), nullable=False),
        pa.field("is_vendored", pa.bool_(), nullable=False),
        pa.field("is_minified", pa.bool_(), nullable=False),
        pa.field("is_generated", pa.bool_(), nullable=False),
    ]
)

#: The quality signals' columns (codeprep.signals.quality computes them).
QUALITY_FIELDS: tuple[tuple[str, str], ...] = (
    ("lines", "int64"),
    ("max_line_length", "int64"),
    ("mean_line_length", "float64"),
    ("alnum_fraction", "float64"),
    ("alpha_fraction", "float64"),
    ("comment_fraction", "float64"),
    ("blob_fraction", "float64"),
    ("numeric_fraction", "float64"),
    ("html_visible_chars", "int64"),
    ("html_visible_fraction", "float64"),
)

#: The signals stage's columns after DOC_SCHEMA's: what filter, clean, dedup and decontam read.
SIGNAL_FIELDS: tuple[tuple[str, str], ...] = (
    *QUALITY_FIELDS,
    ("syntax_ok", "bool"),
    ("syntax_error", "string"),
    ("syntax_line", "int64"),
    ("syntax_col", "int64"),
    ("syntax_parser", "string"),
    ("lang_pred", "string"),
    ("lang_prob", "float64"),
    ("lang_mismatch", "bool"),
)
SIGNALS_SCHEMA = pa.schema(
    [*DOC_SCHEMA, *(pa.field(name, pa.type_for_alias(kind)) for name, kind in SIGNAL_FIELDS)]
)

#: Every dropped record of every stage: why it went, and enough to find it again by id or path.
REMOVED_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("stage", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("detail", pa.string(), nullable=False),
        pa.field("repo", pa.string(), nullable=False),
        pa.field("version", pa.string()),
        pa.field("path", pa.string(), nullable=False),
    ]
)


def doc_id(source: str, repo: str, version: str | None, path: str, content: bytes) -> str:
    """Stable id: hash of where a document came from and its raw bytes.

    The repo and version are part of the locator because paths such as ``index.js`` repeat across
    packages; two byte-identical files in two packages are two records (dedup decides about them).
    """
    h = hashlib.blake2b(digest_size=16)
    for part in (source, repo, version or "", path):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    h.update(content)
    return h.hexdigest()
