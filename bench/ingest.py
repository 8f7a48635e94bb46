"""Ingest benchmark: throughput on the default npm sample, and peak memory as the input grows.

Why these figures:

- **Throughput** (MB/s, files/s). Ingest reads every file of every input once, so its speed sets the
  floor for the whole pipeline's wall time. Two MB/s figures are given because they answer different
  questions: *text MB/s* counts the UTF-8 text that ingest keeps (``bytes_out`` from its metrics) and
  compares with the later stages, which only ever see that text; *input MB/s* counts the raw bytes on
  disk (apparent size of every regular file), which is what a user knows before running it. The full
  sample is measured ``--repeats`` times and the median is reported, so one noisy run does not decide
  the figure. Wall time is taken around ``run_ingest`` inside the child, so interpreter start-up and
  imports are left out; the inputs were just read or just copied, so these are warm-cache (CPU-bound)
  numbers, not disk numbers.
- **Peak memory as input grows.** Ingest streams: the shard writer holds at most one parquet row
  group of rows (8 MB of text) before writing it, and shards are cut at ``shards.max_bytes``, so peak
  RSS should not depend on corpus size. That claim is only worth something if it is measured, so
  ingest runs on 25%, 50%, 100%, 200% and 400% of the sample (below 100%: an evenly spaced subset of
  the packages; above: real copies of the package folders under new names, e.g.
  ``react@18.3.1~copy1``, which ingest reads as more packages since it does not deduplicate). The
  verdict ``flat_memory`` holds when peak RSS at the largest size is at most 1.5x that at the smallest.
- **One subprocess per measurement.** ``ru_maxrss`` is a high-water mark for the life of a process, so
  every run is a fresh child (this script's ``--child`` mode) that reports its own ``RUSAGE_SELF``
  figure; a run can then not inherit the peak of the run before it. The child also reports the mark
  reached by the imports alone (``import_rss_mb``), the part of the peak that no setting changes.

Units: MB = 10^6 bytes everywhere (RSS included). Scratch inputs and outputs go to ``bench/work/``
(git-ignored) and are removed at the end unless ``--keep-scratch`` is given. Results are written to
``bench/results/ingest.json`` (sorted keys) and a markdown table is printed to stdout.

    .venv/bin/python bench/ingest.py            # what `make bench` runs
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from machine import machine_facts

ROOT = Path(__file__).resolve().parent.parent
MB = 1_000_000
FLAT_RATIO = 1.5


def rss_mb() -> float:
    """This process's peak RSS so far (Linux reports ``ru_maxrss`` in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MB


# --- child: one ingest run ------------------------------------------------------------------------


def child(args: argparse.Namespace) -> None:
    """Run ingest once on ``--input`` into ``--dest`` and print one JSON line with the figures."""
    from codeprep.params import load_params
    from codeprep.sources.ingest import run_ingest
    from codeprep.sources.params import IngestConfig, InputSpec

    import_rss = rss_mb()
    cfg = IngestConfig.from_params(load_params(args.params), ROOT)
    cfg = dataclasses.replace(cfg, inputs=(InputSpec(Path(args.input), "npm"),), shard_bytes=args.shard_bytes)
    dest = Path(args.dest)
    start = time.perf_counter()
    metrics = run_ingest(cfg, dest / "out", dest / "metrics.json")
    wall = time.perf_counter() - start
    shards = sorted((dest / "out" / "docs").glob("part-*.parquet"))
    report = {
        "wall_s": wall,
        "peak_rss_mb": rss_mb(),
        "import_rss_mb": import_rss,
        "docs_in": metrics["docs_in"],
        "docs_out": metrics["docs_out"],
        "bytes_out": metrics["bytes_out"],
        "removed": metrics["removed"],
        "shards": len(shards),
    }
    print(json.dumps(report))


# --- parent: inputs, runs, report -----------------------------------------------------------------


def inventory(path: Path) -> tuple[int, int]:
    """``(regular files, apparent bytes)`` under ``path``, not following symlinks."""
    files = size = 0
    stack = [path]
    while stack:
        with os.scandir(stack.pop()) as it:
            for entry in it:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=False):
                    files += 1
                    size += entry.stat(follow_symlinks=False).st_size
    return files, size


def entry_names(packages: list[str], scale: int) -> list[str]:
    """Folder entries that make ``scale`` percent of the sample.

    Up to 100%: an evenly spaced subset of the packages (in name order). Beyond: every package, then
    whole extra rounds of copies named ``<name>~copy<k>``.
    """
    n = len(packages)
    if scale <= 100:
        k = max(1, round(n * scale / 100))
        return [packages[i * n // k] for i in range(k)]
    total = round(n * scale / 100)
    return [packages[j % n] + (f"~copy{j // n}" if j >= n else "") for j in range(total)]


def sync_folder(folder: Path, sample: Path, names: list[str]) -> None:
    """Make ``folder`` hold exactly ``names``: real copies (no links) of the sample's entries."""
    folder.mkdir(parents=True, exist_ok=True)
    wanted = set(names)
    for existing in folder.iterdir():
        if existing.name not in wanted:
            if existing.is_dir() and not existing.is_symlink():
                shutil.rmtree(existing)
            else:
                existing.unlink()
    for name in names:
        dst = folder / name
        if dst.exists() or dst.is_symlink():
            continue
        src = sample / name.partition("~copy")[0]
        if src.is_dir() and not src.is_symlink():
            shutil.copytree(src, dst, symlinks=True)
        else:
            shutil.copy2(src, dst, follow_symlinks=False)


def run_child(args: argparse.Namespace, input_dir: Path, dest: Path) -> dict[str, Any]:
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        "--input",
        str(input_dir),
        "--dest",
        str(dest),
        "--params",
        str(args.params),
        "--shard-bytes",
        str(args.shard_bytes),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    shutil.rmtree(dest, ignore_errors=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"ingest child failed ({proc.returncode}) on {input_dir}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(
    args: argparse.Namespace, input_dir: Path, label: str, scale: int, packages: int
) -> dict[str, Any]:
    files, size = inventory(input_dir)
    runs = []
    for i in range(args.repeats):
        run = run_child(args, input_dir, args.work / "out" / label)
        runs.append(run)
        print(
            f"  {label} run {i + 1}/{args.repeats}: {run['wall_s']:.2f} s, "
            f"peak RSS {run['peak_rss_mb']:.0f} MB",
            file=sys.stderr,
        )
    first = runs[0]
    if any(r["docs_in"] != first["docs_in"] or r["bytes_out"] != first["bytes_out"] for r in runs):
        raise SystemExit(f"{label}: runs disagree on docs_in/bytes_out: {runs}")
    if first["docs_in"] != files:
        raise SystemExit(f"{label}: ingest saw {first['docs_in']} items, the folder holds {files} files")
    wall = statistics.median(r["wall_s"] for r in runs)
    return {
        "scale_pct": scale,
        "label": label,
        "packages": packages,
        "files": files,
        "input_mb": round(size / MB, 2),
        "text_mb": round(first["bytes_out"] / MB, 2),
        "docs_out": first["docs_out"],
        "removed": first["removed"],
        "shards": first["shards"],
        "wall_s": round(wall, 3),
        "mb_per_s": round(first["bytes_out"] / MB / wall, 2),
        "input_mb_per_s": round(size / MB / wall, 2),
        "files_per_s": round(first["docs_in"] / wall, 1),
        # the highest of the repeats: a memory bound should be the worst run, not a typical one
        "peak_rss_mb": round(max(r["peak_rss_mb"] for r in runs), 1),
        "import_rss_mb": round(max(r["import_rss_mb"] for r in runs), 1),
        "runs": [{"wall_s": round(r["wall_s"], 3), "peak_rss_mb": round(r["peak_rss_mb"], 1)} for r in runs],
    }


def machine() -> dict[str, Any]:
    import pyarrow

    return {**machine_facts(), "pyarrow": pyarrow.__version__}


def markdown(rows: list[dict[str, Any]], flat: dict[str, Any]) -> str:
    head = (
        "| input | packages | files | input MB | text MB | wall s | text MB/s | input MB/s "
        "| files/s | peak RSS MB |"
    )
    lines = [head, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for r in rows:
        lines.append(
            f"| {r['scale_pct']}% | {r['packages']} | {r['files']:,} | {r['input_mb']:.1f} | "
            f"{r['text_mb']:.1f} | {r['wall_s']:.2f} | {r['mb_per_s']:.1f} | {r['input_mb_per_s']:.1f} | "
            f"{r['files_per_s']:,.0f} | {r['peak_rss_mb']:.0f} |"
        )
    verdict = "flat" if flat["verdict"] else "NOT flat"
    lines.append("")
    lines.append(
        f"Peak RSS at {flat['largest_pct']}% / at {flat['smallest_pct']}%: {flat['ratio']:.2f} "
        f"(≤ {FLAT_RATIO} counts as flat): **{verdict}**."
    )
    return "\n".join(lines)


def main(args: argparse.Namespace) -> None:
    sample: Path = args.sample
    if not sample.is_dir():
        raise SystemExit(f"{sample} is missing: run `make data` first")
    packages = sorted(p.name for p in sample.iterdir())
    if any("~copy" in name for name in packages):
        raise SystemExit(f"{sample} already holds '~copy' entries; point --sample at the pristine sample")
    scales = sorted({int(s) for s in args.scales.split(",")})
    args.work.mkdir(parents=True, exist_ok=True)
    files, size = inventory(sample)
    print(
        f"sample {sample}: {len(packages)} packages, {files} files, {size / MB:.1f} MB; "
        f"shard max {args.shard_bytes} bytes; {args.repeats} runs per size",
        file=sys.stderr,
    )

    started = time.perf_counter()
    print("full sample:", file=sys.stderr)
    full = measure(args, sample, "100%", 100, len(packages))
    rows = []
    scaled = args.work / "scaled"
    try:
        for scale in scales:
            if scale == 100:
                rows.append(full)  # the input is the sample itself: reuse the full-sample runs
                continue
            names = entry_names(packages, scale)
            print(f"{scale}%: preparing {len(names)} entries in {scaled}", file=sys.stderr)
            sync_folder(scaled, sample, names)
            os.sync()  # write the copies back now, not while a measured run competes with it
            rows.append(measure(args, scaled, f"{scale}%", scale, len(names)))
    finally:
        if not args.keep_scratch:
            shutil.rmtree(scaled, ignore_errors=True)
            shutil.rmtree(args.work / "out", ignore_errors=True)

    small, large = rows[0], rows[-1]
    ratio = large["peak_rss_mb"] / small["peak_rss_mb"]
    flat = {
        "verdict": ratio <= FLAT_RATIO,
        "ratio": round(ratio, 3),
        "threshold": FLAT_RATIO,
        "rule": f"peak RSS at the largest input <= {FLAT_RATIO} x peak RSS at the smallest",
        "smallest_pct": small["scale_pct"],
        "largest_pct": large["scale_pct"],
        "peak_rss_mb_smallest": small["peak_rss_mb"],
        "peak_rss_mb_largest": large["peak_rss_mb"],
        "input_growth": round(large["input_mb"] / small["input_mb"], 2),
    }
    params_path = args.params.resolve()
    result = {
        "benchmark": "ingest",
        "date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine(),
        "config": {
            "repeats": args.repeats,
            "scales_pct": scales,
            "shard_max_bytes": args.shard_bytes,
            "params": str(params_path.relative_to(ROOT) if params_path.is_relative_to(ROOT) else params_path),
        },
        "units": "MB = 10^6 bytes (RSS too); wall_s is the median over repeats, around run_ingest only; "
        "mb_per_s = text kept (bytes_out) / wall_s; input_mb_per_s = raw file bytes / wall_s; "
        "peak_rss_mb = highest ru_maxrss of the repeats",
        "sample": {
            "path": str(
                sample.resolve().relative_to(ROOT) if sample.resolve().is_relative_to(ROOT) else sample
            ),
            "packages": len(packages),
            "files": files,
            "input_mb": round(size / MB, 2),
            "text_mb": full["text_mb"],
        },
        "full_sample": full,
        "full_sample_median_mb_per_s": full["mb_per_s"],
        "full_sample_median_input_mb_per_s": full["input_mb_per_s"],
        "rows": rows,
        "flat_memory": flat,
        "total_bench_s": round(time.perf_counter() - started, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    print(markdown(rows, flat))
    print(f"\nwrote {args.out} in {result['total_bench_s']} s", file=sys.stderr)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sample", type=Path, default=ROOT / "data" / "npm", help="unpacked npm sample")
    parser.add_argument("--params", type=Path, default=ROOT / "params.yaml")
    parser.add_argument("--scales", default="25,50,100,200,400", help="input sizes, percent of the sample")
    parser.add_argument("--repeats", type=int, default=3, help="runs per size (median wall, max RSS)")
    parser.add_argument(
        "--shard-bytes", type=int, default=None, help="shard size; default: shards.max_bytes in params"
    )
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "work", help="scratch (git-ignored)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "ingest.json")
    parser.add_argument("--keep-scratch", action="store_true", help="keep the copies under --work")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--input", help=argparse.SUPPRESS)
    parser.add_argument("--dest", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.shard_bytes is None:
        from codeprep.params import load_params

        args.shard_bytes = int(load_params(args.params).get("shards", {}).get("max_bytes", 64 << 20))
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return args


if __name__ == "__main__":
    parsed = parse_args()
    if parsed.child:
        child(parsed)
    else:
        main(parsed)
