"""The card's Known limitations: what the metrics themselves say is thin or unchecked (the mix's
binding group, repeated or unreachable groups, the benchmarks decontamination covered, template
diversity, dialects the classifier confuses, languages the filter mostly dropped), then the limits
that follow from how the pipeline works."""

from __future__ import annotations

from typing import Any

from codeprep.report.inputs import ReportInputs
from codeprep.report.markdown import Lines, code, count, fixed

#: Groups repeated more often than this are flagged: past a few epochs a model memorises.
MAX_EPOCHS_UNFLAGGED = 2.0
#: Held-out recall below this means the classifier cannot tell the language from its neighbours.
LOW_RECALL = 0.5
#: A language the filter kept less than this share of is flagged.
LOW_KEPT_SHARE = 0.5

FIXED = (
    "Licences are read from each package's `package.json`; files inside a package that carry another "
    "licence in their header (vendored code) inherit the package's.",
    "Secret and personal-data redaction is pattern based: recall is measured on planted values of known "
    "formats (`bench/secrets.py`), so a secret in a format no pattern targets can remain.",
    "Comments and documentation are assumed to be English; the natural language is not measured.",
    "Quality, syntax and duplication figures are measured by the pipeline's own validators and dedup; "
    "their accuracy against reference tools is in `bench/results/`, not repeated here.",
)


def limitations(inputs: ReportInputs) -> Lines:
    items = [
        *_mix(inputs.get("mix"), inputs.param("mix", "max_epochs")),
        *_decontam(inputs.get("decontam")),
        *_synth(inputs.get("synth")),
        *_langid(inputs.get("langid")),
        *_filter(inputs.get("filter")),
        *_sources(inputs),
        *FIXED,
    ]
    return ["## Known limitations", "", *(f"- {item}" for item in items)]


def _mix(m: dict[str, Any] | None, max_epochs: Any) -> Lines:
    if m is None:
        return ["Language mix: not available (`metrics/mix.json` is missing)."]
    epochs = m["epochs"]
    cap = f" (cap `mix.max_epochs`: {max_epochs})" if isinstance(max_epochs, int | float) else ""
    items = [
        f"The mix is limited by {code(m['binding'])}: it is repeated {fixed(epochs.get(m['binding']), 2)} "
        f"times{cap} to reach its target, and more data of that group is what would grow the stream."
    ]
    repeated = [(g, e) for g, e in sorted(epochs.items()) if e > MAX_EPOCHS_UNFLAGGED]
    if repeated:
        listed = ", ".join(f"{code(g)} {fixed(e, 2)}" for g, e in repeated)
        items.append(f"Groups repeated more than {fixed(MAX_EPOCHS_UNFLAGGED, 0)} epochs: {listed}.")
    if m["unreachable"]:
        items.append(
            "Target shares that no data could meet (no tokens): "
            f"{', '.join(code(g) for g in m['unreachable'])}; the gap shows in `achieved`."
        )
    return items


def _decontam(m: dict[str, Any] | None) -> Lines:
    if m is None:
        return ["Decontamination: not available (`metrics/decontam.json` is missing)."]
    checked = ", ".join(
        f"{code(name)} ({count(b['items'])} items, {count(b['items_too_short'])} too short to match)"
        for name, b in sorted(m["by_benchmark"].items())
    )
    suite = (
        " and the project's own evaluation suite (by package and near duplicate)"
        if m.get("eval_suite")
        else ""
    )
    return [
        f"Decontamination covers only {checked or 'no benchmark'}, by word {count(m['ngram'])}-grams{suite}: "
        "contamination with any other evaluation set, or paraphrased solutions, is not checked."
    ]


def _synth(m: dict[str, Any] | None) -> Lines:
    if m is None:
        return []
    t = m["templates"]
    items = []
    if t["records"]:
        items.append(
            f"Template instructions repeat a few phrasings per task (distinct-2 of instructions "
            f"{fixed(t['diversity']['distinct_2_instruction'])}, distinct-4 of outputs "
            f"{fixed(t['diversity']['distinct_4_output'])})."
        )
    teacher = m.get("teacher", {})
    if teacher.get("teacher", "none") == "none":
        items.append(
            "No teacher model was used (`synth.teacher.backend: none`): there are no open-ended instructions."
        )
    return items


def _langid(m: dict[str, Any] | None) -> Lines:
    if m is None:
        return []
    low = [(lang, v["recall"]) for lang, v in sorted(m["per_lang"].items()) if v["recall"] < LOW_RECALL]
    if not low:
        return []
    listed = ", ".join(f"{lang} {fixed(r)}" for lang, r in low)
    return [
        f"The language classifier's held-out recall is below {fixed(LOW_RECALL, 1)} for {listed}: these "
        "dialects are told apart by extension and parser, so a mislabelled file of them can stay."
    ]


def _filter(m: dict[str, Any] | None) -> Lines:
    if m is None:
        return []
    low = [
        (lang, v)
        for lang, v in sorted(m["by_lang"].items())
        if v["docs_in"] and v["docs_out"] / v["docs_in"] < LOW_KEPT_SHARE
    ]
    if not low:
        return []
    listed = ", ".join(f"{lang} ({count(v['docs_out'])} of {count(v['docs_in'])})" for lang, v in low)
    return [f"The filter kept less than half of the documents of: {listed}; thin in the data."]


def _sources(inputs: ReportInputs) -> Lines:
    if inputs.manifest is None:
        return []
    sources = sorted({row.source for row in inputs.manifest})
    where = f"{count(len(inputs.manifest))} package versions (source: {', '.join(sources)})"
    if sources == ["npm"]:
        return [f"All documents come from {where}: published libraries and their docs, not application code."]
    return [f"All documents come from {where}."]
