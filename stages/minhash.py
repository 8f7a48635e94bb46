"""DVC stage `minhash`: out/clean/docs → out/minhash/signatures (exact key + MinHash signature per
document) and metrics/minhash.json. Reads no threshold: a dedup.threshold sweep reuses it."""

from pathlib import Path

import click

from codeprep.dedup.minhash import MinHashParams
from codeprep.execute.params import ExecuteParams
from codeprep.minhash.stage import run_minhash
from codeprep.params import load_params
from codeprep.stage_options import input_path, output_path, params_option


@click.command()
@params_option("dedup", "execute")
@input_path("--docs", "in_dir", "out/clean/docs")
@output_path("--out", "out_dir", "out/minhash/signatures")
@output_path("--metrics", "metrics_path", "metrics/minhash.json")
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
