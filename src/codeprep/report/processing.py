"""The card's Processing section: every stage in pipeline order with what went in, what came out and
what was removed by reason, plus the parameters that decided it. Figures come from each stage's
metrics file; a stage whose file is missing says so."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from codeprep.languages import LANGS
from codeprep.report.filter_rules import rule_descriptions
from codeprep.report.inputs import ReportInputs
from codeprep.report.markdown import Lines, by_count, code, count, fixed, not_available, reasons_table, table

#: Ingest drops whose threshold is a ``params.yaml`` key.
INGEST_LIMITS = {"too_large": "max_bytes", "archive_too_large": "max_archive_bytes"}


def processing(inputs: ReportInputs) -> Lines:
    lines = ["## Processing", ""]
    lines += [
        "Every stage is a DVC stage (`dvc.yaml`) with its thresholds in `params.yaml`. Each stage that drops",
        "records writes them with a reason to `out/<stage>/removed/`, and its metrics satisfy",
        "`docs_in = docs_out + sum(removed)`.",
        "",
    ]
    lines += [*_funnel(inputs), ""]
    for title, metrics, render in STAGES:
        lines += [f"### {title}", ""]
        data = inputs.get(metrics)
        lines += render(data, inputs) if data is not None else [not_available(f"metrics/{metrics}.json")]
        lines.append("")
    return lines


def _funnel(inputs: ReportInputs) -> Lines:
    """Documents in and out of every stage that drops records, in pipeline order."""
    rows = []
    for stage, key_in, key_out in FUNNEL:
        data = inputs.get(stage)
        if data is None:
            rows.append((code(stage), "—", "—", "not available"))
            continue
        removed = sum(data.get("removed", {}).values())
        rows.append((code(stage), count(data[key_in]), count(data[key_out]), count(removed)))
    return table(["stage", "in", "out", "removed"], rows, numeric=[1, 2, 3])


def _ingest(m: dict[str, Any], inputs: ReportInputs) -> Lines:
    sources = ", ".join(
        f"{code(spec['path'])} ({spec['format']})" for spec in inputs.param("ingest", "inputs") or []
    )
    lines = [
        f"Reads {sources or 'the inputs in `ingest.inputs`'}. {count(m['docs_in'])} files in, "
        f"{count(m['docs_out'])} documents out ({fixed(m['bytes_out'] / 1e6, 1)} MB of text).",
        "",
    ]
    lines += reasons_table(m["removed"])
    limits = [
        f"{code(reason)}: over {code('ingest.' + key)} ({count(inputs.param('ingest', key))} bytes)"
        for reason, key in INGEST_LIMITS.items()
        if reason in m["removed"] and inputs.param("ingest", key) is not None
    ]
    if limits:
        lines += ["", "; ".join(limits) + "."]
    rows = [
        (lang, count(v["docs"]), fixed(v["bytes"] / 1e6, 2))
        for lang, v in sorted(m["by_lang"].items(), key=lambda kv: (-kv[1]["docs"], kv[0]))
    ]
    return [*lines, "", *table(["language", "documents", "MB"], rows, numeric=[1, 2])]


def _langid(m: dict[str, Any], inputs: ReportInputs) -> Lines:
    return [
        "A character n-gram classifier trained on extension labels, split by package: "
        f"{count(m['train_docs'])} training documents from {count(m['train_repos'])} packages, "
        f"{count(m['test_docs'])} held-out documents from {count(m['test_repos'])} packages. "
        f"Held-out accuracy: {fixed(m['accuracy'])} over the {len(m['per_lang'])} languages, "
        f"{fixed(m['family_accuracy'])} by language family, {fixed(m['compatible_accuracy'])} counting "
        "dialects the pipeline treats as the same (`language_accuracy`). Nothing is removed here."
    ]


def _signals(m: dict[str, Any], inputs: ReportInputs) -> Lines:
    min_prob = inputs.param("langid", "min_prob")
    threshold = f" (classifier probability ≥ {fixed(min_prob, 2)}, `langid.min_prob`)" if min_prob else ""
    return [
        f"Adds quality, syntax and language signals to {count(m['docs'])} documents; removes nothing. "
        f"Syntax validity of the documents with a parser: {fixed(m['syntax_validity'])} "
        f"({code(m['js_backend'])} for JavaScript). {count(m['lang_mismatch'])} documents flagged "
        f"{code('lang_mismatch')}{threshold}."
    ]


def _filter(m: dict[str, Any], inputs: ReportInputs) -> Lines:
    langs = [lang for lang in LANGS if lang in m["by_lang"]]
    rules = rule_descriptions(inputs.params, langs) if inputs.param("filter") else {}
    lines = [
        f"{count(m['docs_in'])} documents in, {count(m['docs_out'])} kept. The first failing rule is the "
        "reason; thresholds are `filter.default` overridden by `filter.<language>` in `params.yaml`.",
        "",
    ]
    removed = m["removed"]
    rows = [(code(reason), count(n), rules.get(reason, "")) for reason, n in by_count(removed)]
    rows.append(("**total**", f"**{count(sum(removed.values()))}**", ""))
    lines += table(["reason", "removed", "rule (`params.yaml` `filter:`)"], rows, numeric=[1])
    unused = [f"{code(rule)} ({text})" for rule, text in rules.items() if rule not in removed]
    if unused:
        lines += ["", "Rules that removed nothing: " + "; ".join(unused) + "."]
    by_lang = [
        (
            lang,
            count(v["docs_in"]),
            count(v["docs_out"]),
            fixed(v["syntax_validity_in"]),
            fixed(v["data_quality"]),
        )
        for lang, v in ((lang, m["by_lang"][lang]) for lang in langs)
    ]
    header = ["language", "in", "kept", "syntax valid (in)", "data quality"]
    return [*lines, "", *table(header, by_lang, numeric=[1, 2, 3, 4])]


def _clean(m: dict[str, Any], inputs: ReportInputs) -> Lines:
    rules = inputs.param("clean", "rules") or {}
    on = [code(rule) for rule, enabled in rules.items() if enabled]
    off = [code(rule) for rule, enabled in rules.items() if not enabled]
    switches = ""
    if rules:
        switches = f" Rules on (`clean.rules`): {', '.join(on) or 'none'}"
        switches += f"; off: {', '.join(off)}." if off else "."
    lines = [
        f"{count(m['docs_in'])} documents in, {count(m['docs_out'])} out; licences outside "
        f"`licence.allow` are removed (reason {code('licence')}).{switches}",
        "",
        *reasons_table(m["removed"]),
        "",
        f"{count(m['docs_touched'])} documents changed by cleaning rules, "
        f"{count(m['reverted_to_original'])} reverted because the cleaned text no longer parsed, "
        f"{count(m['broken_by_cleaning'])} left broken.",
        "",
        *table(["cleaning rule", "changes"], [(code(k), count(v)) for k, v in by_count(m["changes"])], [1]),
        "",
        f"Secrets and personal data: {count(m['docs_redacted'])} documents redacted, "
        f"{count(m['broken_by_redaction'])} left unparseable by a placeholder.",
        "",
    ]
    redactions = [(code(f"<{k}>"), count(v)) for k, v in by_count(m["redactions"])]
    return lines + (
        table(["placeholder", "redactions"], redactions, [1]) if redactions else ["No redactions."]
    )


def _minhash(m: dict[str, Any], inputs: ReportInputs) -> Lines:
    return [
        f"MinHash signatures of {count(m['docs'])} documents: {count(m['shingles'])} shingles of "
        f"{count(m['ngram'])} code tokens, {count(m['num_perm'])} permutations, seed {count(m['seed'])}; "
        f"{count(m['no_shingles'])} documents too short for one shingle. Nothing is removed here."
    ]


def _dedup(m: dict[str, Any], inputs: ReportInputs) -> Lines:
    threshold, verify = inputs.param("dedup", "threshold"), inputs.param("dedup", "verify")
    rule = (
        f"Jaccard ≥ {fixed(threshold, 2)} (`dedup.threshold`)" if threshold is not None else "the threshold"
    )
    check = f", candidates verified by {code(verify)} Jaccard (`dedup.verify`)" if verify else ""
    return [
        f"{count(m['docs_in'])} documents in, {count(m['docs_out'])} out. Exact duplicates, then near "
        f"duplicates at {rule}{check}; one keeper per cluster ({count(m['clusters'])} clusters, the "
        f"largest {count(m['largest_cluster'])} documents).",
        "",
        *reasons_table(m["removed"]),
        "",
        f"Duplication rate: {fixed(m['duplication_rate_in'])} before, {fixed(m['duplication_rate'])} after.",
    ]


def _decontam(m: dict[str, Any], inputs: ReportInputs) -> Lines:
    rows = [
        (code(name), count(b["items"]), count(b["items_too_short"]), count(b["removed"]))
        for name, b in sorted(m["by_benchmark"].items())
    ]
    suite = m.get("eval_suite")
    eval_line = (
        [
            f"Against the project's evaluation suite ({count(suite['packages'])} packages, "
            f"`{suite['hash'][:19]}…`): documents from its packages removed {count(suite['removed_package'])}, "
            f"near duplicates of its documents removed {count(suite['removed_near_duplicate'])} "
            f"(`decontam.eval_jaccard`, `decontam.eval_containment`); overlap left "
            f"{count(suite['overlap_left'])}"
            + ("" if suite["enabled"] else " (the rules are switched off)")
            + ".",
            "",
        ]
        if suite
        else []
    )
    return [
        f"{count(m['docs_in'])} documents in, {count(m['docs_out'])} out. A document sharing a word "
        f"{count(m['ngram'])}-gram with an item of a benchmark is removed (`decontam.ngram`); items "
        "shorter than that cannot match.",
        "",
        *eval_line,
        *reasons_table(m["removed"]),
        "",
        *table(["benchmark", "items", "too short to match", "documents removed"], rows, [1, 2, 3]),
    ]


def _pairs(m: dict[str, Any], inputs: ReportInputs) -> Lines:
    pairs = ", ".join(f"{lang} {count(n)}" for lang, n in by_count(m["pairs"]))
    splits = ", ".join(f"{split} {count(n)}" for split, n in sorted(m["splits"].items()))
    tasks = ", ".join(f"{code(t)} {count(n)}" for t, n in by_count(m["instructions"]))
    return [
        f"JSDoc-documented declarations in {count(m['docs_scanned'])} JavaScript/TypeScript documents: "
        f"{count(m['candidates'])} candidates, {count(sum(m['pairs'].values()))} code-comment pairs "
        f"({pairs}; {splits}), code validity {fixed(m['code_validity'])}. Instruction records derived "
        f"from them: {tasks}.",
        "",
        *reasons_table(m["rejected"], "rejected"),
    ]


def _synth(m: dict[str, Any], inputs: ReportInputs) -> Lines:
    t, mutants = m["templates"], m["mutants"]
    targets = inputs.param("synth", "family_mix") or {}
    rows = [
        (code(family), count(n), fixed(t["family_share"].get(family)), fixed(targets.get(family)))
        for family, n in sorted(t["by_family"].items())
    ]
    teacher = m.get("teacher", {})
    generated = sum(v.get("accepted", 0) for v in teacher.values() if isinstance(v, dict))
    return [
        f"{count(t['records'])} template instructions, each answer computed from a corpus snippet "
        f"(instruction diversity distinct-2 {fixed(t['diversity']['distinct_2_instruction'])}, "
        f"output distinct-4 {fixed(t['diversity']['distinct_4_output'])}).",
        "",
        *table(["family", "records", "share", "target (`synth.family_mix`)"], rows, [1, 2, 3]),
        "",
        *reasons_table(t["skipped"], "draws skipped"),
        "",
        f"AST mutants (augmentation output, not in the mix): {count(mutants['written'])} written of "
        f"{count(mutants['attempted'])} attempted, validity {fixed(mutants['validity'])}. Teacher "
        f"generation: backend {code(teacher.get('teacher', 'none'))}, {count(generated)} records accepted.",
    ]


def _instruct(m: dict[str, Any], inputs: ReportInputs) -> Lines:
    sources = [(code(s), count(v["in"]), count(v["out"])) for s, v in sorted(m["by_source"].items())]
    tasks = ", ".join(f"{code(t)} {count(n)}" for t, n in by_count(m["task_type"]))
    return [
        f"{count(m['records_in'])} instruction records in, {count(m['records_out'])} out ({tasks}). "
        f"Code validity {fixed(m['code_validity'])} over {count(m['code_blocks_checked'])} code blocks; "
        f"mean clarity {fixed(m['mean_clarity'])}, mean completeness {fixed(m['mean_completeness'])}.",
        "",
        *table(["source", "in", "out"], sources, [1, 2]),
        "",
        *reasons_table(m["removed"]),
    ]


def _tokenize(m: dict[str, Any], inputs: ReportInputs) -> Lines:
    total = sum(m["tokens"].values())
    return [
        f"Byte-level BPE (vocabulary {count(m['vocab_size'])}) trained on the training split; "
        f"{count(total)} tokens over both splits (see Dataset Structure and Token counts per language)."
    ]


def _mix(m: dict[str, Any], inputs: ReportInputs) -> Lines:
    return [
        f"The training split brought to the target token share per language group: {count(m['tokens'])} "
        f"tokens, largest error {fixed(m['max_abs_error'], 4)} (see Language mix)."
    ]


def _train(m: dict[str, Any], inputs: ReportInputs) -> Lines:
    return [
        f"A {count(m['params'])}-parameter proxy model trained for {count(m['steps'])} steps on "
        f"{count(m['tokens'])} tokens of the mix with each of {len(m['seeds'])} seeds; final training loss "
        f"{fixed(m['final_loss']['mean'], 4)} ± {fixed(m['final_loss']['std'], 4)} (see Quality figures)."
    ]


def _bench(m: dict[str, Any], inputs: ReportInputs) -> Lines:
    sizes = ", ".join(f"{code(b)} {fixed(n / 1e6, 1)} MB" for b, n in sorted(m["model_bytes"].items()))
    return [
        f"Each seed's proxy exported to GGUF and quantised by llama.cpp ({sizes}); every build scored in "
        "bits per byte on the evaluation suite (see Quality figures)."
    ]


def _eval_suite(m: dict[str, Any], inputs: ReportInputs) -> Lines:
    sample = ", ".join(
        f"{code(g)} {count(v['docs'])} docs / {count(v['bytes'])} bytes" for g, v in m["sample"].items()
    )
    return [
        f"The fixed evaluation suite: {count(sum(m['docs'].values()))} documents from "
        f"{count(m['packages'])} pinned packages that are never trained on (`manifest/npm-eval.json`), "
        f"built with fixed settings no experiment changes; content hash `{m['hash'][:19]}…`. "
        f"Bits-per-byte sample: {sample}; {count(m['completion']['items'])} code-completion items.",
    ]


def _gates(m: dict[str, Any], inputs: ReportInputs) -> Lines:
    rows = [
        (
            code(name),
            code(g["metric"]),
            fixed(g["value"], 4),
            " and ".join(
                f"{op} {fixed(g[key], 4)}" for key, op in (("min", ">="), ("max", "<=")) if g[key] is not None
            ),
            "pass" if g["passed"] else f"FAIL ({g['on_fail']})",
        )
        for name, g in m["gates"].items()
    ]
    return table(["gate", "metric", "value", "needs", "result"], rows, [2])


def _evaluate(m: dict[str, Any], inputs: ReportInputs) -> Lines:
    return [
        f"Every seed's model ({len(m['seeds'])} seeds), in PyTorch and in each GGUF build, scored in bits "
        f"per byte on the evaluation suite with a {count(m['ctx'])}-token context (see Quality figures)."
    ]


Render = Callable[[dict[str, Any], ReportInputs], Lines]
#: (heading, metrics file, renderer) in pipeline order.
STAGES: tuple[tuple[str, str, Render], ...] = (
    ("ingest", "ingest", _ingest),
    ("langid", "langid", _langid),
    ("signals", "signals", _signals),
    ("filter", "filter", _filter),
    ("clean (licences, cleaning, secrets)", "clean", _clean),
    ("minhash", "minhash", _minhash),
    ("dedup", "dedup", _dedup),
    ("eval_suite", "eval_suite", _eval_suite),
    ("decontam", "decontam", _decontam),
    ("gates", "gates", _gates),
    ("pairs", "pairs", _pairs),
    ("synth", "synth", _synth),
    ("instruct", "instruct", _instruct),
    ("tokenize", "tokenize", _tokenize),
    ("mix", "mix", _mix),
    ("train_proxy", "train", _train),
    ("bench", "bench", _bench),
    ("evaluate", "eval", _evaluate),
)
#: Stages that drop records: (metrics file, in key, out key).
FUNNEL = (
    ("ingest", "docs_in", "docs_out"),
    ("filter", "docs_in", "docs_out"),
    ("clean", "docs_in", "docs_out"),
    ("dedup", "docs_in", "docs_out"),
    ("decontam", "docs_in", "docs_out"),
    ("instruct", "records_in", "records_out"),
)
