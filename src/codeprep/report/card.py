"""The data card (``DATA_CARD.md``): YAML metadata, then the sections in the Hugging Face dataset-card
order, then how to reproduce it. Only metrics files and ``params.yaml`` feed it, and nothing in it
depends on when or where it was built, so the same inputs give the same bytes."""

from __future__ import annotations

from codeprep.report.figures import language_mix, quality, token_counts
from codeprep.report.front_matter import PRETTY_NAME, front_matter, metadata
from codeprep.report.inputs import ReportInputs
from codeprep.report.limitations import limitations
from codeprep.report.markdown import Lines
from codeprep.report.overview import source_data, structure, summary
from codeprep.report.processing import processing


def render_card(inputs: ReportInputs) -> str:
    sections = [
        [f"# Dataset Card for {PRETTY_NAME}"],
        summary(inputs),
        structure(inputs),
        source_data(inputs),
        processing(inputs),
        language_mix(inputs),
        token_counts(inputs),
        quality(inputs),
        limitations(inputs),
        reproduce(inputs),
    ]
    body = "\n\n".join("\n".join(lines).strip("\n") for lines in sections)
    return front_matter(metadata(inputs)) + "\n" + body + "\n"


def reproduce(inputs: ReportInputs) -> Lines:
    threshold = inputs.param("dedup", "threshold")
    now = f" (now {threshold})" if threshold is not None else ""
    return [
        "## How to reproduce",
        "",
        "```bash",
        "make repro                 # virtualenv, pinned dependencies, pinned default data, dvc repro",
        "dvc repro                  # re-run what changed; the report stage rewrites this card",
        f"dvc exp run -S dedup.threshold=<value>   # an experiment{now}: dedup and what follows re-run",
        "dvc exp show && dvc metrics diff         # compare the figures",
        "dvc plots show             # the plots of out/report/index.html, from the same definitions",
        "```",
        "",
        "Thresholds live in `params.yaml`, the stages in `dvc.yaml`, the raw data in `data.dvc`; the same",
        "inputs and parameters give byte-identical outputs, this card included.",
    ]


def split_card(card: str) -> tuple[str, str]:
    """The card's YAML metadata and its body (what a reader sees rendered)."""
    if card.startswith("---\n"):
        end = card.index("\n---\n", 3)
        return card[4 : end + 1], card[end + len("\n---\n") :]
    return "", card
