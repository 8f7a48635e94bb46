"""DVC stage `langid`: out/ingest/docs → a character n-gram language classifier trained on extension
labels (out/langid/model.joblib), held-out metrics/langid.json and plots/langid_confusion.csv."""

import os
from pathlib import Path

import click

from codeprep.metrics import write_csv, write_json
from codeprep.params import load_params
from codeprep.signals.langid import LangIdParams, save, train

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
@click.option(
    "--params", "params_path", default="params.yaml", show_default=True, type=click.Path(exists=True)
)
@click.option("--docs", "docs_dir", default="out/ingest/docs", show_default=True, type=click.Path())
@click.option(
    "--model", "model_path", default="out/langid/model.joblib", show_default=True, type=click.Path()
)
@click.option(
    "--metrics", "metrics_path", default="metrics/langid.json", show_default=True, type=click.Path()
)
@click.option(
    "--plot", "plot_path", default="plots/langid_confusion.csv", show_default=True, type=click.Path()
)
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
    write_json(metrics_path, metrics)
    write_csv(plot_path, evaluation["confusion"], ["actual", "predicted"])


if __name__ == "__main__":
    main()
