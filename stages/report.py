"""DVC stage `report`: metrics/, params.yaml and the plots of dvc.yaml → out/report/DATA_CARD.md (a
Hugging Face dataset card) and out/report/index.html (the card and every plot as Vega-Lite charts)."""

from pathlib import Path

import click

from codeprep.report.stage import run_report
from codeprep.stage_options import input_path, output_path, params_option


@click.command()
@params_option("ingest", "langid", "filter", "licence", "clean", "dedup", "synth", "mix")
@click.option("--metrics-dir", default="metrics", show_default=True, type=click.Path(file_okay=False))
@click.option("--plots-dir", default="plots", show_default=True, type=click.Path(file_okay=False))
@input_path("--dvc-yaml", "dvc_yaml", "dvc.yaml")
@output_path("--out", "out_dir", "out/report")
def main(params_path: str, metrics_dir: str, plots_dir: str, dvc_yaml: str, out_dir: str) -> None:
    run_report(Path(params_path), Path(metrics_dir), Path(plots_dir), Path(dvc_yaml), Path(out_dir))


if __name__ == "__main__":
    main()
