"""DVC stage `report`: metrics/, params.yaml and the plots of dvc.yaml → out/report/DATA_CARD.md (a
Hugging Face dataset card) and out/report/index.html (the card and every plot as Vega-Lite charts)."""

from pathlib import Path

import click

from codeprep.report.stage import run_report


@click.command()
@click.option(
    "--params", "params_path", default="params.yaml", show_default=True, type=click.Path(exists=True)
)
@click.option("--metrics-dir", default="metrics", show_default=True, type=click.Path(file_okay=False))
@click.option("--plots-dir", default="plots", show_default=True, type=click.Path(file_okay=False))
@click.option("--dvc-yaml", default="dvc.yaml", show_default=True, type=click.Path(exists=True))
@click.option("--out", "out_dir", default="out/report", show_default=True, type=click.Path())
def main(params_path: str, metrics_dir: str, plots_dir: str, dvc_yaml: str, out_dir: str) -> None:
    run_report(Path(params_path), Path(metrics_dir), Path(plots_dir), Path(dvc_yaml), Path(out_dir))


if __name__ == "__main__":
    main()
