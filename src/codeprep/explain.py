"""Find one record across every stage's outputs and say what happened to it, stage by stage.

Generic on purpose: a stage that adds signal columns to its docs, or writes removed records, shows up
here without changes, because every stage writes ``out/<stage>/docs`` and ``out/<stage>/removed``
with the shared schemas.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml

from codeprep.shards import shard_paths

ID_RE = re.compile(r"^[0-9a-f]{32}$")
MAX_MATCHES = 20


@dataclass(frozen=True)
class Hit:
    stage: str
    kind: str  # "docs" or "removed"
    row: dict[str, Any]


def stage_order(out_root: Path, dvc_yaml: Path = Path("dvc.yaml")) -> list[str]:
    """Stages in pipeline order (dvc.yaml), then any other output folder alphabetically."""
    order: list[str] = []
    if dvc_yaml.exists():
        order = list((yaml.safe_load(dvc_yaml.read_text(encoding="utf-8")) or {}).get("stages", {}))
    present = sorted(p.name for p in out_root.iterdir() if p.is_dir()) if out_root.exists() else []
    return [s for s in order if s in present] + [s for s in present if s not in order]


def _mask(table: pa.Table, query: str) -> pa.Array:
    """Rows whose id is ``query``, or whose ``path``, ``repo/path`` or ``repo@version/path`` is it or
    ends with ``/query``."""
    if ID_RE.match(query):
        return pc.equal(table["id"], query)
    candidates = [table["path"], pc.binary_join_element_wise(table["repo"], table["path"], "/")]
    if "version" in table.column_names:
        versioned = pc.binary_join_element_wise(table["repo"], table["version"], "@")
        candidates.append(pc.binary_join_element_wise(versioned, table["path"], "/"))
    mask = None
    for column in candidates:
        hit = pc.or_(pc.equal(column, query), pc.ends_with(column, "/" + query))
        mask = hit if mask is None else pc.or_kleene(mask, hit)
    return pc.fill_null(mask, False)


def locator(row: dict[str, Any]) -> str:
    """``repo@version/path`` (or ``repo/path``): how a person names a file."""
    repo = f"{row['repo']}@{row['version']}" if row.get("version") else row["repo"]
    return f"{repo}/{row['path']}"


def find(query: str, out_root: Path = Path("out")) -> Iterator[Hit]:
    for stage in stage_order(out_root):
        for kind in ("docs", "removed"):
            for shard in shard_paths(out_root / stage / kind):
                names = pq.read_schema(shard).names
                keys = pq.read_table(
                    shard, columns=[c for c in ("id", "repo", "version", "path") if c in names]
                )
                indices = pc.indices_nonzero(_mask(keys, query))
                if len(indices) == 0:
                    continue
                rows = pq.read_table(shard).take(indices)
                for row in rows.to_pylist():
                    yield Hit(stage, kind, row)


def resolve(query: str, out_root: Path = Path("out")) -> tuple[list[str], list[Hit]]:
    """Ids matching ``query`` (an id or a path) and every hit of the first one, in pipeline order."""
    hits = list(find(query, out_root))
    ids = sorted({h.row["id"] for h in hits})
    if len(ids) != 1:
        return ids, []
    if ID_RE.match(query):
        return ids, hits
    return ids, list(find(ids[0], out_root))


def format_hits(hits: list[Hit], content_lines: int = 12) -> str:
    lines: list[str] = []
    shown_fields: dict[str, Any] = {}
    for hit in hits:
        if hit.kind == "removed":
            row = hit.row
            lines.append(f"[{hit.stage}] REMOVED  reason={row['reason']}  {row['detail']}")
            continue
        row = dict(hit.row)
        content = row.pop("content", None)
        new = {k: v for k, v in row.items() if shown_fields.get(k, object()) != v}
        shown_fields.update(row)
        lines.append(f"[{hit.stage}] KEPT")
        lines.extend(f"    {k}: {_rounded(v)}" for k, v in new.items())
        if content is not None and hit is hits[0]:
            body = content.splitlines()
            lines.append(f"    content ({len(body)} lines, first {min(content_lines, len(body))}):")
            lines.extend("      | " + line[:160] for line in body[:content_lines])
    last = hits[-1] if hits else None
    if last is not None and last.kind == "docs":
        lines.append(f"=> kept through '{last.stage}'")
    elif last is not None:
        lines.append(f"=> dropped at '{last.stage}' ({last.row['reason']})")
    return "\n".join(lines)


def _rounded(value: Any) -> Any:
    """Floats to four significant digits (a signal of 0.8123456789 reads as 0.8123)."""
    return f"{value:.4g}" if isinstance(value, float) else value


def dedup_rule(reason: str, dedup: dict[str, Any]) -> str:
    """The rule behind a dedup removal, with its threshold and params key, as the filter rules say theirs."""
    if reason == "exact_duplicate":
        return "same content after normalising line endings and trailing spaces (exact; no threshold)"
    threshold = dedup.get("threshold", 0.8)
    how = (
        "exact shingle-set Jaccard"
        if dedup.get("verify", "exact") == "exact"
        else "MinHash-estimated Jaccard"
    )
    return (
        f"{how} >= {threshold} (dedup.threshold) with a member of its cluster, shingles of "
        f"{dedup.get('ngram', 5)} tokens (dedup.ngram); the keeper rule chose another member"
    )


def sample_ids(directory: Path, n: int, seed: int = 0) -> list[str]:
    """A deterministic sample: the ``n`` ids with the smallest seeded hash."""
    scored: list[tuple[str, str]] = []
    for shard in shard_paths(directory):
        for ident in pq.read_table(shard, columns=["id"])["id"].to_pylist():
            key = hashlib.blake2b(f"{seed}:{ident}".encode(), digest_size=8).hexdigest()
            scored.append((key, ident))
            if len(scored) > 4 * n:
                scored = sorted(scored)[:n]
    return [ident for _, ident in sorted(scored)[:n]]
