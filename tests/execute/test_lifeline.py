"""Workers die with their stage: ``kill -9`` of a stage process running a map stage leaves no worker
behind (a real kill, of a real driver process, on the local pool and on a local Ray instance)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

#: The driver: a map stage over 2 shards of slow rows (0.2 s a row: minutes of work), as a script,
#: so that spawn workers import its task from the file like a stage's.
DRIVER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path

    import pyarrow.parquet as pq

    from codeprep.execute.local import map_shards
    from codeprep.execute.params import ExecuteParams
    from codeprep.shards import DOC_SCHEMA, ShardFile, shard_name


    class Slow:
        def __call__(self, in_path, out, removed):
            for row in pq.read_table(in_path).to_pylist():
                time.sleep(0.2)
                out.write(row)
            return {}


    if __name__ == "__main__":
        root, backend = Path(sys.argv[1]), sys.argv[2]
        (root / "in").mkdir()
        for shard in range(2):
            with ShardFile(root / "in" / shard_name(shard), DOC_SCHEMA) as f:
                for i in range(1000):
                    f.write({
                        "id": f"{shard}-{i}", "source": "t", "repo": "r", "version": None,
                        "path": f"a{i}.js", "license": "MIT", "lang": "javascript",
                        "content": "x", "size_bytes": 1, "encoding": "utf-8",
                        "is_vendored": False, "is_minified": False, "is_generated": False,
                    })
        map_shards(Slow(), root / "in", root / "out", None, DOC_SCHEMA, "slow", ExecuteParams(backend, 2))
    """
)


def _working(driver: psutil.Process, ray: bool) -> list[psutil.Process]:
    """The processes doing the driver's shards: its pool workers (and every other descendant: the
    resource tracker the spawn context starts), or Ray's task workers."""
    if not ray:
        return driver.children(recursive=True)
    return [
        p for p in psutil.process_iter(["cmdline"]) if "ray::run_one" in " ".join(p.info["cmdline"] or [])
    ]


def _alive(procs: list[psutil.Process]) -> list[psutil.Process]:
    left = []
    for proc in procs:
        try:
            if proc.status() != psutil.STATUS_ZOMBIE:
                left.append(proc)
        except psutil.NoSuchProcess:
            pass
    return left


@pytest.mark.parametrize(
    "backend", ["local", pytest.param("ray", marks=pytest.mark.slow)], ids=["local-pool", "ray-local"]
)
def test_kill_9_of_a_stage_ends_its_workers(tmp_path: Path, backend: str) -> None:
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    driver = subprocess.Popen([sys.executable, str(script), str(tmp_path), backend], cwd=tmp_path)
    proc = psutil.Process(driver.pid)
    try:
        deadline = time.monotonic() + 120
        workers: list[psutil.Process] = []
        while (
            sum("spawn_main" in " ".join(p.cmdline()) or "ray::" in " ".join(p.cmdline()) for p in workers)
            < 2
        ):
            assert driver.poll() is None and time.monotonic() < deadline, "the driver never got going"
            time.sleep(0.5)
            workers = _working(proc, backend == "ray")
        time.sleep(3)  # both workers into their shards (each takes minutes)
        assert len(_alive(workers)) >= 2
        os.kill(driver.pid, signal.SIGKILL)
        driver.wait()
        gone_by = time.monotonic() + (60 if backend == "ray" else 5)
        while _alive(workers) and time.monotonic() < gone_by:
            time.sleep(0.2)
        left = _alive(workers)
        assert not left, f"workers outlived their stage: {[p.pid for p in left]}"
    finally:
        for leftover in _alive(_working(proc, backend == "ray") if driver.poll() is None else []):
            leftover.kill()
        if driver.poll() is None:
            driver.kill()
