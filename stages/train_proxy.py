"""DVC stage `train_proxy`: out/mix + out/tokenize → one small Qwen2 per seed in
out/train_proxy/seed-<s>/model (safetensors + tokenizer), metrics/train.json (losses as mean, std
and per-seed values) and the loss curve plots/train_loss.csv."""

import sys
from pathlib import Path

import click

from codeprep.metrics import write_metrics
from codeprep.model.params import ProxyParams
from codeprep.model.train import train
from codeprep.params import load_params
from codeprep.stage_options import input_path, output_path, params_option


@click.command()
@params_option("train_proxy")
@input_path("--mix", "mix_dir", "out/mix")
@input_path("--tokens", "tokenize_dir", "out/tokenize")
@output_path("--out", "out_dir", "out/train_proxy")
@output_path("--plot", "plot_path", "plots/train_loss.csv")
@output_path("--metrics", "metrics_path", "metrics/train.json")
def main(
    params_path: str, mix_dir: str, tokenize_dir: str, out_dir: str, plot_path: str, metrics_path: str
) -> None:
    try:
        params = ProxyParams.from_params(load_params(params_path).get("train_proxy"))
    except ValueError as err:
        raise click.ClickException(f"params.yaml: {err}") from None
    result = train(params, Path(mix_dir), Path(tokenize_dir), Path(out_dir), Path(plot_path))
    seconds = result.pop(
        "train_seconds"
    )  # a timing: kept out of the metrics so they are identical run to run
    print(f"train_proxy: {len(params.seeds)} seed(s) in {seconds:.0f} s", file=sys.stderr)
    write_metrics(metrics_path, result)


if __name__ == "__main__":
    main()
