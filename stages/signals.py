"""DVC stage `signals`: out/ingest/docs → out/signals/docs (+ quality, syntax and language signals)."""

from pathlib import Path

import click

from codeprep.execute.params import ExecuteParams
from codeprep.params import load_params
from codeprep.signals.params import Budget, LangIdParams, SyntaxParams
from codeprep.signals.stage import SignalsConfig, run_signals
from codeprep.stage_options import input_path, output_path, params_option


@click.command()
@params_option("syntax", "signals", "langid", "execute")
@input_path("--docs", "in_dir", "out/ingest/docs")
@input_path("--model", "model", "out/langid/model.joblib")
@output_path("--out", "out_dir", "out/signals")
@output_path("--metrics", "metrics_path", "metrics/signals.json")
def main(params_path: str, in_dir: str, model: str, out_dir: str, metrics_path: str) -> None:
    params = load_params(params_path)
    config = SignalsConfig(
        js_backend=SyntaxParams.from_params(params.get("syntax")).js_backend,
        langid_model=Path(model).resolve(),  # absolute: a Ray worker may start elsewhere
        langid_min_prob=LangIdParams.from_params(params.get("langid")).min_prob,
        budget=Budget.from_params(params.get("signals")),
    )
    execute = ExecuteParams.from_params(params.get("execute"))
    run_signals(config, Path(in_dir), Path(out_dir), Path(metrics_path), execute)


if __name__ == "__main__":
    main()
