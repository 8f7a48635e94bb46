"""Deduplication at scale: wall time, peak memory and bytes on disk of minhash + dedup by corpus size.

The corpora are synthetic, made from the default sample's clean-stage documents (``out/clean/docs``)
with seeded edits, so near-duplicate clusters have the shapes real code has: document ``i`` copies a
seeded base document and, with probability 1/2, edits it (one line replaced by a seeded line, and one
appended), under a new id and path. ``--shape identical`` is the hostile case instead: one file ``n``
times. Corpora are written once per size into ``bench/work/dedup_scale/<n>/docs`` (git-ignored) and
streamed, one shard of 50,000 rows at a time, so making a 3M-document corpus never holds it in memory.

Each size runs the pipeline's own ``stages/minhash.py`` and ``stages/dedup.py`` (the params of
``params.yaml``, ``execute.workers`` as given, the spill under the size's work folder) while a
sampler reads the process tree every 0.1 s: ``driver_peak_mb`` is the stage's own process,
``worker_peak_mb`` the largest single worker, ``all_peak_mb`` the sum over all of them at the worst
moment, ``spill_peak_bytes`` the partition files at their largest (sampled every second).
``per_doc_us`` is the stage's wall time per document; ``bytes_on_disk`` the signatures and dedup
outputs. Up to ``--baseline-max`` documents the driver-resident implementation it replaced (commit
``BASELINE``, checked out as a git worktree under bench/work) runs on the same corpus in the same
invocation: its time, memory, the ratio, and whether its outputs are byte-identical. Results →
``bench/results/dedup_scale.json`` (``--shape identical``: pass ``--out`` to keep both).

    .venv/bin/python bench/dedup_scale.py                       # 100k, 1M, 3M (~45 min on 2 cores)
    .venv/bin/python bench/dedup_scale.py --sizes 100000 --workers 2
    .venv/bin/python bench/dedup_scale.py --shape identical --sizes 1000000 --out bench/results/dedup_scale_identical.json
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil
import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from machine import machine_facts
from stage_run import stage_command

from codeprep.dedup.params import DedupParams

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work" / "dedup_scale"
SHARD_ROWS = 50_000
#: The last commit with the driver-resident dedup (everything in one process): the baseline.
BASELINE = "cae995b"
EDIT_SHARE = 0.5


def make_corpus(n: int, base_dir: Path, dst: Path, seed: int, shape: str = "edited") -> Path:
    """``n`` documents built from ``base_dir``'s documents, written to ``dst`` once: ``edited``,
    seeded copies with seeded edits; ``identical``, one file ``n`` times under ``n`` paths (the
    hostile case: one content hash, one band bucket, one cluster)."""
    done = dst / ".complete"
    if done.is_file():
        return dst
    base = pq.read_table(sorted(base_dir.glob("*.parquet")))
    schema = base.schema
    rows = base.to_pylist()
    if shape == "identical":
        rows = [next(r for r in rows if r["lang"] == "javascript" and 2_000 < r["size_bytes"] < 5_000)]
    rng = random.Random(seed)
    dst.mkdir(parents=True, exist_ok=True)
    for shard, start in enumerate(range(0, n, SHARD_ROWS)):
        out = []
        for i in range(start, min(n, start + SHARD_ROWS)):
            row = dict(rows[rng.randrange(len(rows))])
            content = row["content"]
            if shape == "edited" and rng.random() < EDIT_SHARE:
                lines = content.split("\n")
                lines[rng.randrange(len(lines))] = f"// edit {rng.getrandbits(32):08x}"
                lines.append(f"// {i}")
                content = "\n".join(lines)
            row["content"] = content
            row["size_bytes"] = len(content.encode("utf-8", "surrogatepass"))
            row["id"] = hashlib.sha256(f"{seed}:{i}".encode()).hexdigest()[:32]
            row["path"] = f"synthetic/{i}/{row['path']}"
            out.append(row)
        pq.write_table(pa.Table.from_pylist(out, schema=schema), dst / f"part-{shard:05d}.parquet")
    done.touch()
    return dst


class Sampler(threading.Thread):
    """Every 0.1 s: RSS of a process (``driver``), of each of its descendants (``worker``: the
    largest single one), and of all of them together; every second, the bytes under ``spill``."""

    def __init__(self, pid: int, spill: Path | None) -> None:
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.spill = spill
        self.driver = self.worker = self.total = self.spill_bytes = 0
        self.stop = threading.Event()

    def run(self) -> None:
        ticks = 0
        while not self.stop.wait(0.1):
            try:
                driver = self.proc.memory_info().rss
                children = [c.memory_info().rss for c in self.proc.children(recursive=True)]
            except psutil.Error:
                continue
            self.driver = max(self.driver, driver)
            self.worker = max(self.worker, *children, 0)
            self.total = max(self.total, driver + sum(children))
            ticks += 1
            if self.spill is not None and ticks % 10 == 0:
                self.spill_bytes = max(self.spill_bytes, disk_bytes(self.spill))


def run_stage(
    command: list[str], spill: Path | None = None, env: dict[str, str] | None = None
) -> dict[str, Any]:
    start = time.perf_counter()
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(command, cwd=ROOT, env=env)
    sampler = Sampler(proc.pid, spill)
    sampler.start()
    if proc.wait() != 0:
        raise SystemExit(f"{command} failed ({proc.returncode})")
    sampler.stop.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the stage and every worker it reaped
    return {
        "seconds": round(time.perf_counter() - start, 1),
        "cpu_seconds": round(after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime, 1),
        "driver_peak_mb": round(sampler.driver / 1e6),
        "worker_peak_mb": round(sampler.worker / 1e6),
        "all_peak_mb": round(sampler.total / 1e6),
        **({"spill_peak_bytes": sampler.spill_bytes} if spill is not None else {}),
    }


def disk_bytes(path: Path) -> int:
    total = 0
    for p in path.rglob("*") if path.exists() else []:
        with contextlib.suppress(OSError):  # a partition file renamed or removed while we walk
            total += p.stat().st_size if p.is_file() else 0
    return total


def baseline_tree(rev: str) -> Path:
    """A git worktree of ``rev`` under bench/work (the implementation to compare against)."""
    tree = WORK / f"baseline-{rev}"
    if not (tree / "stages" / "dedup.py").is_file():
        subprocess.run(
            ["git", "worktree", "add", "--force", "--detach", str(tree), rev], cwd=ROOT, check=True
        )
    return tree


def measure(n: int, workers: int, seed: int, baseline: str | None, shape: str) -> dict[str, Any]:
    work = WORK / (str(n) if shape == "edited" else f"{shape}-{n}")
    docs = make_corpus(n, ROOT / "out" / "clean" / "docs", work / "docs", seed, shape)
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["execute"] = {**(params.get("execute") or {}), "workers": workers}
    params["dedup"]["spill_dir"] = str(work / "spill")
    params_file = work / "params.yaml"
    params_file.write_text(yaml.safe_dump(params, sort_keys=False))
    sig, out = work / "signatures", work / "dedup"
    minhash_json = work / "minhash.json"
    if (work / "minhash_run.json").is_file() and minhash_json.is_file():  # same corpus, same code
        minhash = json.loads((work / "minhash_run.json").read_text())
    else:
        minhash = run_stage(
            stage_command("minhash.py", params_file, docs=docs, out=sig, metrics=minhash_json)
        )
        (work / "minhash_run.json").write_text(json.dumps(minhash))
    paths = {"docs": docs, "signatures": sig, "plots": work / "plots"}
    dedup = run_stage(
        stage_command("dedup.py", params_file, out=out, metrics=work / "dedup.json", **paths), work / "spill"
    )
    result: dict[str, Any] = {"docs": n, "partitions": DedupParams().partitions_for(n, workers)}
    for name, part in (("minhash", minhash), ("dedup", dedup)):
        result[name] = {**part, "per_doc_us": round(part["seconds"] / n * 1e6, 1)}
    if baseline is not None:
        tree = baseline_tree(baseline)
        old = [sys.executable, str(tree / "stages" / "dedup.py"), "--params", str(params_file)]
        old += ["--out", str(work / "baseline"), "--metrics", str(work / "baseline.json")]
        old += [x for key, path in paths.items() for x in (f"--{key}", str(path))]
        result["baseline"] = run_stage(old, env={**os.environ, "PYTHONPATH": str(tree / "src")})
        result["baseline"]["per_doc_us"] = round(result["baseline"]["seconds"] / n * 1e6, 1)
        result["time_ratio_vs_baseline"] = round(dedup["seconds"] / result["baseline"]["seconds"], 3)
        same = all(
            (work / "baseline" / d / f.name).read_bytes() == f.read_bytes()
            for d in ("docs", "removed")
            for f in sorted((out / d).iterdir())
        ) and json.loads((work / "baseline.json").read_text()) == json.loads(
            (work / "dedup.json").read_text()
        )
        result["outputs_identical_to_baseline"] = same
    metrics = json.loads((work / "dedup.json").read_text())
    result["bytes_on_disk"] = {"signatures": disk_bytes(sig), "dedup": disk_bytes(out)}
    result.update({k: metrics.get(k) for k in ("docs_out", "clusters", "largest_cluster", "removed")})
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 3_000_000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--baseline",
        default=BASELINE,
        help="git rev of the implementation to time side by side ('' for none)",
    )
    parser.add_argument(
        "--baseline-max", type=int, default=1_000_000, help="largest size the baseline runs at"
    )
    parser.add_argument("--shape", choices=["edited", "identical"], default="edited")
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "dedup_scale.json")
    args = parser.parse_args()
    runs = []
    for n in args.sizes:
        baseline = args.baseline if args.baseline and n <= args.baseline_max else None
        runs.append(measure(n, args.workers, args.seed, baseline, args.shape))
        r = runs[-1]
        print(
            f"{n:>9,} docs: minhash {r['minhash']['seconds']} s, dedup {r['dedup']['seconds']} s, "
            f"driver peak {r['dedup']['driver_peak_mb']} MB, worker {r['dedup']['worker_peak_mb']} MB",
            f"baseline {r['baseline']['seconds']} s" if baseline else "",
            file=sys.stderr,
        )
    result = {
        "benchmark": "dedup_scale",
        "date": dt.date.today().isoformat(),
        "machine": machine_facts(),
        "implementation": "partitioned dedup (codeprep.dedup.partitioned); baseline: the driver-resident "
        f"dedup at {args.baseline} run side by side in the same invocation",
        "config": {"workers": args.workers, "seed": args.seed, "edit_share": EDIT_SHARE, "shape": args.shape},
        "runs": runs,
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
