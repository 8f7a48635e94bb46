"""DVC stage `synth`: out/decontam/docs + out/pairs/pairs.jsonl → out/synth (template instructions,
mutants, teacher records when synth.teacher.backend is set), metrics/synth.json."""

from pathlib import Path

import click

from codeprep.params import load_params
from codeprep.stage_options import input_path, output_path, params_option
from codeprep.synth.params import SynthParams
from codeprep.synth.stage import run_synth


@click.command()
@params_option("synth")
@input_path("--docs", "docs_dir", "out/decontam/docs")
@input_path("--pairs", "pairs_path", "out/pairs/pairs.jsonl")
@output_path("--out", "out_dir", "out/synth")
@output_path("--metrics", "metrics_path", "metrics/synth.json")
def main(params_path: str, docs_dir: str, pairs_path: str, out_dir: str, metrics_path: str) -> None:
    params = SynthParams.from_params(load_params(params_path).get("synth"))
    run_synth(params, Path(docs_dir), Path(pairs_path), Path(out_dir), Path(metrics_path))


if __name__ == "__main__":
    main()
