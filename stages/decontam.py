"""DVC stage `decontam`: out/dedup/docs → out/decontam/docs without documents from the evaluation
suite's packages or near-duplicate to its documents (out/eval_suite), or that contain a passage of a
benchmark item (HumanEval and the benchmarks in params.yaml); out/decontam/removed,
metrics/decontam.json."""

from pathlib import Path

import click

from codeprep.decontam.params import DecontamParams
from codeprep.decontam.stage import run_decontam
from codeprep.execute.params import ExecuteParams
from codeprep.params import load_params
from codeprep.stage_options import input_path, output_path, params_option


@click.command()
@params_option("decontam", "execute")
@input_path("--docs", "in_dir", "out/dedup/docs")
@input_path("--suite", "suite_dir", "out/eval_suite")
@output_path("--out", "out_dir", "out/decontam")
@output_path("--metrics", "metrics_path", "metrics/decontam.json")
def main(params_path: str, in_dir: str, suite_dir: str, out_dir: str, metrics_path: str) -> None:
    params = load_params(params_path)
    run_decontam(
        DecontamParams.from_params(params.get("decontam")),
        Path(in_dir),
        Path(out_dir),
        Path(metrics_path),
        ExecuteParams.from_params(params.get("execute")),
        suite_dir=Path(suite_dir),
    )


if __name__ == "__main__":
    main()
