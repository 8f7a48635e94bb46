"""The report stage: ``out/report/DATA_CARD.md`` and ``out/report/index.html`` from the metrics files,
``params.yaml``, and the plot definitions and data of ``dvc.yaml``. Both are written to a staging folder
published only when complete, so an interrupted run leaves the previous report whole."""

from __future__ import annotations

from pathlib import Path

from codeprep.report.card import render_card
from codeprep.report.inputs import load_inputs
from codeprep.report.page import render_page
from codeprep.report.plots import build_charts
from codeprep.shards import publish, staging_dir

CARD = "DATA_CARD.md"
PAGE = "index.html"


def run_report(params_path: Path, metrics_dir: Path, plots_dir: Path, dvc_yaml: Path, out_dir: Path) -> None:
    card = render_card(load_inputs(params_path, metrics_dir))
    page = render_page(card, build_charts(dvc_yaml, plots_dir))
    staging = staging_dir(out_dir)
    (staging / CARD).write_text(card, encoding="utf-8", newline="\n")
    (staging / PAGE).write_text(page, encoding="utf-8", newline="\n")
    publish(staging, out_dir)
