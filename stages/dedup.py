"""DVC stage `dedup`: out/clean/docs + out/minhash/signatures → out/dedup/docs, out/dedup/removed,
metrics/dedup.json and the cluster-size and Jaccard plots."""

from pathlib import Path

import click

from codeprep.dedup.params import DedupParams
from codeprep.dedup.stage import run_dedup
from codeprep.execute.params import ExecuteParams
from codeprep.params import load_params
from codeprep.stage_options import input_path, output_path, params_option


@click.command()
@params_option("dedup", "execute")
@input_path("--docs", "docs_dir", "out/clean/docs")
@input_path("--signatures", "sig_dir", "out/minhash/signatures")
@output_path("--out", "out_dir", "out/dedup")
@output_path("--metrics", "metrics_path", "metrics/dedup.json")
@output_path("--plots", "plots_dir", "plots")
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
