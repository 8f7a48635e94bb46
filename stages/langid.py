"""DVC stage `langid`: out/ingest/docs → a character n-gram language classifier trained on extension
labels (out/langid/model.joblib), held-out metrics/langid.json and plots/langid_confusion.csv."""

import os
from pathlib import Path

import click

from codeprep.metrics import write_csv, write_metrics
from codeprep.params import load_params
from codeprep.signals.langid import save, train
from codeprep.signals.params import LangIdParams
from codeprep.stage_options import input_path, output_path, params_option

METRICS = (
    "accuracy",
    "family_accuracy",
    "compatible_accuracy",
    "balanced_accuracy",
    "unambiguous_accuracy",
    "ambiguous_docs",
    "per_lang",
    "train_docs",
    "test_docs",
)


@click.command()
@params_option("langid")
@input_path("--docs", "docs_dir", "out/ingest/docs")
@output_path("--model", "model_path", "out/langid/model.joblib")
@output_path("--metrics", "metrics_path", "metrics/langid.json")
@output_path("--plot", "plot_path", "plots/langid_confusion.csv")
@click.option(
    "--jobs", default=os.cpu_count() or 1, show_default=True, help="processes for feature hashing only"
)
def main(
    params_path: str, docs_dir: str, model_path: str, metrics_path: str, plot_path: str, jobs: int
) -> None:
    params = LangIdParams.from_params(load_params(params_path).get("langid"))
    model, evaluation = train(Path(docs_dir), params, n_jobs=jobs)
    save(model, model_path)
    metrics = {key: evaluation[key] for key in METRICS}
    metrics["train_repos"] = len(evaluation["train_repos"])
    metrics["test_repos"] = len(evaluation["test_repos"])
    write_metrics(metrics_path, metrics)
    write_csv(plot_path, evaluation["confusion"], ["actual", "predicted"])


if __name__ == "__main__":
    main()
