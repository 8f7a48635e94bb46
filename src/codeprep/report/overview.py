"""The card's opening sections: Dataset Summary, Dataset Structure (record schemas, splits) and
Source Data (the licence manifest)."""

from __future__ import annotations

from codeprep.pairs.cat import INSTRUCTION_FIELDS
from codeprep.report.front_matter import example_count, languages
from codeprep.report.inputs import ReportInputs
from codeprep.report.licences import hub_id, totals_by_licence, used_ids
from codeprep.report.markdown import Lines, code, count, not_available, table
from codeprep.shards import DOC_SCHEMA, SIGNALS_SCHEMA


def summary(inputs: ReportInputs) -> Lines:
    lines = ["## Dataset Summary", ""]
    lines += [
        "Training data for a small on-device code model specialised in JavaScript/TypeScript,",
        "XML/HTML/SVG, Markdown/MDX and CSS, built by the `codeprep` DVC pipeline: source files are",
        "ingested, filtered, cleaned (licences, debug statements, secrets), deduplicated and",
        "decontaminated; code-comment pairs and templated instructions are derived from them; everything",
        "is tokenized and mixed to target language shares. This card is generated from the pipeline's",
        "metrics (`metrics/`, `params.yaml`) by the `report` stage, so every figure in it is measured.",
        "",
    ]
    facts = []
    decontam, instruct, tokenize, mix = (inputs.get(n) for n in ("decontam", "instruct", "tokenize", "mix"))
    if inputs.manifest is not None:
        facts.append(
            f"- **Sources:** {count(len(inputs.manifest))} package versions (`metrics/licence_manifest.csv`)."
        )
    if decontam is not None:
        langs = ", ".join(lang for lang in languages(inputs))
        facts.append(f"- **Documents:** {count(decontam['docs_out'])} ({langs}).")
    if instruct is not None:
        facts.append(f"- **Instruction records:** {count(instruct['records_out'])}.")
    n = example_count(inputs)
    if n is not None:
        facts.append(f"- **Examples over both splits:** {count(n)}.")
    if tokenize is not None:
        facts.append(
            f"- **Tokens:** {count(sum(tokenize['tokens'].values()))} "
            f"(vocabulary {count(tokenize['vocab_size'])})."
        )
    if mix is not None:
        facts.append(f"- **Training stream after mixing:** {count(mix['tokens'])} tokens.")
    return lines + (facts or [not_available("metrics/decontam.json", "metrics/tokenize.json")])


def structure(inputs: ReportInputs) -> Lines:
    core = {f.name for f in DOC_SCHEMA}
    rows = [(code(f.name), code(f.type), "no" if f.nullable else "yes") for f in DOC_SCHEMA]
    signals = ", ".join(code(f.name) for f in SIGNALS_SCHEMA if f.name not in core)
    lines = [
        "## Dataset Structure",
        "",
        "### Documents",
        "",
        "Sharded parquet (zstd), one row per source file (`out/decontam/docs/`):",
        "",
        *table(["column", "type", "required"], rows),
        "",
        f"Signal columns added by the signals stage: {signals}.",
        "",
        "### Instruction records",
        "",
        "JSON Lines (`out/instruct/instructions.jsonl`), one schema for code-comment (CAT), template and",
        f"teacher records: {', '.join(code(f) for f in INSTRUCTION_FIELDS)}.",
        "",
        "### Data Splits",
        "",
    ]
    tokenize = inputs.get("tokenize")
    if tokenize is None:
        return [*lines, not_available("metrics/tokenize.json")]
    splits = sorted(tokenize["splits"].items())
    rows = [(s, count(v["docs"]), count(v["tokens"])) for s, v in splits]
    docs, tokens = (sum(v[key] for _, v in splits) for key in ("docs", "tokens"))
    rows.append(("**total**", f"**{count(docs)}**", f"**{count(tokens)}**"))
    return [
        *lines,
        "Split by package, never by file, so near-identical files cannot sit on both sides; instruction",
        "records follow the package they came from. The document counts include the instruction records.",
        "",
        *table(["split", "documents", "tokens"], rows, [1, 2]),
        "",
        f"Validation packages: {', '.join(code(r) for r in tokenize.get('val_repos', []))}.",
    ]


def source_data(inputs: ReportInputs) -> Lines:
    lines = ["## Source Data and licences", ""]
    manifest = inputs.manifest
    if manifest is None:
        return [*lines, not_available("metrics/licence_manifest.csv")]
    allow = inputs.param("licence", "allow")
    lines += [
        "Each package's licence is read from its `package.json` (SPDX expression); a document is kept only",
        f"if the expression satisfies `licence.allow` ({', '.join(allow) if allow else 'not set'}).",
        "",
    ]
    unlisted = [i for i in used_ids(manifest, allow) if hub_id(i) is None]
    if unlisted:
        lines += [f"Licences without a Hugging Face identifier (`other` above): {', '.join(unlisted)}.", ""]
    totals = [
        (t.licence, count(t.packages), count(t.files_in), count(t.files_out))
        for t in totals_by_licence(manifest)
    ]
    totals.append(
        (
            "**total**",
            f"**{count(len(manifest))}**",
            f"**{count(sum(r.files_in for r in manifest))}**",
            f"**{count(sum(r.files_out for r in manifest))}**",
        )
    )
    packages = [
        (
            code(r.repo),
            r.version,
            r.license,
            "yes" if r.allowed else "**no**",
            count(r.files_in),
            count(r.files_out),
        )
        for r in manifest
    ]
    return [
        *lines,
        "Totals per licence (files in: reaching the clean stage; out: kept by it):",
        "",
        *table(["licence", "packages", "files in", "files out"], totals, [1, 2, 3]),
        "",
        "Every package version:",
        "",
        *table(["package", "version", "licence", "allowed", "files in", "files out"], packages, [4, 5]),
    ]
