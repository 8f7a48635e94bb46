"""``codeprep compare [A] [B]``: every model metric of two runs, its difference, its noise band and
whether the difference is real (:mod:`codeprep.eval.bands` says which test and why).

A and B are git revisions (``HEAD``, ``main``, a commit), ``dvc exp`` names (``exp-1a2b3``, or the
``-n`` name), ``workspace`` (the files on disk), or a folder holding ``eval.json`` (and optionally
``train.json``, ``bench.json``: another checkout's ``metrics/``, a sensitivity benchmark variant's
work folder); the default is ``HEAD`` against ``workspace``, what ``dvc exp run`` just produced. The figures come from ``metrics/eval.json`` (required) and the
band-carrying figures of ``metrics/train.json`` and ``metrics/bench.json``.

Refused, with a non-zero exit: a side without ``metrics/eval.json`` or without bands (made before
the evaluation suite existed), and two sides measured on different evaluation suites. Two sides from
different devices or library versions are compared with a warning: the seed band does not cover
machine-to-machine float differences.
"""

from __future__ import annotations

import json
import math
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codeprep.eval.bands import BANDS, Difference, difference, is_band
from codeprep.metrics import detail_path, merge_metrics, read_metrics

WORKSPACE = "workspace"
#: Metrics files with model metrics (``metrics/<name>.json``).
SOURCES = ("eval", "train", "bench")
#: Figures where larger is better (bits per byte and losses: smaller is better).
HIGHER_IS_BETTER = ("bench:gen_syntax_validity.",)
#: Shown without ``--all``: bits per byte of the PyTorch model and of its INT4 build (f32 and INT8
#: repeat PyTorch to a few 1e-4), and the training loss.
PRIMARY = (
    "eval:bpb.torch.",
    "eval:bpb.q4_k_m.",
    "eval:completion_bpb.torch",
    "eval:completion_bpb.q4_k_m",
    "train:final_loss",
)


class CompareError(RuntimeError):
    """A side cannot be compared (no such revision, no eval metrics, another suite)."""


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)


def resolve(rev: str, root: Path = Path(".")) -> str | Path | None:
    """A commit sha for a git revision or a ``dvc exp`` name; None for ``workspace``; the folder
    itself for a folder of metrics files (another run's ``metrics/``, a benchmark's work folder)."""
    if rev == WORKSPACE:
        return None
    if (root / rev).is_dir():
        return root / rev
    found = _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if found.returncode == 0:
        return found.stdout.strip()
    refs = _git(root, "for-each-ref", "--format=%(refname) %(objectname)", "refs/exps").stdout.split("\n")
    matches = [line.split()[1] for line in refs if line and line.split()[0].rsplit("/", 1)[-1] == rev]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise CompareError(f"{rev!r} names {len(matches)} experiments; give a commit sha instead")
    raise CompareError(f"{rev!r} is neither a git revision, a `dvc exp` name nor a folder here")


def read_side(side: str | Path | None, name: str, root: Path = Path(".")) -> dict[str, Any] | None:
    """``<name>.json`` of a side: in a folder, in ``metrics/`` on disk (None) or at a commit (a sha);
    None when the file is absent."""
    if isinstance(side, Path) or side is None:
        return read_metrics((side if isinstance(side, Path) else root / "metrics") / f"{name}.json")
    headline = _git(root, "show", f"{side}:metrics/{name}.json")
    if headline.returncode != 0:
        return None
    detail = _git(root, "show", f"{side}:{detail_path(Path('metrics') / f'{name}.json').as_posix()}")
    return merge_metrics(
        json.loads(headline.stdout), json.loads(detail.stdout) if detail.returncode == 0 else None
    )


def bands(node: Any, prefix: str = "") -> dict[str, dict[str, Any]]:
    """Dotted path → band summary, for every ``{"mean", "std", "per_seed"}`` in a metrics tree."""
    if is_band(node):
        return {prefix: node}
    if not isinstance(node, dict):
        return {}
    found = {}
    for key, value in node.items():
        found |= bands(value, f"{prefix}.{key}" if prefix else str(key))
    return found


@dataclass(frozen=True)
class Row:
    source: str
    metric: str
    diff: Difference
    higher_is_better: bool

    @property
    def verdict(self) -> str:
        if not self.diff.significant:
            return "within noise"
        better = (self.diff.delta > 0) == self.higher_is_better
        return "better" if better else "worse"


@dataclass(frozen=True)
class Comparison:
    a: str
    b: str
    suite_hash: str
    rows: list[Row]
    warnings: list[str]


def _side(rev: str, root: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    side = resolve(rev, root)
    metrics = {name: read_side(side, name, root) for name in SOURCES}
    evaluation = metrics["eval"]
    if evaluation is None or not bands(evaluation):
        raise CompareError(
            f"{rev} has no metrics/eval.json with noise bands (made before the evaluation suite, or "
            "the evaluate stage has not run): run `dvc repro` there first"
        )
    return evaluation, {name: m for name, m in metrics.items() if m is not None}


def compare(
    a: str = "HEAD", b: str = WORKSPACE, root: Path = Path("."), everything: bool = False
) -> Comparison:
    eval_a, side_a = _side(a, root)
    eval_b, side_b = _side(b, root)
    if eval_a["suite_hash"] != eval_b["suite_hash"]:
        raise CompareError(
            f"{a} and {b} were measured on different evaluation suites ({eval_a['suite_hash'][:19]}… vs "
            f"{eval_b['suite_hash'][:19]}…): their figures do not compare"
        )
    warnings = []
    if eval_a.get("environment") != eval_b.get("environment"):
        warnings.append(
            f"{a} and {b} come from different devices, thread counts or library versions "
            f"({_env(eval_a)} vs {_env(eval_b)}): float kernels differ between machines by more than "
            "the seed band, so re-run both sides on one machine before trusting a verdict"
        )
    rows = []
    for source in SOURCES:
        if source not in side_a or source not in side_b:
            continue
        band_a, band_b = bands(side_a[source]), bands(side_b[source])
        for metric in sorted(set(band_a) & set(band_b), key=lambda m: _order(source, m)):
            name = f"{source}:{metric}"
            if everything or name.startswith(PRIMARY):
                higher = name.startswith(HIGHER_IS_BETTER)
                rows.append(Row(source, metric, difference(band_a[metric], band_b[metric]), higher))
    return Comparison(a, b, eval_a["suite_hash"], rows, warnings)


def _env(evaluation: dict[str, Any]) -> str:
    env = evaluation.get("environment") or {}
    return f"{env.get('device', '?')}, {env.get('threads', '?')} threads"


BUILD_ORDER = ("torch", "q4_k_m", "q8_0", "f32")


def _order(source: str, metric: str) -> tuple[Any, ...]:
    parts = metric.split(".")
    build = next((BUILD_ORDER.index(p) for p in parts if p in BUILD_ORDER), len(BUILD_ORDER))
    return (parts[0] != "bpb", parts[0], build, parts[-1] != "all", metric)


def _num(value: float, digits: int = 4) -> str:
    return "inf" if math.isinf(value) else f"{value:.{digits}f}"


def render(comparison: Comparison, markdown: bool = False) -> str:
    header = ["metric", comparison.a, comparison.b, "B − A", "band", "|Δ|/band", "p", "verdict"]
    body = []
    for row in comparison.rows:
        d = row.diff
        body.append(
            [
                f"{row.source}:{row.metric}",
                f"{d.a['mean']:.4f} ± {d.a['std']:.4f}",
                f"{d.b['mean']:.4f} ± {d.b['std']:.4f}",
                f"{d.delta:+.4f}",
                _num(d.band),
                _num(d.bands, 1),
                f"{d.p_value:.3f}",
                row.verdict,
            ]
        )
    note = (
        f"mean ± std over seeds; band = standard error of the difference of the means; real when "
        f"|Δ| ≥ {BANDS:g} bands and Welch's t-test gives p < 0.05. Suite {comparison.suite_hash[:19]}…"
    )
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(r) + " |" for r in body]
        text = "\n".join(lines) + f"\n\n{note}\n"
    else:
        widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
        lines = [
            "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in [header, *body]
        ]
        text = "\n".join(lines) + f"\n\n{note}\n"
    return "".join(f"warning: {w}\n" for w in comparison.warnings) + text
