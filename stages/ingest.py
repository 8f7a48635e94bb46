"""DVC stage `ingest`: raw inputs under data/ → out/ingest/{docs,removed} shards + metrics/ingest.json."""

from pathlib import Path

import click

from codeprep.params import ParamsError, load_params
from codeprep.sources.ingest import run_ingest
from codeprep.sources.params import IngestConfig, check_inputs
from codeprep.stage_options import output_path, params_option


@click.command()
@params_option("shards", "ingest")
@output_path("--out", "out_dir", "out/ingest")
@output_path("--metrics", "metrics_path", "metrics/ingest.json")
@output_path("--plot", "plot_path", "plots/ingest_by_lang.csv")
def main(params_path: str, out_dir: str, metrics_path: str, plot_path: str) -> None:
    cfg = IngestConfig.from_params(load_params(params_path))
    try:
        check_inputs(cfg)
    except ParamsError as err:
        raise click.ClickException(f"{params_path}: {err}") from None
    run_ingest(cfg, Path(out_dir), Path(metrics_path), Path(plot_path))


if __name__ == "__main__":
    main()
