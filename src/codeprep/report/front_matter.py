"""The card's YAML metadata block, in the Hugging Face dataset-card layout (``DatasetCardData``:
``pretty_name``, ``license``, ``language``, ``tags``, ``size_categories``, ``task_categories``,
``source_datasets``), so the card can be a dataset repository's README.md as it is."""

from __future__ import annotations

from typing import Any

import yaml

from codeprep.languages import LANGS
from codeprep.report.inputs import ReportInputs
from codeprep.report.licences import hub_licences, used_ids

PRETTY_NAME = "codeprep: JavaScript/TypeScript, XML/HTML/SVG, Markdown/MDX and CSS code"
#: The Hub's size buckets: (upper bound, label), by number of examples.
SIZE_BUCKETS = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
    (1_000_000_000, "100M<n<1B"),
    (10_000_000_000, "1B<n<10B"),
    (100_000_000_000, "10B<n<100B"),
    (1_000_000_000_000, "100B<n<1T"),
)
#: Where records come from, by the ``source`` the pipeline gives them: collected or written here, or
#: a published dataset (as the Hub's ``extended|<dataset id>``).
OWN_SOURCES = frozenset({"npm", "local", "corpus", "synth", "synth_template"})
PUBLISHED = {
    "codesearchnet": "code-search-net/code_search_net",
    "opencodeinstruct": "nvidia/OpenCodeInstruct",
}


def size_category(n: int) -> str:
    return next((label for bound, label in SIZE_BUCKETS if n < bound), "n>1T")


def example_count(inputs: ReportInputs) -> int | None:
    """Records in the dataset: documents and instruction records over both splits (tokenize), else
    the decontaminated documents."""
    tokenize, decontam = inputs.get("tokenize"), inputs.get("decontam")
    if tokenize is not None:
        return sum(split["docs"] for split in tokenize["splits"].values())
    return decontam["docs_out"] if decontam is not None else None


def languages(inputs: ReportInputs) -> list[str]:
    """Programming languages in the final data, in the schema's canonical order (``other`` is text in
    no target language, so it is no tag)."""
    tokenize, ingest = inputs.get("tokenize"), inputs.get("ingest")
    present = tokenize["tokens"] if tokenize else (ingest["by_lang"] if ingest else {})
    return [lang for lang in LANGS if lang in present and lang != "other"]


def source_datasets(inputs: ReportInputs) -> list[str]:
    sources = {row.source for row in inputs.manifest or ()}
    sources |= set((inputs.get("instruct") or {}).get("by_source", {}))
    values = {"original" if s in OWN_SOURCES else f"extended|{PUBLISHED.get(s, s)}" for s in sources}
    return sorted(values, key=lambda v: (v != "original", v))


def metadata(inputs: ReportInputs) -> dict[str, Any]:
    if inputs.manifest is None:
        licence = ["unknown"]
    else:
        licence = hub_licences(used_ids(inputs.manifest, inputs.param("licence", "allow")))
    meta: dict[str, Any] = {
        "pretty_name": PRETTY_NAME,
        "license": licence,
        "language": ["en"],
        "tags": ["code", *languages(inputs)],
    }
    n = example_count(inputs)
    if n is not None:
        meta["size_categories"] = [size_category(n)]
    meta["task_categories"] = ["text-generation"]
    meta["source_datasets"] = source_datasets(inputs) or ["original"]
    return meta


def front_matter(meta: dict[str, Any]) -> str:
    body = yaml.safe_dump(meta, sort_keys=False, default_flow_style=None, width=1000, allow_unicode=True)
    return f"---\n{body}---\n"
