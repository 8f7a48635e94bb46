"""DVC stage `ingest`: raw inputs under data/ → out/ingest/{docs,removed} shards + metrics/ingest.json."""

from pathlib import Path

import click

from codeprep.params import load_params
from codeprep.sources.ingest import IngestConfig, run_ingest


@click.command()
@click.option(
    "--params", "params_path", default="params.yaml", show_default=True, type=click.Path(exists=True)
)
@click.option("--out", "out_dir", default="out/ingest", show_default=True, type=click.Path())
@click.option(
    "--metrics", "metrics_path", default="metrics/ingest.json", show_default=True, type=click.Path()
)
@click.option("--plot", "plot_path", default="plots/ingest_by_lang.csv", show_default=True, type=click.Path())
def main(params_path: str, out_dir: str, metrics_path: str, plot_path: str) -> None:
    cfg = IngestConfig.from_params(load_params(params_path))
    run_ingest(cfg, Path(out_dir), Path(metrics_path), Path(plot_path))


if __name__ == "__main__":
    main()
