"""DVC stage `filter`: out/signals/docs → out/filter/{docs,removed} by the thresholds in params.yaml."""

from pathlib import Path

import click

from codeprep.execute.params import ExecuteParams
from codeprep.filters.stage import run_filter
from codeprep.params import load_params


@click.command()
@click.option(
    "--params", "params_path", default="params.yaml", show_default=True, type=click.Path(exists=True)
)
@click.option("--docs", "in_dir", default="out/signals/docs", show_default=True, type=click.Path(exists=True))
@click.option(
    "--langid-metrics", default="metrics/langid.json", show_default=True, type=click.Path(exists=True)
)
@click.option("--out", "out_dir", default="out/filter", show_default=True, type=click.Path())
@click.option(
    "--metrics", "metrics_path", default="metrics/filter.json", show_default=True, type=click.Path()
)
def main(params_path: str, in_dir: str, langid_metrics: str, out_dir: str, metrics_path: str) -> None:
    params = load_params(params_path)
    execute = ExecuteParams.from_params(params.get("execute"))
    run_filter(params, Path(in_dir), Path(out_dir), Path(langid_metrics), Path(metrics_path), execute)


if __name__ == "__main__":
    main()
