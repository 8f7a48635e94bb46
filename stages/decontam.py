"""DVC stage `decontam`: out/dedup/docs → out/decontam/docs without documents that contain a passage
of an evaluation item (HumanEval and the benchmarks in params.yaml), out/decontam/removed,
metrics/decontam.json."""

from pathlib import Path

import click

from codeprep.decontam.stage import DecontamParams, run_decontam
from codeprep.execute.params import ExecuteParams
from codeprep.params import load_params


@click.command()
@click.option(
    "--params", "params_path", default="params.yaml", show_default=True, type=click.Path(exists=True)
)
@click.option("--docs", "in_dir", default="out/dedup/docs", show_default=True, type=click.Path(exists=True))
@click.option("--out", "out_dir", default="out/decontam", show_default=True, type=click.Path())
@click.option(
    "--metrics", "metrics_path", default="metrics/decontam.json", show_default=True, type=click.Path()
)
def main(params_path: str, in_dir: str, out_dir: str, metrics_path: str) -> None:
    params = load_params(params_path)
    run_decontam(
        DecontamParams.from_params(params.get("decontam")),
        Path(in_dir),
        Path(out_dir),
        Path(metrics_path),
        ExecuteParams.from_params(params.get("execute")),
    )


if __name__ == "__main__":
    main()
