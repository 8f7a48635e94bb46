"""DVC stage `gates`: the data phase's metrics against params.yaml `gates:` → metrics/gates.json and
out/gates/passed (what tokenize waits on). A failed `on_fail: error` gate fails `dvc repro` here,
before the model phase; a failed `on_fail: warn` gate is printed and recorded."""

from pathlib import Path

import click

from codeprep.gates import GateError, run_gates
from codeprep.params import load_params
from codeprep.stage_options import output_path, params_option


@click.command()
@params_option("gates")
@output_path("--metrics-dir", "metrics_dir", "metrics")
@output_path("--out", "out_path", "out/gates/passed")
@output_path("--report", "report_path", "metrics/gates.json")
def main(params_path: str, metrics_dir: str, out_path: str, report_path: str) -> None:
    try:
        report = run_gates(load_params(params_path).get("gates"), Path(metrics_dir), Path(report_path))
    except ValueError as err:
        raise click.ClickException(f"params.yaml: {err}") from None
    except GateError as err:
        raise click.ClickException(f"quality gate failed: {err}") from None
    if report["warning"]:
        click.echo(f"warning (on_fail: warn): {report['warning']}", err=True)
    # Constant content: tokenize depends on it for ordering only, so a threshold change that still
    # passes re-runs nothing downstream.
    Path(out_path).parent.mkdir(parents=True, exist_ok=True)
    Path(out_path).write_text("every on_fail: error gate passed\n", encoding="utf-8")


if __name__ == "__main__":
    main()
