"""DVC stage `filter`: out/signals/docs → out/filter/{docs,removed} by the thresholds in params.yaml."""

from pathlib import Path

import click

from codeprep.execute.params import ExecuteParams
from codeprep.filters.params import FilterParams
from codeprep.filters.stage import run_filter
from codeprep.params import load_params
from codeprep.stage_options import input_path, output_path, params_option


@click.command()
@params_option("filter", "execute")
@input_path("--docs", "in_dir", "out/signals/docs")
@input_path("--langid-metrics", "langid_metrics", "metrics/langid.json")
@output_path("--out", "out_dir", "out/filter")
@output_path("--metrics", "metrics_path", "metrics/filter.json")
def main(params_path: str, in_dir: str, langid_metrics: str, out_dir: str, metrics_path: str) -> None:
    params = load_params(params_path)
    execute = ExecuteParams.from_params(params.get("execute"))
    run_filter(
        FilterParams.from_params(params.get("filter")),
        Path(in_dir),
        Path(out_dir),
        Path(langid_metrics),
        Path(metrics_path),
        execute,
    )


if __name__ == "__main__":
    main()
