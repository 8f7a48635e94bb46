"""DVC stage `mix`: out/tokenize/train → out/mix (the training stream at the target language-group
shares), metrics/mix.json and plots/mix.csv (target vs achieved)."""

from pathlib import Path

import click

from codeprep.mix.stage import MixParams, run_mix
from codeprep.params import load_params


@click.command()
@click.option(
    "--params", "params_path", default="params.yaml", show_default=True, type=click.Path(exists=True)
)
@click.option(
    "--tokens", "tokenize_dir", default="out/tokenize", show_default=True, type=click.Path(exists=True)
)
@click.option("--out", "out_dir", default="out/mix", show_default=True, type=click.Path())
@click.option("--metrics", "metrics_path", default="metrics/mix.json", show_default=True, type=click.Path())
@click.option("--plot", "plot_path", default="plots/mix.csv", show_default=True, type=click.Path())
def main(params_path: str, tokenize_dir: str, out_dir: str, metrics_path: str, plot_path: str) -> None:
    params = MixParams.from_params(load_params(params_path).get("mix"))
    run_mix(params, Path(tokenize_dir), Path(out_dir), Path(metrics_path), Path(plot_path))


if __name__ == "__main__":
    main()
