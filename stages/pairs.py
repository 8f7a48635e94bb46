"""DVC stage `pairs`: out/decontam/docs → out/pairs/pairs.jsonl (CodeSearchNet schema) and
out/pairs/instructions.jsonl (CAT transforms), metrics/pairs.json."""

from pathlib import Path

import click

from codeprep.pairs.params import PairParams
from codeprep.pairs.stage import run_pairs
from codeprep.params import load_params
from codeprep.stage_options import input_path, output_path, params_option
from codeprep.tokenize.params import TokenizeParams


@click.command()
@params_option("pairs", "tokenize")
@input_path("--docs", "docs_dir", "out/decontam/docs")
@output_path("--out", "out_dir", "out/pairs")
@output_path("--metrics", "metrics_path", "metrics/pairs.json")
def main(params_path: str, docs_dir: str, out_dir: str, metrics_path: str) -> None:
    params = load_params(params_path)
    run_pairs(
        PairParams.from_params(params.get("pairs")),
        TokenizeParams.from_params(params.get("tokenize")),
        Path(docs_dir),
        Path(out_dir),
        Path(metrics_path),
    )


if __name__ == "__main__":
    main()
