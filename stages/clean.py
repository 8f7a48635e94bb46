"""DVC stage `clean`: out/filter/docs → out/clean/docs (licence allow-list, cleaning rules, secret/PII
redaction), out/clean/removed, metrics/clean.json and the licence manifest metrics/licence_manifest.csv."""

from pathlib import Path

import click

from codeprep.clean.licence import LicenceParams
from codeprep.clean.rules import CleanParams
from codeprep.clean.secrets import SecretsParams
from codeprep.clean.stage import CleanConfig, run_clean
from codeprep.execute.params import ExecuteParams
from codeprep.params import load_params
from codeprep.signals.params import SyntaxParams
from codeprep.stage_options import input_path, output_path, params_option


@click.command()
@params_option("licence", "clean", "secrets", "syntax", "execute")
@input_path("--docs", "in_dir", "out/filter/docs")
@output_path("--out", "out_dir", "out/clean")
@output_path("--metrics", "metrics_path", "metrics/clean.json")
@output_path("--manifest", "manifest_path", "metrics/licence_manifest.csv")
def main(params_path: str, in_dir: str, out_dir: str, metrics_path: str, manifest_path: str) -> None:
    params = load_params(params_path)
    config = CleanConfig(
        allow=LicenceParams.from_params(params.get("licence")).allow,
        rules=CleanParams.from_params(params.get("clean")),
        secrets=SecretsParams.from_params(params.get("secrets")),
        js_backend=SyntaxParams.from_params(params.get("syntax")).js_backend,
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
