"""DVC stage `bench`: every seed's out/train_proxy model → GGUF f32/INT8/INT4 builds (out/bench/seed-<s>),
metrics/bench.json (llama.cpp INT4 tokens/s vs PyTorch, completion validity, model sizes), and
plots/ondevice.csv (the 3.09B target's memory at INT4/INT8 for 2K/8K/32K contexts)."""

from pathlib import Path

import click

from codeprep.metrics import write_csv, write_metrics
from codeprep.model import ondevice
from codeprep.model.bench import run_bench
from codeprep.model.params import BenchParams, ProxyParams
from codeprep.params import load_params
from codeprep.stage_options import input_path, output_path, params_option


@click.command()
@params_option("bench", "train_proxy")
@input_path("--models", "train_dir", "out/train_proxy")
@input_path("--tokens", "tokenize_dir", "out/tokenize")
@output_path("--out", "out_dir", "out/bench")
@output_path("--metrics", "metrics_path", "metrics/bench.json")
@output_path("--ondevice", "ondevice_path", "plots/ondevice.csv")
def main(
    params_path: str, train_dir: str, tokenize_dir: str, out_dir: str, metrics_path: str, ondevice_path: str
) -> None:
    params = load_params(params_path)
    seeds = ProxyParams.from_params(params.get("train_proxy")).seeds
    bench = BenchParams.from_params(params.get("bench"))
    write_metrics(metrics_path, run_bench(bench, seeds, Path(train_dir), Path(tokenize_dir), Path(out_dir)))
    rows = ondevice.rows()
    write_csv(ondevice_path, rows, list(rows[0]))


if __name__ == "__main__":
    main()
