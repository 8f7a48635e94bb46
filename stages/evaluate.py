"""DVC stage `evaluate`: every seed's proxy, in PyTorch and in each GGUF build, scored in bits per
byte on the fixed evaluation suite → metrics/eval.json (mean, std and per-seed values; suite hash;
device, threads and library versions)."""

from pathlib import Path

import click

from codeprep.metrics import write_metrics
from codeprep.model.evaluate import run_evaluate
from codeprep.model.params import ProxyParams
from codeprep.params import load_params
from codeprep.stage_options import input_path, output_path, params_option


@click.command()
@params_option("train_proxy")
@input_path("--models", "train_dir", "out/train_proxy")
@input_path("--builds", "bench_dir", "out/bench")
@input_path("--suite", "suite_dir", "out/eval_suite")
@output_path("--metrics", "metrics_path", "metrics/eval.json")
def main(params_path: str, train_dir: str, bench_dir: str, suite_dir: str, metrics_path: str) -> None:
    params = ProxyParams.from_params(load_params(params_path).get("train_proxy"))
    write_metrics(metrics_path, run_evaluate(params, Path(train_dir), Path(bench_dir), Path(suite_dir)))


if __name__ == "__main__":
    main()
