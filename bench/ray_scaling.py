"""Ray scaling benchmark: the clean stage's per-shard map on the default sample with the local process
pool and with Ray, 1 and 2 workers, and proof that all four write the same bytes.

Input: ``out/filter/docs`` (the clean stage's own input, present after ``make repro``). Clean (licence
check, cleaning rules, secret scanning, a re-parse of every changed document) is the heaviest map
stage on that input; signals, on ``out/ingest/docs``, takes about four times as long on this sample
and would make the twelve runs last half an hour. Scaling is per shard, so the input needs at least
two shards; an input with fewer is re-sharded into ``--reshard`` shards of equal size in the
temporary folder (the project's ``ShardWriter`` with a smaller ``max_bytes``), and the report says so
(``input.resharded``; ``input.shard_mb`` are the parquet file sizes, which bound the speed-up: a
stage is as fast as its largest shard).

Each configuration (backend x workers) runs ``--repeats`` times, every run into a fresh temporary
folder; the figure is the median wall time of :func:`run_clean` (map, publish, metrics). Ray runs hold
one local Ray instance per configuration (``num_cpus=workers``) across its repeats, as a stage holds
one for its run: its start-up, paid once per stage invocation, is reported on its own
(``ray_start_s``), not in the map times. The first run of a configuration also warms its worker
processes (imports, tree-sitter grammars), which the median leaves out. Every run's files (parquet
shards, removed logs, metrics, licence manifest) are compared byte for byte with the first
``local``/1-worker run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from machine import machine_facts

from codeprep.clean.rules import CleanParams
from codeprep.clean.secrets import SecretsParams
from codeprep.clean.stage import CleanConfig, run_clean
from codeprep.execute.params import ExecuteParams
from codeprep.execute.ray_backend import session
from codeprep.params import load_params
from codeprep.shards import ShardWriter, iter_records, read_schema, shard_paths

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = [("local", 1), ("local", 2), ("ray", 1), ("ray", 2)]


def reshard(src: Path, dst: Path, shards: int) -> Path:
    """``src`` rewritten into about ``shards`` shards of equal size, rows in the same order (sizes
    measured as ``ShardWriter`` measures them: the text of every string column plus 64 per row)."""
    records = list(iter_records(src))
    total = sum(64 + sum(len(v) for v in r.values() if isinstance(v, str)) for r in records)
    with ShardWriter(dst, read_schema(src), max_bytes=max(1, -(-total // shards))) as writer:
        for record in records:
            writer.write(record)
    return dst


def digests(out: Path) -> dict[str, str]:
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def run_once(config: CleanConfig, docs: Path, execute: ExecuteParams, scratch: Path) -> tuple[float, dict]:
    out = Path(tempfile.mkdtemp(dir=scratch))
    t0 = time.perf_counter()
    run_clean(config, docs, out / "clean", out / "clean.json", out / "licence_manifest.csv", execute)
    elapsed = time.perf_counter() - t0
    return elapsed, digests(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", default="out/filter/docs", help="relative to the repository root")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--reshard", type=int, default=4, help="shards to cut an input of one shard into")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "ray_scaling.json"))
    args = parser.parse_args()
    params = load_params(ROOT / "params.yaml")
    config = CleanConfig(
        allow=tuple(params["licence"]["allow"]),
        rules=CleanParams.from_params(params.get("clean")),
        secrets=SecretsParams.from_params(params.get("secrets")),
        js_backend=params["syntax"]["js_backend"],
    )
    with tempfile.TemporaryDirectory(prefix="ray_scaling-") as tmp:
        scratch = Path(tmp)
        docs = ROOT / args.docs
        resharded = len(shard_paths(docs)) < 2
        if resharded:
            docs = reshard(docs, scratch / "input", args.reshard)
        shard_bytes = [p.stat().st_size for p in shard_paths(docs)]
        reference: dict[str, str] | None = None
        identical = True
        runs: dict[str, list[float]] = {}
        ray_start: dict[str, float] = {}
        for backend, workers in CONFIGS:
            name = f"{backend}-{workers}"
            execute = ExecuteParams(backend, workers)
            t0 = time.perf_counter()
            with session(execute):
                if backend == "ray":
                    ray_start[name] = round(time.perf_counter() - t0, 2)
                times = []
                for _ in range(args.repeats):
                    elapsed, files = run_once(config, docs, execute, scratch)
                    reference = reference or files
                    identical &= files == reference
                    times.append(round(elapsed, 2))
            runs[name] = times
            print(f"{name}: {times} s", flush=True)
    median = {name: round(statistics.median(times), 2) for name, times in runs.items()}
    base = median["local-1"]
    report: dict[str, Any] = {
        "benchmark": "ray_scaling",
        "date": dt.date.today().isoformat(),
        "machine": machine_facts(),
        "stage": "clean",
        "input": {
            "docs": args.docs,
            "shards": len(shard_bytes),
            "shard_mb": [round(b / 1e6, 2) for b in shard_bytes],
            "resharded": resharded,
        },
        "repeats": args.repeats,
        "runs_s": runs,
        "median_s": median,
        "speedup_vs_local_1": {name: round(base / t, 2) for name, t in median.items()},
        "ray_start_s": ray_start,
        "byte_identical": identical,
    }
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(
        f"\nclean stage map, {len(shard_bytes)} shards, median of {args.repeats}, {machine_facts()['cpu_count']} CPUs"
    )
    print("| backend | workers | median s | speedup vs local-1 |")
    print("|---|---|---|---|")
    for backend, workers in CONFIGS:
        name = f"{backend}-{workers}"
        print(f"| {backend} | {workers} | {median[name]} | {report['speedup_vs_local_1'][name]} |")
    print(f"\nRay local instance start-up (once per stage run): {ray_start} s; byte-identical: {identical}")
    if not identical:
        raise SystemExit("outputs differ between backends")


if __name__ == "__main__":
    main()
