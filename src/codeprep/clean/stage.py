"""The clean stage: licence allow-list, cleaning rules, secret/PII redaction, in that order, per document.

It runs after ``filter`` and **before** ``minhash``/``dedup``: cleaning and redaction change the text
(line endings, trailing spaces, debug statements, placeholders), and the exact-duplicate key and the
MinHash signatures must describe the text that is kept, or two files that differ only in CRLF or in a
leaked key would be judged on bytes nobody trains on. It also means dedup never keeps the one copy
that still holds a secret.

A cleaned document is re-validated with the syntax signal's parser; if it parsed before and would not
after, the original is kept (``reverted_to_original``), so ``broken_by_cleaning`` is 0 by
construction and counted to prove it. Redaction is never undone (privacy before syntax): if a
placeholder breaks the parser, the bare form ``REDACTED_KIND`` is tried, and a document still broken
is counted in ``broken_by_redaction``. The quality signals of the signals stage describe the text
before cleaning; ``content`` and ``size_bytes`` are updated.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codeprep.clean.licence import allowed
from codeprep.clean.rules import CleanParams, clean
from codeprep.clean.secrets import SecretsParams, find, redact
from codeprep.execute.local import map_shards
from codeprep.execute.params import ExecuteParams
from codeprep.execute.record_map import Counts, Drop, RecordMap
from codeprep.metrics import write_csv, write_metrics
from codeprep.shards import SIGNALS_SCHEMA
from codeprep.signals.syntax import check

STAGE = "clean"
MANIFEST_FIELDS = ["source", "repo", "version", "license", "allowed", "files_in", "files_out"]


@dataclass(frozen=True)
class CleanConfig:
    allow: tuple[str, ...]
    rules: CleanParams
    secrets: SecretsParams
    js_backend: str = "tree-sitter"


def _parses(lang: str, text: str, js_backend: str) -> bool:
    return check(lang, text, js_backend).ok is True


@dataclass(frozen=True)
class CleanTask(RecordMap):
    """The licence allow-list (a drop), then the cleaning rules and redaction (a rewrite)."""

    config: CleanConfig

    def map_record(self, record: dict[str, Any], counts: Counts, resource: Any) -> dict[str, Any] | Drop:
        key = "\x00".join([record["source"], record["repo"], record["version"] or "", record["license"]])
        counts.groups["licence_in"][key] += 1
        if not allowed(record["license"], self.config.allow):
            return Drop("licence", f"licence {record['license']!r} is not in licence.allow")
        self._clean(record, counts.groups["stats"], counts.groups["changes"], counts.groups["redactions"])
        counts.groups["licence_out"][key] += 1
        return record

    def summary(self, counts: Counts) -> dict[str, Any]:
        """Per package version and licence: files in and out (the licence manifest)."""
        files_in, files_out = counts.groups["licence_in"], counts.groups["licence_out"]
        stats = counts.groups["stats"] | {
            "docs_in": counts.total("docs_in"),
            "docs_out": counts.total("docs_out"),
        }
        return {
            "stats": dict(stats),
            "changes": dict(counts.groups["changes"]),
            "redactions": dict(counts.groups["redactions"]),
            "licences": {key: [files_in[key], files_out[key]] for key in files_in},
        }

    def _clean(
        self, record: dict[str, Any], stats: Counter[str], changes: Counter[str], redactions: Counter[str]
    ) -> None:
        lang, text, backend = record["lang"], record["content"], self.config.js_backend
        was_valid = record["syntax_ok"] is True
        cleaned, made = clean(text, lang, self.config.rules)
        if cleaned != text:
            if was_valid and not _parses(lang, cleaned, backend):
                stats["reverted_to_original"] += 1
            else:
                stats["docs_touched"] += 1
                changes.update(made)
                text = cleaned
        redaction_broke = False
        if self.config.secrets.enabled:
            findings = find(text, self.config.secrets, lang)
            if findings:
                redacted = redact(text, findings, lang)
                if was_valid and not _parses(lang, redacted, backend):
                    redacted = redact(text, findings, lang, bare=True)
                    redaction_broke = not _parses(lang, redacted, backend)
                    stats["broken_by_redaction"] += redaction_broke
                text = redacted
                stats["docs_redacted"] += 1
                redactions.update(f.type for f in findings)
        if (
            was_valid
            and not redaction_broke
            and text != record["content"]
            and not _parses(lang, text, backend)
        ):
            stats["broken_by_cleaning"] += 1  # the check the revert above makes impossible, kept as proof
        record["content"] = text
        record["size_bytes"] = len(text.encode("utf-8", "surrogatepass"))


def run_clean(
    config: CleanConfig,
    in_dir: Path,
    out_dir: Path,
    metrics_path: Path,
    manifest_path: Path,
    execute: ExecuteParams,
) -> dict[str, Any]:
    results = map_shards(
        CleanTask(config), in_dir, out_dir / "docs", out_dir / "removed", SIGNALS_SCHEMA, STAGE, execute
    )
    stats: Counter[str] = Counter()
    changes: Counter[str] = Counter()
    redactions: Counter[str] = Counter()
    removed: Counter[str] = Counter()
    licences: dict[str, list[int]] = {}
    for result in results:
        stats.update(result.stats["stats"])
        changes.update(result.stats["changes"])
        redactions.update(result.stats["redactions"])
        removed.update(result.removed)
        for key, (files_in, files_out) in result.stats["licences"].items():
            both = licences.setdefault(key, [0, 0])
            both[0] += files_in
            both[1] += files_out
    metrics = {
        "docs_in": stats["docs_in"],
        "docs_out": stats["docs_out"],
        "removed": dict(sorted(removed.items())),
        "changes": dict(sorted(changes.items())),
        "docs_touched": stats["docs_touched"],
        "reverted_to_original": stats["reverted_to_original"],
        "broken_by_cleaning": stats["broken_by_cleaning"],
        "redactions": {kind: redactions[kind] for kind in ("EMAIL", "IP_ADDRESS", "KEY", "PASSWORD")},
        "docs_redacted": stats["docs_redacted"],
        "broken_by_redaction": stats["broken_by_redaction"],
    }
    write_metrics(metrics_path, metrics)
    rows = []
    for key, (files_in, files_out) in sorted(licences.items()):
        source, repo, version, licence = key.split("\x00")
        rows.append(
            {
                "source": source,
                "repo": repo,
                "version": version,
                "license": licence,
                "allowed": allowed(licence, config.allow),
                "files_in": files_in,
                "files_out": files_out,
            }
        )
    write_csv(manifest_path, rows, MANIFEST_FIELDS)
    warn_lost_sources(rows)
    return metrics


def warn_lost_sources(rows: list[dict[str, Any]]) -> None:
    """A source (an ingest input kind: ``local`` for your own folders) none of whose files has an
    allowed licence loses everything here: say so, and which params change it, instead of letting
    a newcomer find an empty dataset at the end."""
    by_source: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_source.setdefault(row["source"], []).append(row)
    for source, repos in sorted(by_source.items()):
        if any(r["allowed"] for r in repos) or not sum(r["files_in"] for r in repos):
            continue
        licences = sorted({r["license"] for r in repos})
        names = ", ".join(sorted({r["repo"] for r in repos})[:5])
        print(
            f"clean: WARNING: all {sum(r['files_in'] for r in repos)} files of source {source!r} ({names}) were "
            f"removed: licence {', '.join(licences)} is not in licence.allow. Give the input a licence "
            "(a package.json or LICENSE file in the repository, or `license:` on its ingest.inputs entry) "
            "or extend licence.allow in params.yaml.",
            file=sys.stderr,
        )
