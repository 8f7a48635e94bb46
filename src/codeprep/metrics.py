"""Metrics and plot files: small, sorted, atomic JSON/CSV that ``dvc metrics diff`` and ``dvc plots``
compare from git.

A stage's metrics are split in two so that ``dvc metrics show`` and ``dvc exp show`` stay readable:
``metrics/<name>.json`` holds the few headline figures (:data:`HEADLINE`), and
``metrics/detail/<name>.json`` the breakdowns (per language, per seed, per rule), the environment and
the config. dvc.yaml declares the detail file an uncached ``out``, so git and dvc.lock version it but
the experiment table does not list its hundreds of leaves. Every reader (report, gates, compare,
``codeprep show``) goes through :func:`read_metrics`, which merges the two back into one tree.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

#: The headline keys of each metrics file, as dotted paths (``*`` matches any one key); a path that
#: names a mapping keeps all of it. Everything else goes to the detail file. A file without an entry
#: is all headline (the small ones: clean, decontam, dedup, minhash, pairs).
HEADLINE: dict[str, tuple[str, ...]] = {
    "ingest": ("docs_in", "docs_out", "removed", "bytes_out", "skipped_dirs"),
    "langid": (
        "accuracy",
        "balanced_accuracy",
        "compatible_accuracy",
        "family_accuracy",
        "unambiguous_accuracy",
        "ambiguous_docs",
        "train_docs",
        "test_docs",
        "train_repos",
        "test_repos",
    ),
    "signals": ("docs", "js_backend", "lang_mismatch", "over_budget", "syntax_validity"),
    "filter": ("docs_in", "docs_out", "removed", "data_quality", "language_accuracy", "syntax_validity"),
    "eval_suite": ("hash", "packages", "completion"),
    "gates": ("failed", "warnings", "gates.*.passed"),
    "synth": ("mutants.attempted", "mutants.written", "mutants.validity", "pools", "teacher.*.accepted"),
    "instruct": (
        "records_in",
        "records_out",
        "removed",
        "code_blocks_checked",
        "code_validity",
        "mean_clarity",
        "mean_completeness",
    ),
    "tokenize": ("splits", "tokens_per_s", "vocab_size"),
    "mix": ("achieved", "target", "max_abs_error", "binding", "tokens", "unreachable"),
    "train": ("params", "seeds", "steps", "tokens", "final_loss.mean", "final_loss.std"),
    "eval": (
        "ctx",
        "seeds",
        "suite_hash",
        "bpb.*.all.mean",
        "bpb.*.all.std",
        "completion_bpb.*.mean",
        "completion_bpb.*.std",
    ),
    "bench": (
        "params",
        "model_bytes",
        "tokens_per_s",
        "prompt_tokens_per_s",
        "torch_tokens_per_s",
        "speedup_vs_torch",
        "gen_syntax_validity.*.mean",
    ),
}


def _round(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {k: _round(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_round(v) for v in value]
    return value


def ratio(numerator: float, denominator: float) -> float | None:
    """A fraction for a metrics file, or None (JSON null) when there is nothing to divide by."""
    return numerator / denominator if denominator else None


def _write_atomic(path: str | Path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_json(path: str | Path, data: Any) -> None:
    """Write with sorted keys and rounded floats so identical runs give identical bytes."""
    _write_atomic(path, json.dumps(_round(data), indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def write_csv(path: str | Path, rows: list[dict[str, Any]], fields: list[str]) -> None:
    """A plot table for ``dvc plots`` (rows in the caller's order, floats rounded)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(_round(rows))
    _write_atomic(path, buffer.getvalue())


def detail_path(path: str | Path) -> Path:
    """Where the breakdowns of the metrics file ``path`` go: ``detail/`` beside it, same name."""
    path = Path(path)
    return path.parent / "detail" / path.name


def _split(node: dict[str, Any], patterns: list[list[str]]) -> tuple[dict[str, Any], dict[str, Any]]:
    headline: dict[str, Any] = {}
    detail: dict[str, Any] = {}
    for key, value in node.items():
        matching = [p for p in patterns if p[0] in ("*", key)]
        if any(len(p) == 1 for p in matching):
            headline[key] = value
        elif matching and isinstance(value, dict):
            sub_headline, sub_detail = _split(value, [p[1:] for p in matching])
            if sub_headline:
                headline[key] = sub_headline
            if sub_detail:
                detail[key] = sub_detail
        else:
            detail[key] = value
    return headline, detail


def split_metrics(name: str, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """``(headline, detail)`` of the metrics ``<name>.json``; detail is None for an all-headline file."""
    if name not in HEADLINE:
        return data, None
    return _split(data, [pattern.split(".") for pattern in HEADLINE[name]])


def merge_metrics(headline: dict[str, Any], detail: dict[str, Any] | None) -> dict[str, Any]:
    """The whole tree again (the inverse of :func:`split_metrics`); a missing detail (an older commit,
    before the split) leaves the headline as it is."""
    merged = dict(headline)
    for key, value in (detail or {}).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_metrics(merged[key], value)
        else:
            merged.setdefault(key, value)
    return merged


def write_metrics(path: str | Path, data: dict[str, Any]) -> None:
    """A stage's metrics: the headline to ``path``, the breakdowns to :func:`detail_path`."""
    headline, detail = split_metrics(Path(path).stem, data)
    write_json(path, headline)
    if detail is not None:
        write_json(detail_path(path), detail)


def read_metrics(path: str | Path) -> dict[str, Any] | None:
    """The merged metrics of ``path`` (headline + detail), or None when ``path`` does not exist."""
    path = Path(path)
    if not path.is_file():
        return None
    detail = detail_path(path)
    return merge_metrics(
        json.loads(path.read_text(encoding="utf-8")),
        json.loads(detail.read_text(encoding="utf-8")) if detail.is_file() else None,
    )
