"""DVC stage `mix`: out/tokenize/train → out/mix (the training stream at the target language-group
shares), metrics/mix.json and plots/mix.csv (target vs achieved)."""

from pathlib import Path

import click

from codeprep.mix.params import MixParams
from codeprep.mix.stage import run_mix
from codeprep.params import load_params
from codeprep.stage_options import input_path, output_path, params_option


@click.command()
@params_option("mix")
@input_path("--tokens", "tokenize_dir", "out/tokenize")
@output_path("--out", "out_dir", "out/mix")
@output_path("--metrics", "metrics_path", "metrics/mix.json")
@output_path("--plot", "plot_path", "plots/mix.csv")
def main(params_path: str, tokenize_dir: str, out_dir: str, metrics_path: str, plot_path: str) -> None:
    params = MixParams.from_params(load_params(params_path).get("mix"))
    run_mix(params, Path(tokenize_dir), Path(out_dir), Path(metrics_path), Path(plot_path))


if __name__ == "__main__":
    main()
