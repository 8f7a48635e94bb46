"""DVC stage `train_proxy`: out/mix + out/tokenize → out/train_proxy/model (a small Qwen2, safetensors
+ tokenizer), the dvclive loss curve and metrics/train.json."""

from pathlib import Path

import click

from codeprep.metrics import write_json
from codeprep.model.train import ProxyParams, train
from codeprep.params import load_params


@click.command()
@click.option(
    "--params", "params_path", default="params.yaml", show_default=True, type=click.Path(exists=True)
)
@click.option("--mix", "mix_dir", default="out/mix", show_default=True, type=click.Path(exists=True))
@click.option(
    "--tokens", "tokenize_dir", default="out/tokenize", show_default=True, type=click.Path(exists=True)
)
@click.option("--out", "out_dir", default="out/train_proxy", show_default=True, type=click.Path())
@click.option("--live", "live_dir", default="plots/train_proxy", show_default=True, type=click.Path())
@click.option("--metrics", "metrics_path", default="metrics/train.json", show_default=True, type=click.Path())
def main(
    params_path: str, mix_dir: str, tokenize_dir: str, out_dir: str, live_dir: str, metrics_path: str
) -> None:
    params = ProxyParams.from_params(load_params(params_path).get("train_proxy"))
    result = train(params, Path(mix_dir), Path(tokenize_dir), Path(out_dir), Path(live_dir))
    result.pop("train_seconds")  # a timing: kept out of the metrics so they are identical run to run
    write_json(metrics_path, result)


if __name__ == "__main__":
    main()
