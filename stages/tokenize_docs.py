"""DVC stage `tokenize`: out/decontam/docs → out/tokenize (tokenizer directory, packed train/val token
shards split by package) and metrics/tokenize.json.

Not named stages/tokenize.py: Python puts the script's folder first on sys.path, and a tokenize.py
there shadows the standard library's ``tokenize``, which ``inspect`` (so numpy) imports."""

from pathlib import Path

import click

from codeprep.params import load_params
from codeprep.tokenize.stage import TokenizeParams, run_tokenize


@click.command()
@click.option(
    "--params", "params_path", default="params.yaml", show_default=True, type=click.Path(exists=True)
)
@click.option(
    "--docs", "in_dir", default="out/decontam/docs", show_default=True, type=click.Path(exists=True)
)
@click.option(
    "--instructions",
    default="out/instruct/instructions.jsonl",
    show_default=True,
    type=click.Path(exists=True),
    help="the instruct stage's records, tokenized as language `instruct`",
)
@click.option("--out", "out_dir", default="out/tokenize", show_default=True, type=click.Path())
@click.option(
    "--metrics", "metrics_path", default="metrics/tokenize.json", show_default=True, type=click.Path()
)
def main(params_path: str, in_dir: str, instructions: str, out_dir: str, metrics_path: str) -> None:
    params = TokenizeParams.from_params(load_params(params_path).get("tokenize"))
    run_tokenize(params, Path(in_dir), Path(out_dir), Path(metrics_path), Path(instructions))


if __name__ == "__main__":
    main()
