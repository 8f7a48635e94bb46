"""DVC stage `synth`: out/decontam/docs + out/pairs/pairs.jsonl → out/synth (template instructions,
mutants, teacher records when synth.teacher.backend is set), metrics/synth.json."""

from pathlib import Path

import click

from codeprep.params import load_params
from codeprep.synth.stage import SynthParams, run_synth


@click.command()
@click.option(
    "--params", "params_path", default="params.yaml", show_default=True, type=click.Path(exists=True)
)
@click.option(
    "--docs", "docs_dir", default="out/decontam/docs", show_default=True, type=click.Path(exists=True)
)
@click.option(
    "--pairs", "pairs_path", default="out/pairs/pairs.jsonl", show_default=True, type=click.Path(exists=True)
)
@click.option("--out", "out_dir", default="out/synth", show_default=True, type=click.Path())
@click.option("--metrics", "metrics_path", default="metrics/synth.json", show_default=True, type=click.Path())
def main(params_path: str, docs_dir: str, pairs_path: str, out_dir: str, metrics_path: str) -> None:
    params = SynthParams.from_params(load_params(params_path).get("synth"))
    run_synth(params, Path(docs_dir), Path(pairs_path), Path(out_dir), Path(metrics_path))


if __name__ == "__main__":
    main()
