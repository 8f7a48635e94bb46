"""DVC stage `train_proxy`: out/mix + out/tokenize → out/train_proxy/model (a small Qwen2, safetensors
+ tokenizer), the dvclive loss curve and metrics/train.json."""

from pathlib import Path

import click

from codeprep.metrics import write_json
from codeprep.model.train import ProxyParams, train
from codeprep.params import load_params
from codeprep.stage_options import input_path, output_path, params_option


@click.command()
@params_option
@input_path("--mix", "mix_dir", "out/mix")
@input_path("--tokens", "tokenize_dir", "out/tokenize")
@output_path("--out", "out_dir", "out/train_proxy")
@output_path("--live", "live_dir", "plots/train_proxy")
@output_path("--metrics", "metrics_path", "metrics/train.json")
def main(
    params_path: str, mix_dir: str, tokenize_dir: str, out_dir: str, live_dir: str, metrics_path: str
) -> None:
    params = ProxyParams.from_params(load_params(params_path).get("train_proxy"))
    result = train(params, Path(mix_dir), Path(tokenize_dir), Path(out_dir), Path(live_dir))
    result.pop("train_seconds")  # a timing: kept out of the metrics so they are identical run to run
    write_json(metrics_path, result)


if __name__ == "__main__":
    main()
