"""Deduplication at scale: wall time, peak memory and bytes on disk of minhash + dedup by corpus size.

The corpora are synthetic, made from the default sample's clean-stage documents (``out/clean/docs``)
with seeded edits, so near-duplicate clusters have the shapes real code has: document ``i`` copies a
seeded base document and, with probability 1/2, edits it (one line replaced by a seeded line, and one
appended), under a new id and path. Corpora are written once per size into
``bench/work/dedup_scale/<n>/docs`` (git-ignored) and streamed, one shard of 50,000 rows at a time, so
making a 1M-document corpus never holds it in memory.

Each size runs the pipeline's own ``stages/minhash.py`` and ``stages/dedup.py`` (the params of
``params.yaml``, ``execute.workers`` as given) while a sampler reads the process tree every 0.1 s:
``driver_peak_mb`` is the stage's own process, ``all_peak_mb`` the sum over it and its workers at the
worst moment. ``per_doc_us`` is the stage's wall time per document; ``bytes_on_disk`` the signatures
and dedup outputs. Results → ``bench/results/dedup_scale.json``.

    .venv/bin/python bench/dedup_scale.py                       # 100k, 300k, 1M (~15 min on 2 cores)
    .venv/bin/python bench/dedup_scale.py --sizes 100000 --workers 2
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
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

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work" / "dedup_scale"
SHARD_ROWS = 50_000
EDIT_SHARE = 0.5


def make_corpus(n: int, base_dir: Path, dst: Path, seed: int) -> Path:
    """``n`` documents built from ``base_dir``'s documents with seeded edits, written to ``dst`` once."""
    done = dst / ".complete"
    if done.is_file():
        return dst
    base = pq.read_table(sorted(base_dir.glob("*.parquet")))
    schema = base.schema
    rows = base.to_pylist()
    rng = random.Random(seed)
    dst.mkdir(parents=True, exist_ok=True)
    for shard, start in enumerate(range(0, n, SHARD_ROWS)):
        out = []
        for i in range(start, min(n, start + SHARD_ROWS)):
            row = dict(rows[rng.randrange(len(rows))])
            content = row["content"]
            if rng.random() < EDIT_SHARE:
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
    """Peak RSS of a process (``driver``) and of it plus its descendants, sampled every 0.1 s."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.driver = 0
        self.total = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.1):
            try:
                driver = self.proc.memory_info().rss
                total = driver + sum(c.memory_info().rss for c in self.proc.children(recursive=True))
            except psutil.Error:
                continue
            self.driver, self.total = max(self.driver, driver), max(self.total, total)


def run_stage(script: str, params: Path, **paths: Path) -> dict[str, Any]:
    start = time.perf_counter()
    proc = subprocess.Popen(stage_command(script, params, **paths), cwd=ROOT)
    sampler = Sampler(proc.pid)
    sampler.start()
    if proc.wait() != 0:
        raise SystemExit(f"{script} failed ({proc.returncode})")
    sampler.stop.set()
    sampler.join()
    return {
        "seconds": round(time.perf_counter() - start, 1),
        "driver_peak_mb": round(sampler.driver / 1e6),
        "all_peak_mb": round(sampler.total / 1e6),
    }


def disk_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def measure(n: int, workers: int, seed: int) -> dict[str, Any]:
    work = WORK / str(n)
    docs = make_corpus(n, ROOT / "out" / "clean" / "docs", work / "docs", seed)
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["execute"] = {**(params.get("execute") or {}), "workers": workers}
    params_file = work / "params.yaml"
    params_file.write_text(yaml.safe_dump(params, sort_keys=False))
    sig, out = work / "signatures", work / "dedup"
    minhash = run_stage("minhash.py", params_file, docs=docs, out=sig, metrics=work / "minhash.json")
    dedup = run_stage(
        "dedup.py",
        params_file,
        docs=docs,
        signatures=sig,
        out=out,
        metrics=work / "dedup.json",
        plots=work / "plots",
    )
    metrics = json.loads((work / "dedup.json").read_text())
    for part in (minhash, dedup):
        part["per_doc_us"] = round(part["seconds"] / n * 1e6, 1)
    return {
        "docs": n,
        "minhash": minhash,
        "dedup": dedup,
        "bytes_on_disk": {"signatures": disk_bytes(sig), "dedup": disk_bytes(out)},
        "clusters": metrics.get("clusters"),
        "largest_cluster": metrics.get("largest_cluster"),
        "removed": metrics.get("removed"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "dedup_scale.json")
    args = parser.parse_args()
    runs = []
    for n in args.sizes:
        runs.append(measure(n, args.workers, args.seed))
        r = runs[-1]
        print(
            f"{n:>9,} docs: minhash {r['minhash']['seconds']} s, dedup {r['dedup']['seconds']} s, "
            f"driver peak {r['dedup']['driver_peak_mb']} MB, all {r['dedup']['all_peak_mb']} MB",
            file=sys.stderr,
        )
    result = {
        "benchmark": "dedup_scale",
        "date": dt.date.today().isoformat(),
        "machine": machine_facts(),
        "implementation": "the driver-resident dedup (before issue 18): the baseline to beat",
        "config": {"workers": args.workers, "seed": args.seed, "edit_share": EDIT_SHARE},
        "runs": runs,
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
