"""DVC stage `eval_suite`: the pinned evaluation packages (data/eval) → out/eval_suite (documents,
bits-per-byte sample, code-completion items, content hash) and metrics/eval_suite.json. It reads no
params on purpose: the suite stays the same whatever an experiment changes (codeprep.eval.settings)."""

from pathlib import Path

import click

from codeprep.eval.suite import build_suite
from codeprep.stage_options import input_path, output_path


@click.command()
@input_path("--packages", "eval_dir", "data/eval")
@output_path("--out", "out_dir", "out/eval_suite")
@output_path("--metrics", "metrics_path", "metrics/eval_suite.json")
def main(eval_dir: str, out_dir: str, metrics_path: str) -> None:
    build_suite(Path(eval_dir), Path(out_dir), Path(metrics_path))


if __name__ == "__main__":
    main()
