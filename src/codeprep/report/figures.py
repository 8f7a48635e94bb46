"""The card's figure sections: Language mix (target vs achieved), Token counts per language and
Quality figures (filter, dedup, instruction checks, the proxy model's bits per byte on the evaluation
suite, with their seed bands).

Speed figures of the benchmark are timings (they move run to run) and never reach the card, which is
what keeps it byte-identical; :mod:`codeprep.report.inputs` drops them on load.
"""

from __future__ import annotations

from codeprep.languages import GROUPS
from codeprep.report.inputs import ReportInputs
from codeprep.report.markdown import Lines, by_count, code, count, fixed, not_available, table

#: Builds of the proxy in the order a reader compares them: reference, exported, INT8, INT4.
BUILD_ORDER = ("torch", "f32", "q8_0", "q4_k_m")


def language_mix(inputs: ReportInputs) -> Lines:
    lines = ["## Language mix", ""]
    m = inputs.get("mix")
    if m is None:
        return [*lines, not_available("metrics/mix.json")]
    groups = [g for g in GROUPS if g in m["target"] or g in m["achieved"]]
    groups += sorted((set(m["target"]) | set(m["achieved"])) - set(groups))
    rows = [
        (
            code(g),
            ", ".join(GROUPS.get(g, ())),
            fixed(m["target"].get(g), 4),
            fixed(m["achieved"].get(g), 4),
            count(m["available"].get(g)),
            fixed(m["epochs"].get(g), 2),
        )
        for g in groups
    ]
    header = ["group", "languages", "target", "achieved", "available tokens", "epochs"]
    unreachable = ", ".join(code(g) for g in m["unreachable"]) or "none"
    return [
        *lines,
        "Token shares of the training stream per language group (`mix.target`, with `mix.instruct_share`",
        "for the instruction records; the language targets share the rest). Epochs above 1 repeat a",
        "group, below 1 down-sample it.",
        "",
        *table(header, rows, [2, 3, 4, 5]),
        "",
        f"{count(m['tokens'])} tokens; largest absolute error {fixed(m['max_abs_error'], 4)}; the group "
        f"that limits the mix (`binding`): {code(m['binding'])}; unreachable targets: {unreachable}.",
    ]


def token_counts(inputs: ReportInputs) -> Lines:
    lines = ["## Token counts per language", ""]
    t = inputs.get("tokenize")
    if t is None:
        return [*lines, not_available("metrics/tokenize.json")]
    total = sum(t["tokens"].values())
    rows = [
        (lang, count(n), fixed(n / total if total else None), fixed(t["bytes_per_token"].get(lang)))
        for lang, n in by_count(t["tokens"])
    ]
    rows.append(("**total**", f"**{count(total)}**", "", ""))
    return [
        *lines,
        "Both splits, before mixing; `instruct` is the instruction records. Bytes per token: UTF-8 bytes",
        "of content per content token.",
        "",
        *table(["language", "tokens", "share", "bytes per token"], rows, [1, 2, 3]),
    ]


def quality(inputs: ReportInputs) -> Lines:
    lines = ["## Quality figures", ""]
    facts = []
    f, s, d, c = (inputs.get(n) for n in ("filter", "signals", "dedup", "clean"))
    if f is not None:
        facts.append(f"- `syntax_validity` of kept documents: {fixed(f['syntax_validity'])}")
        if s is not None:
            facts[-1] += f" (before the filter: {fixed(s['syntax_validity'])})"
        facts.append(
            f"- `data_quality` (input documents passing every quality rule): {fixed(f['data_quality'])}"
        )
        facts.append(f"- `language_accuracy` (held out, by package): {fixed(f['language_accuracy'])}")
    if d is not None:
        facts.append(f"- `duplication_rate` after dedup: {fixed(d['duplication_rate'])}")
    if c is not None:
        facts.append(
            f"- documents broken by cleaning: {count(c['broken_by_cleaning'])}, "
            f"by redaction: {count(c['broken_by_redaction'])}"
        )
    for name, label, key in (
        ("pairs", "code-comment pairs", "code_validity"),
        ("instruct", "instruction records' code blocks", "code_validity"),
    ):
        data = inputs.get(name)
        if data is not None:
            facts.append(f"- code validity of {label}: {fixed(data[key])}")
    lines += facts or [not_available("metrics/filter.json")]
    return [*lines, "", *_proxy(inputs)]


def _band(value: dict | None, digits: int = 4) -> str:
    """``mean ± std`` of a band-carrying model metric."""
    if value is None:
        return "n/a"
    return f"{fixed(value['mean'], digits)} ± {fixed(value['std'], digits)}"


def _proxy(inputs: ReportInputs) -> Lines:
    lines = ["### Proxy model", ""]
    train, bench, evaluation = inputs.get("train"), inputs.get("bench"), inputs.get("eval")
    if train is not None:
        lines += [
            f"A {count(train['params'])}-parameter model of the target's family trained on "
            f"{count(train['tokens'])} tokens of the mix, once per seed ({len(train['seeds'])} seeds; final "
            f"loss {_band(train['final_loss'])}): it ranks data changes, it is not a code model.",
            "",
        ]
    if evaluation is None:
        return [*lines, not_available("metrics/eval.json")]
    bpb = evaluation["bpb"]
    builds = [b for b in BUILD_ORDER if b in bpb] + sorted(set(bpb) - set(BUILD_ORDER))
    groups = list(next(iter(bpb.values())))
    rows = [(code(g), *(_band(bpb[b].get(g)) for b in builds)) for g in groups]
    rows.append(("completion", *(_band(evaluation["completion_bpb"].get(b)) for b in builds)))
    lines += [
        "Bits per byte on the fixed evaluation suite (lower is better; mean ± std over seeds; `torch`: "
        "PyTorch fp32; `f32`, `q8_0`, `q4_k_m`: the llama.cpp GGUF builds, `q4_k_m` being INT4; "
        "`all`: the unweighted mean of the groups; completion: function bodies given their JSDoc and "
        f"signature). Suite `{evaluation['suite_hash'][:19]}…`; `codeprep compare` tells whether a "
        "difference between two runs exceeds the seed band.",
        "",
        *table(["group", *(code(b) for b in builds)], rows, list(range(1, len(builds) + 1))),
    ]
    if bench is not None:
        validity = ", ".join(
            f"{lang} {fixed(v['mean'], 2)}" for lang, v in sorted(bench["gen_syntax_validity"].items())
        )
        lines += [
            "",
            f"Share of INT4 completions that parse, per language (mean over seeds): {validity}.",
            "",
            "Generation speed (`tokens_per_s` and the other timings in `metrics/bench.json`) is measured on",
            "the machine that ran the pipeline and changes run to run, so it is left out of this card.",
        ]
    return lines
