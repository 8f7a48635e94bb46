"""The instruct stage: every instruction record — CAT records from ``pairs``, template and teacher
records from ``synth``, OpenCodeInstruct rows — through one set of checks, into one stream.

Checks, in order; the first that fails is the record's removal reason (``out/instruct/removed``):

``malformed_record``  an OpenCodeInstruct row that could not be read (file:row in the detail);
``low_test_score``    OpenCodeInstruct ``average_test_score`` below ``instruct.min_test_score``;
``too_short`` / ``too_long``  instruction or output outside the length bounds;
``no_code``           a record of unknown language whose output holds no code to detect one from;
``off_language``      none of its code is in ``instruct.languages`` (OpenCodeInstruct is mostly Python);
``invalid_code``      a code block in a language with a validator does not parse;
``unclear_instruction`` / ``incomplete_output``  the clarity / completeness score under its threshold;
``contaminated``      instruction, input or output shares a 13-gram passage with a benchmark item
                      (the decontam stage's index and params);
``duplicate``         the same (instruction, input, output) after whitespace normalisation as an
                      earlier record.

Kept records get ``lang`` (the record's, or for OpenCodeInstruct the language most of its code is in),
``repo`` (the package a corpus-derived record comes from: tokenize splits by it) and the two scores.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codeprep.decontam.index import Index
from codeprep.instruct.params import InstructParams
from codeprep.instruct.quality import (
    block_valid,
    clarity_checks,
    code_blocks,
    completeness_checks,
    detect,
    normalised_hash,
    score,
)
from codeprep.metrics import ratio, write_metrics
from codeprep.shards import RemovedLog
from codeprep.sources import opencodeinstruct
from codeprep.sources.json_lines import read_objects

STAGE = "instruct"


@dataclass
class Tally:
    """What the metrics report, counted as records go by."""

    records_in: Counter[str] = field(default_factory=Counter)  # by source
    kept: Counter[str] = field(default_factory=Counter)  # by source
    task_type: Counter[str] = field(default_factory=Counter)
    lang: Counter[str] = field(default_factory=Counter)
    blocks_checked: int = 0
    blocks_valid: int = 0
    clarity_sum: float = 0.0
    completeness_sum: float = 0.0
    failed_checks: Counter[str] = field(default_factory=Counter)


class Checker:
    """Applies the checks to one record at a time; holds the seen-set for duplicates."""

    def __init__(
        self,
        params: InstructParams,
        index: Index | None,
        predict: Callable[[str], tuple[str, float]] | None,
    ) -> None:
        self.params = params
        self.index = index
        self.predict = predict
        self.seen: set[str] = set()
        self.tally = Tally()

    def reason(self, record: dict[str, Any]) -> tuple[str, str] | None:
        """``(reason, detail)`` for a record that fails, else None (and the record is completed)."""
        p, t = self.params, self.tally
        score_ = record.get("average_test_score")
        if score_ is not None and score_ < p.min_test_score:
            return "low_test_score", f"average_test_score {score_} < {p.min_test_score}"
        lengths = p.lengths
        for name, text, lo, hi in (
            (
                "instruction",
                record["instruction"],
                lengths.min_instruction_chars,
                lengths.max_instruction_chars,
            ),
            ("output", record["output"], lengths.min_output_chars, lengths.max_output_chars),
        ):
            if len(text) < lo:
                return "too_short", f"{name} {len(text)} chars < {lo}"
            if len(text) > hi:
                return "too_long", f"{name} {len(text)} chars > {hi}"
        blocks = detect(
            code_blocks(record["output"], record["lang"], record["task_type"]),
            self.predict,
            p.langid_min_prob,
        )
        if not record["lang"]:
            langs = Counter(b.lang for b in blocks if b.lang)
            if not langs:
                return "no_code", f"{len(blocks)} code block(s), no language detected"
            targets = Counter({lang: n for lang, n in langs.items() if lang in p.languages})
            if not targets:
                return "off_language", "code in " + ", ".join(sorted(langs))
            record["lang"] = max(sorted(targets), key=lambda lang: targets[lang])
        for block in blocks:
            valid = block_valid(block)
            if valid is None:
                continue
            t.blocks_checked += 1
            t.blocks_valid += bool(valid)
            if not valid:
                return "invalid_code", f"a {block.lang} block does not parse"
        clarity = clarity_checks(record["instruction"], lengths)
        completeness = completeness_checks(record["output"])
        record["clarity"] = round(score(clarity), 2)
        record["completeness"] = round(score(completeness), 2)
        if record["clarity"] < p.min_clarity:
            failed = sorted(k for k, ok in clarity.items() if not ok)
            t.failed_checks.update(failed)
            return "unclear_instruction", f"clarity {record['clarity']}: failed {', '.join(failed)}"
        if record["completeness"] < p.min_completeness:
            failed = sorted(k for k, ok in completeness.items() if not ok)
            t.failed_checks.update(failed)
            return "incomplete_output", f"completeness {record['completeness']}: failed {', '.join(failed)}"
        if self.index is not None:
            hits = self.index.hits("\n".join((record["instruction"], record["input"], record["output"])))
            if hits:
                benchmark, item, fld, shared = hits[0]
                return "contaminated", f"{benchmark} {item} ({fld}): {shared} shared {self.index.ngram}-grams"
        key = normalised_hash("\x00".join(record[k].strip() for k in ("instruction", "input", "output")))
        if key in self.seen:
            return "duplicate", "same instruction, input and output as an earlier record"
        self.seen.add(key)
        return None

    def __call__(self, record: dict[str, Any], out: Any, removed: RemovedLog) -> None:
        t = self.tally
        t.records_in[record["source"]] += 1
        found = self.reason(record)
        if found is not None:
            removed.drop(record["id"], found[0], found[1], record.get("repo", ""), record["source"])
            return
        t.kept[record["source"]] += 1
        t.task_type[record["task_type"]] += 1
        t.lang[record["lang"]] += 1
        t.clarity_sum += record["clarity"]
        t.completeness_sum += record["completeness"]
        out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")


def inputs(
    params: InstructParams, jsonl: list[Path], root: Path
) -> Iterator[dict[str, Any] | opencodeinstruct.Malformed]:
    """Every record, in a fixed order: the derived streams first, then OpenCodeInstruct files."""
    for path in jsonl:
        for record in read_objects(path):
            record.setdefault("repo", "")
            yield record
    for entry in params.opencodeinstruct:
        for record in opencodeinstruct.read(root / entry):
            if isinstance(record, dict):
                record["repo"] = ""
            yield record


def run_instruct(
    params: InstructParams,
    jsonl: list[Path],
    out_dir: Path,
    metrics_path: Path,
    index: Index | None = None,
    predict: Callable[[str], tuple[str, float]] | None = None,
    root: Path = Path("."),
) -> dict[str, Any]:
    out_dir.mkdir(parents=True, exist_ok=True)
    checker = Checker(params, index, predict)
    tmp = out_dir / "instructions.jsonl.tmp"
    with RemovedLog(out_dir / "removed", STAGE) as removed, tmp.open("w", encoding="utf-8") as out:
        for record in inputs(params, jsonl, root):
            if isinstance(record, opencodeinstruct.Malformed):
                checker.tally.records_in["opencodeinstruct"] += 1
                removed.drop(record.where, "malformed_record", record.detail, "", "opencodeinstruct")
                continue
            checker(record, out, removed)
    tmp.replace(out_dir / "instructions.jsonl")
    t = checker.tally
    kept = sum(t.kept.values())
    metrics = {
        "records_in": sum(t.records_in.values()),
        "records_out": kept,
        "by_source": {s: {"in": t.records_in[s], "out": t.kept[s]} for s in sorted(t.records_in)},
        "removed": dict(sorted(removed.counts.items())),
        "task_type": dict(sorted(t.task_type.items())),
        "lang": dict(sorted(t.lang.items())),
        "code_validity": ratio(t.blocks_valid, t.blocks_checked),
        "code_blocks_checked": t.blocks_checked,
        "mean_clarity": ratio(t.clarity_sum, kept),
        "mean_completeness": ratio(t.completeness_sum, kept),
        "failed_checks": dict(sorted(t.failed_checks.items())),
    }
    write_metrics(metrics_path, metrics)
    return metrics
