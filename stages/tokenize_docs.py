"""DVC stage `tokenize`: out/decontam/docs → out/tokenize (tokenizer directory, packed train/val token
shards split by package) and metrics/tokenize.json.

Not named stages/tokenize.py: Python puts the script's folder first on sys.path, and a tokenize.py
there shadows the standard library's ``tokenize``, which ``inspect`` (so numpy) imports."""

from pathlib import Path

import click

from codeprep.params import load_params
from codeprep.stage_options import input_path, output_path, params_option
from codeprep.tokenize.params import TokenizeParams
from codeprep.tokenize.stage import run_tokenize


@click.command()
@params_option("tokenize")
@input_path("--docs", "in_dir", "out/decontam/docs")
@click.option(
    "--instructions",
    default="out/instruct/instructions.jsonl",
    show_default=True,
    type=click.Path(exists=True),
    help="the instruct stage's records, tokenized as language `instruct`",
)
@output_path("--out", "out_dir", "out/tokenize")
@output_path("--metrics", "metrics_path", "metrics/tokenize.json")
def main(params_path: str, in_dir: str, instructions: str, out_dir: str, metrics_path: str) -> None:
    params = TokenizeParams.from_params(load_params(params_path).get("tokenize"))
    run_tokenize(params, Path(in_dir), Path(out_dir), Path(metrics_path), Path(instructions))


if __name__ == "__main__":
    main()
