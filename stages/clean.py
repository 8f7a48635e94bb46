"""DVC stage `clean`: out/filter/docs → out/clean/docs (licence allow-list, cleaning rules, secret/PII
redaction), out/clean/removed, metrics/clean.json and the licence manifest metrics/licence_manifest.csv."""

from pathlib import Path

import click

from codeprep.clean.rules import CleanParams
from codeprep.clean.secrets import SecretsParams
from codeprep.clean.stage import CleanConfig, run_clean
from codeprep.execute.params import ExecuteParams
from codeprep.params import load_params


@click.command()
@click.option(
    "--params", "params_path", default="params.yaml", show_default=True, type=click.Path(exists=True)
)
@click.option("--docs", "in_dir", default="out/filter/docs", show_default=True, type=click.Path(exists=True))
@click.option("--out", "out_dir", default="out/clean", show_default=True, type=click.Path())
@click.option("--metrics", "metrics_path", default="metrics/clean.json", show_default=True, type=click.Path())
@click.option(
    "--manifest",
    "manifest_path",
    default="metrics/licence_manifest.csv",
    show_default=True,
    type=click.Path(),
)
def main(params_path: str, in_dir: str, out_dir: str, metrics_path: str, manifest_path: str) -> None:
    params = load_params(params_path)
    config = CleanConfig(
        allow=tuple(params["licence"]["allow"]),
        rules=CleanParams.from_params(params.get("clean")),
        secrets=SecretsParams.from_params(params.get("secrets")),
        js_backend=params["syntax"]["js_backend"],
    )
    run_clean(
        config,
        Path(in_dir),
        Path(out_dir),
        Path(metrics_path),
        Path(manifest_path),
        ExecuteParams.from_params(params.get("execute")),
    )


if __name__ == "__main__":
    main()
