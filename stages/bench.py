"""DVC stage `bench`: out/train_proxy/model → GGUF f32/INT8/INT4 builds (out/bench) and
metrics/bench.json (llama.cpp INT4 tokens/s vs PyTorch, perplexity per build and language, model sizes),
and plots/ondevice.csv (the 3.09B target's memory at INT4/INT8 for 2K/8K/32K contexts)."""

from pathlib import Path

import click

from codeprep.metrics import write_csv, write_json
from codeprep.model import ondevice
from codeprep.model.bench import BenchParams, run_bench
from codeprep.params import load_params
from codeprep.stage_options import input_path, output_path, params_option


@click.command()
@params_option
@output_path("--model", "model_dir", "out/train_proxy/model")
@input_path("--tokens", "tokenize_dir", "out/tokenize")
@output_path("--out", "out_dir", "out/bench")
@output_path("--metrics", "metrics_path", "metrics/bench.json")
@output_path("--ondevice", "ondevice_path", "plots/ondevice.csv")
def main(
    params_path: str, model_dir: str, tokenize_dir: str, out_dir: str, metrics_path: str, ondevice_path: str
) -> None:
    params = BenchParams.from_params(load_params(params_path).get("bench"))
    write_json(metrics_path, run_bench(params, Path(model_dir), Path(tokenize_dir), Path(out_dir)))
    rows = ondevice.rows()
    write_csv(ondevice_path, rows, list(rows[0]))


if __name__ == "__main__":
    main()
