"""The synth stage: template instructions, mutants and (when a teacher is configured) teacher-written
instructions from the decontaminated corpus and the pairs.

Outputs (out/synth): ``instructions.jsonl`` (template and teacher records, the instruction schema;
the instruct stage checks them with everything else), ``mutants.jsonl``, ``teacher_rejected.jsonl``
(every rejected teacher response with its reason), ``vocabulary.json`` (the mined vocabularies'
heads, to see what the slots were filled from); metrics/synth.json.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from codeprep.metrics import ratio, write_metrics
from codeprep.shards import iter_batches
from codeprep.signals.syntax import check
from codeprep.sources.json_lines import read_objects
from codeprep.synth.augment import MutantStats, mutants
from codeprep.synth.corpus import ScanParams, scan
from codeprep.synth.generate import normalised_hash, run_generation
from codeprep.synth.params import SynthParams
from codeprep.synth.teacher import make_teacher
from codeprep.synth.templates import TemplateParams, TemplateStats, distinct_ngrams, generate

VOCABULARY_HEAD = 50


def _write_jsonl(path: Path, rows: Any) -> int:
    n = 0
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
            n += 1
    tmp.replace(path)
    return n


def _corpus_hashes(docs_dir: Path) -> set[str]:
    return {
        normalised_hash(text)
        for batch in iter_batches(docs_dir, columns=["content"])
        for text in batch.column("content").to_pylist()
    }


def _validity(path: Path) -> float | None:
    """Share of the written mutants that pass the syntax checker, measured on the file as written
    (mutants.py already refuses invalid ones; this is the independent audit the metric reports)."""
    rows = list(read_objects(path))
    return ratio(sum(check(r["lang"], r["content"]).ok is True for r in rows), len(rows))


def run_synth(
    params: SynthParams,
    docs_dir: Path,
    pairs_path: Path,
    out_dir: Path,
    metrics_path: Path,
    prompts_dir: Path = Path("prompts"),
) -> dict[str, Any]:
    out_dir.mkdir(parents=True, exist_ok=True)
    corpus = scan(docs_dir, ScanParams(params.pool_size, params.min_chars, params.max_chars, params.seed))
    pairs = list(read_objects(pairs_path))
    template_params = TemplateParams(
        params.templates, params.family_mix, params.max_attempts_factor, params.seed
    )
    t_stats = TemplateStats()
    records = list(generate(template_params, corpus, pairs, t_stats))

    teacher = make_teacher(params.teacher)
    seeds = [(s.doc_id, s.lang, s.text, s.repo) for s in corpus.pool("js") + corpus.pool("ts")]
    generated, rejections, teacher_counts = run_generation(
        seeds,
        records,
        teacher,
        params.teacher,
        prompts_dir,
        corpus_hashes=_corpus_hashes(docs_dir) if teacher is not None else frozenset(),
    )
    _write_jsonl(out_dir / "instructions.jsonl", records + generated)
    _write_jsonl(out_dir / "teacher_rejected.jsonl", (r._asdict() for r in rejections))

    m_stats = MutantStats()
    written = _write_jsonl(
        out_dir / "mutants.jsonl", mutants(corpus, params.mutants, params.mutation_rate, params.seed, m_stats)
    )
    vocabulary = {
        "frameworks": corpus.vocabulary("frameworks", VOCABULARY_HEAD),
        "apis": corpus.vocabulary("apis", VOCABULARY_HEAD),
        "components": [f"{name} from {src}" for name, src, _ in corpus.top_components(VOCABULARY_HEAD)],
        "elements": {
            lang: [e for e, _ in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:VOCABULARY_HEAD]]
            for lang, c in corpus.elements.items()
        },
    }
    (out_dir / "vocabulary.json").write_text(json.dumps(vocabulary, indent=2, ensure_ascii=False) + "\n")
    families: Counter[str] = Counter(r["task_type"] for r in records)
    metrics = {
        "templates": {
            "records": len(records),
            "by_family": dict(sorted(families.items())),
            "by_template": dict(sorted(t_stats.made.items())),
            "family_share": {f: ratio(n, len(records)) for f, n in sorted(families.items())},
            "attempts": dict(sorted(t_stats.attempts.items())),
            "skipped": dict(sorted(t_stats.skipped.items())),
            "diversity": {
                "distinct_2_instruction": distinct_ngrams([r["instruction"] for r in records], 2),
                "distinct_4_output": distinct_ngrams([r["output"] for r in records], 4),
            },
        },
        "mutants": {
            "attempted": sum(m_stats.attempted.values()),
            "written": written,
            "by_lang": dict(sorted(m_stats.written.items())),
            "rejected": dict(sorted(m_stats.rejected.items())),
            "operators": dict(sorted(m_stats.operators.items())),
            "validity": _validity(out_dir / "mutants.jsonl"),
        },
        "teacher": teacher_counts,
        "pools": {name: len(corpus.pool(name)) for name in sorted(corpus.pools)},
    }
    write_metrics(metrics_path, metrics)
    return metrics
