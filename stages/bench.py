"""DVC stage `bench`: out/train_proxy/model → GGUF f32/INT8/INT4 builds (out/bench) and
metrics/bench.json (llama.cpp INT4 tokens/s vs PyTorch, perplexity per build and language, model sizes),
and plots/ondevice.csv (the 3.09B target's memory at INT4/INT8 for 2K/8K/32K contexts)."""

from pathlib import Path

import click

from codeprep.metrics import write_csv, write_json
from codeprep.model import ondevice
from codeprep.model.bench import BenchParams, run_bench
from codeprep.params import load_params


@click.command()
@click.option(
    "--params", "params_path", default="params.yaml", show_default=True, type=click.Path(exists=True)
)
@click.option("--model", "model_dir", default="out/train_proxy/model", show_default=True, type=click.Path())
@click.option(
    "--tokens", "tokenize_dir", default="out/tokenize", show_default=True, type=click.Path(exists=True)
)
@click.option("--out", "out_dir", default="out/bench", show_default=True, type=click.Path())
@click.option("--metrics", "metrics_path", default="metrics/bench.json", show_default=True, type=click.Path())
@click.option(
    "--ondevice", "ondevice_path", default="plots/ondevice.csv", show_default=True, type=click.Path()
)
def main(
    params_path: str, model_dir: str, tokenize_dir: str, out_dir: str, metrics_path: str, ondevice_path: str
) -> None:
    params = BenchParams.from_params(load_params(params_path).get("bench"))
    write_json(metrics_path, run_bench(params, Path(model_dir), Path(tokenize_dir), Path(out_dir)))
    rows = ondevice.rows()
    write_csv(ondevice_path, rows, list(rows[0]))


if __name__ == "__main__":
    main()
