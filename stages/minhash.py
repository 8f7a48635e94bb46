"""DVC stage `minhash`: out/clean/docs → out/minhash/signatures (exact key + MinHash signature per
document) and metrics/minhash.json. Reads no threshold: a dedup.threshold sweep reuses it."""

from pathlib import Path

import click

from codeprep.dedup.minhash import MinHashParams
from codeprep.dedup.minhash_stage import run_minhash
from codeprep.execute.params import ExecuteParams
from codeprep.params import load_params


@click.command()
@click.option(
    "--params", "params_path", default="params.yaml", show_default=True, type=click.Path(exists=True)
)
@click.option("--docs", "in_dir", default="out/clean/docs", show_default=True, type=click.Path(exists=True))
@click.option("--out", "out_dir", default="out/minhash/signatures", show_default=True, type=click.Path())
@click.option(
    "--metrics", "metrics_path", default="metrics/minhash.json", show_default=True, type=click.Path()
)
def main(params_path: str, in_dir: str, out_dir: str, metrics_path: str) -> None:
    params = load_params(params_path)
    run_minhash(
        MinHashParams.from_params(params.get("dedup")),
        Path(in_dir),
        Path(out_dir),
        Path(metrics_path),
        ExecuteParams.from_params(params.get("execute")),
    )


if __name__ == "__main__":
    main()
