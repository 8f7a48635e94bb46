"""DVC stage `pairs`: out/decontam/docs → out/pairs/pairs.jsonl (CodeSearchNet schema) and
out/pairs/instructions.jsonl (CAT transforms), metrics/pairs.json."""

from pathlib import Path

import click

from codeprep.pairs.stage import params_from, run_pairs
from codeprep.params import load_params
from codeprep.tokenize.stage import TokenizeParams


@click.command()
@click.option(
    "--params", "params_path", default="params.yaml", show_default=True, type=click.Path(exists=True)
)
@click.option(
    "--docs", "docs_dir", default="out/decontam/docs", show_default=True, type=click.Path(exists=True)
)
@click.option("--out", "out_dir", default="out/pairs", show_default=True, type=click.Path())
@click.option("--metrics", "metrics_path", default="metrics/pairs.json", show_default=True, type=click.Path())
def main(params_path: str, docs_dir: str, out_dir: str, metrics_path: str) -> None:
    params = load_params(params_path)
    run_pairs(
        params_from(params.get("pairs")),
        TokenizeParams.from_params(params.get("tokenize")),
        Path(docs_dir),
        Path(out_dir),
        Path(metrics_path),
    )


if __name__ == "__main__":
    main()
