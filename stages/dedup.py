"""DVC stage `dedup`: out/clean/docs + out/minhash/signatures → out/dedup/docs, out/dedup/removed,
metrics/dedup.json and the cluster-size and Jaccard plots."""

from pathlib import Path

import click

from codeprep.dedup.dedup_stage import DedupParams, run_dedup
from codeprep.execute.params import ExecuteParams
from codeprep.params import load_params


@click.command()
@click.option(
    "--params", "params_path", default="params.yaml", show_default=True, type=click.Path(exists=True)
)
@click.option("--docs", "docs_dir", default="out/clean/docs", show_default=True, type=click.Path(exists=True))
@click.option(
    "--signatures",
    "sig_dir",
    default="out/minhash/signatures",
    show_default=True,
    type=click.Path(exists=True),
)
@click.option("--out", "out_dir", default="out/dedup", show_default=True, type=click.Path())
@click.option("--metrics", "metrics_path", default="metrics/dedup.json", show_default=True, type=click.Path())
@click.option("--plots", "plots_dir", default="plots", show_default=True, type=click.Path())
def main(
    params_path: str, docs_dir: str, sig_dir: str, out_dir: str, metrics_path: str, plots_dir: str
) -> None:
    params = load_params(params_path)
    run_dedup(
        DedupParams.from_params(params.get("dedup")),
        Path(docs_dir),
        Path(sig_dir),
        Path(out_dir),
        Path(metrics_path),
        Path(plots_dir),
        ExecuteParams.from_params(params.get("execute")),
    )


if __name__ == "__main__":
    main()
