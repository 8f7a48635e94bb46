"""DVC stage `signals`: out/ingest/docs → out/signals/docs (+ quality, syntax and language signals)."""

from pathlib import Path

import click

from codeprep.execute.params import ExecuteParams
from codeprep.params import load_params
from codeprep.signals.stage import SignalsConfig, run_signals


@click.command()
@click.option(
    "--params", "params_path", default="params.yaml", show_default=True, type=click.Path(exists=True)
)
@click.option("--docs", "in_dir", default="out/ingest/docs", show_default=True, type=click.Path(exists=True))
@click.option("--model", default="out/langid/model.joblib", show_default=True, type=click.Path(exists=True))
@click.option("--out", "out_dir", default="out/signals", show_default=True, type=click.Path())
@click.option(
    "--metrics", "metrics_path", default="metrics/signals.json", show_default=True, type=click.Path()
)
def main(params_path: str, in_dir: str, model: str, out_dir: str, metrics_path: str) -> None:
    params = load_params(params_path)
    config = SignalsConfig(
        js_backend=params["syntax"]["js_backend"],
        langid_model=Path(model).resolve(),  # absolute: a Ray worker may start elsewhere
        langid_min_prob=float(params["langid"]["min_prob"]),
    )
    execute = ExecuteParams.from_params(params.get("execute"))
    run_signals(config, Path(in_dir), Path(out_dir), Path(metrics_path), execute)


if __name__ == "__main__":
    main()
