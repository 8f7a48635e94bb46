"""DVC stage `instruct`: CAT records (out/pairs), template/teacher records (out/synth) and the
OpenCodeInstruct files named in params.yaml → out/instruct/instructions.jsonl, out/instruct/removed,
metrics/instruct.json."""

from pathlib import Path

import click

from codeprep.decontam.params import DecontamParams
from codeprep.decontam.stage import build_index
from codeprep.instruct.params import InstructParams
from codeprep.instruct.stage import run_instruct
from codeprep.params import load_params
from codeprep.signals.langid import LangId
from codeprep.stage_options import input_path, output_path, params_option


@click.command()
@params_option("instruct", "decontam")
@click.option(
    "--records",
    "jsonl",
    multiple=True,
    default=["out/pairs/instructions.jsonl", "out/synth/instructions.jsonl"],
    show_default=True,
    type=click.Path(exists=True),
)
@input_path("--langid", "langid_model", "out/langid/model.joblib")
@output_path("--out", "out_dir", "out/instruct")
@output_path("--metrics", "metrics_path", "metrics/instruct.json")
def main(
    params_path: str, jsonl: tuple[str, ...], langid_model: str, out_dir: str, metrics_path: str
) -> None:
    params = load_params(params_path)
    model = LangId.from_file(langid_model)

    def predict(code: str) -> tuple[str, float]:
        labels, probs = model.predict([code])
        return labels[0], probs[0]

    run_instruct(
        InstructParams.from_params(params.get("instruct")),
        [Path(p) for p in jsonl],
        Path(out_dir),
        Path(metrics_path),
        build_index(DecontamParams.from_params(params.get("decontam"))),
        predict,
    )


if __name__ == "__main__":
    main()
