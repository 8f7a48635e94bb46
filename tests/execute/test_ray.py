"""The Ray backend writes what the local one writes.

The six map stages in pipeline order (signals → filter → clean → minhash → dedup → decontam) run on a
small real-shaped corpus in many shards, once with local 1 worker, local 2 workers and Ray 2 workers:
every output file (parquet shards, removed logs, metrics, manifest, plots) is byte-identical and the
returned metrics are equal. Dedup's band grouping on Ray returns the local candidate pairs for any
partitioning; a failing shard publishes nothing on either backend; a bad ``execute:`` is an error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import ray
from conftest import web_package
from test_decontam import SOLUTION, as_js_comment
from test_dedup import OTHER, STORE, one_function_added, reformatted, renamed
from test_dedup_partitioned import build, check_against_reference, dedup, expected, hard_corpus

from codeprep.clean.rules import CleanParams
from codeprep.clean.secrets import SecretsParams
from codeprep.clean.stage import CleanConfig, run_clean
from codeprep.decontam.params import DecontamParams
from codeprep.decontam.stage import run_decontam
from codeprep.dedup.minhash import MinHashParams
from codeprep.dedup.params import DedupParams
from codeprep.dedup.signatures import SIGNATURE_SCHEMA
from codeprep.dedup.stage import run_dedup
from codeprep.execute.local import map_shards
from codeprep.execute.params import ExecuteParams
from codeprep.execute.ray_backend import session
from codeprep.filters.params import FilterParams
from codeprep.filters.stage import run_filter
from codeprep.minhash.stage import MinHashTask, run_minhash
from codeprep.params import load_params
from codeprep.shards import DOC_SCHEMA, SIGNALS_SCHEMA, ShardWriter, doc_id, shard_paths
from codeprep.signals.langid import save, train
from codeprep.signals.params import LangIdParams
from codeprep.signals.stage import SignalsConfig, run_signals
from codeprep.sources.languages import language_of

PROJECT = Path(__file__).resolve().parents[2]
PARAMS = load_params(PROJECT / "params.yaml")
BACKENDS = {
    "local-1": ExecuteParams("local", 1),
    "local-2": ExecuteParams("local", 2),
    "ray-2": ExecuteParams("ray", 2),
}


@pytest.fixture(scope="module")
def ray_instance() -> Any:
    """One local Ray instance for the module, started and stopped by the backend's own session."""
    with session(ExecuteParams("ray", 2)):
        assert ray.is_initialized()
        yield
    assert not ray.is_initialized()  # the session shut down the instance it started


def doc(repo: str, path: str, content: str, license: str = "MIT") -> dict[str, Any]:
    """A document as ingest writes it."""
    return {
        "id": doc_id("npm", repo, "1.0.0", path, content.encode()),
        "source": "npm",
        "repo": repo,
        "version": "1.0.0",
        "path": path,
        "license": license,
        "lang": language_of(path)[0],
        "content": content,
        "size_bytes": len(content.encode()),
        "encoding": "utf-8",
        "is_vendored": False,
        "is_minified": False,
        "is_generated": False,
    }


def corpus() -> list[dict[str, Any]]:
    """Eight web packages, a near-duplicate cluster with one byte-identical copy, a HumanEval solution
    pasted into a comment, a GPL file, a leaked email, a debug statement and a syntax error."""
    docs = [
        doc(f"pkg-{i}", path, data.decode())
        for i in range(8)
        for path, data in web_package(f"pkg-{i}", i).items()
    ]
    docs += [
        doc("store", "src/store.js", STORE),
        doc("fork-a", "lib/store.renamed.js", renamed(STORE)),
        doc("fork-b", "lib/store.js", reformatted(STORE)),
        doc("fork-c", "src/store.plus.js", one_function_added(STORE)),
        doc("bundle", "dist/store.js", STORE),
        doc("api", "server.js", OTHER),
        doc("leaky", "src/helpers.js", "export function id(x) {\n  return x;\n}\n" + as_js_comment(SOLUTION)),
        doc(
            "gpl-pkg",
            "src/gpl.js",
            "export function twice(value) {\n  return value * 2;\n}\n",
            "GPL-3.0-only",
        ),
        doc("owner", "src/owner.js", 'export const owner = "jane.doe@mailcorp.io";\nexport const n = 1;\n'),
        doc("debug", "src/log.js", "export function a(x) {\n  console.log(x);\n  return x + 1;\n}\n"),
        doc("broken", "src/broken.js", "export function broken(a {\n  return a +;\n}\n"),
    ]
    return docs


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Ingest-shaped shards (small ``max_bytes``: many shards), a langid model trained on them and the
    langid metrics the filter stage reads."""
    root = tmp_path_factory.mktemp("inputs")
    with ShardWriter(root / "ingest", DOC_SCHEMA, max_bytes=6000) as writer:
        for record in corpus():
            writer.write(record)
    model, _ = train(root / "ingest", LangIdParams(per_lang=60, n_features=2**16, test_fraction=0.25))
    save(model, root / "model.joblib")
    (root / "langid.json").write_text('{"accuracy": 0.9, "compatible_accuracy": 0.95}\n')
    return {"docs": root / "ingest", "model": root / "model.joblib", "langid": root / "langid.json"}


def run_pipeline(root: Path, inputs: dict[str, Path], execute: ExecuteParams) -> dict[str, Any]:
    """The map stages as the stage scripts call them, every output under ``root``."""
    js_backend = PARAMS["syntax"]["js_backend"]
    signals = SignalsConfig(js_backend, inputs["model"], float(PARAMS["langid"]["min_prob"]))
    clean = CleanConfig(
        allow=tuple(PARAMS["licence"]["allow"]),
        rules=CleanParams.from_params(PARAMS.get("clean")),
        secrets=SecretsParams.from_params(PARAMS.get("secrets")),
        js_backend=js_backend,
    )
    metrics_dir = root / "metrics"
    return {
        "signals": run_signals(
            signals, inputs["docs"], root / "signals", metrics_dir / "signals.json", execute
        ),
        "filter": run_filter(
            FilterParams.from_params(PARAMS["filter"]),
            root / "signals" / "docs",
            root / "filter",
            inputs["langid"],
            metrics_dir / "filter.json",
            execute,
        ),
        "clean": run_clean(
            clean,
            root / "filter" / "docs",
            root / "clean",
            metrics_dir / "clean.json",
            metrics_dir / "lic.csv",
            execute,
        ),
        "minhash": run_minhash(
            MinHashParams.from_params(PARAMS.get("dedup")),
            root / "clean" / "docs",
            root / "minhash",
            metrics_dir / "minhash.json",
            execute,
        ),
        "dedup": run_dedup(
            DedupParams.from_params(
                {**PARAMS["dedup"], "spill_dir": str(root.parent / f"{root.name}-spill")}
            ),
            root / "clean" / "docs",
            root / "minhash",
            root / "dedup",
            metrics_dir / "dedup.json",
            root / "plots",
            execute,
        ),
        "decontam": run_decontam(
            DecontamParams.from_params(PARAMS.get("decontam")),
            root / "dedup" / "docs",
            root / "decontam",
            metrics_dir / "decontam.json",
            execute,
            PROJECT,
        ),
    }


@pytest.fixture(scope="module")
def runs(
    ray_instance: None, inputs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[dict[str, Any], dict[str, bytes]]]:
    """``{backend: (returned metrics, {relative path: bytes} of every file written)}``."""
    out = {}
    for name, execute in BACKENDS.items():
        root = tmp_path_factory.mktemp(name)
        metrics = run_pipeline(root, inputs, execute)
        files = {
            p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
        }
        out[name] = (metrics, files)
    return out


def test_the_corpus_exercises_every_stage(runs: dict, inputs: dict[str, Path]) -> None:
    """The comparison below is only worth something if every stage has several shards and drops or
    changes something."""
    metrics, files = runs["local-1"]
    shards = len(shard_paths(inputs["docs"]))
    assert shards >= 4
    assert sum(p.startswith("dedup/docs/part-") for p in files) == shards
    assert metrics["signals"]["docs"] == len(corpus())
    assert metrics["filter"]["removed"].get("syntax_error", 0) >= 1
    assert metrics["clean"]["removed"] == {"licence": 1}
    assert metrics["clean"]["redactions"]["EMAIL"] == 1 and metrics["clean"]["changes"]
    assert (
        metrics["dedup"]["removed"]["exact_duplicate"] == 1
        and metrics["dedup"]["removed"]["near_duplicate"] >= 2
    )
    assert metrics["decontam"]["removed"] == {"contaminated": 1}


@pytest.mark.parametrize("backend", ["local-2", "ray-2"])
def test_every_output_file_is_byte_identical(runs: dict, backend: str) -> None:
    reference_metrics, reference = runs["local-1"]
    metrics, files = runs[backend]
    assert sorted(files) == sorted(reference)
    assert [p for p in files if files[p] != reference[p]] == []
    assert metrics == reference_metrics
    assert not [p for p in files if ".tmp" in p or p.endswith(".partial")]


@pytest.mark.parametrize("backend", ["local-2", "ray-2"])
def test_a_failing_shard_publishes_nothing(ray_instance: None, tmp_path: Path, backend: str) -> None:
    """A corrupt input shard: the task's own error reaches the caller and the previous output stays."""
    with ShardWriter(tmp_path / "in", SIGNALS_SCHEMA) as writer:
        writer.write({name: None for name in SIGNALS_SCHEMA.names} | corpus()[0])
    (tmp_path / "in" / "part-00001.parquet").write_bytes(b"not parquet")
    (tmp_path / "out" / "docs").mkdir(parents=True)
    (tmp_path / "out" / "docs" / "previous").write_text("kept")
    with pytest.raises(pa.ArrowInvalid):
        map_shards(
            MinHashTask(MinHashParams()),
            tmp_path / "in",
            tmp_path / "out" / "docs",
            tmp_path / "out" / "removed",
            SIGNATURE_SCHEMA,
            "t",
            BACKENDS[backend],
        )
    assert (tmp_path / "out" / "docs" / "previous").read_text() == "kept"
    assert not (tmp_path / "out" / "removed").exists()


def test_execute_params_are_validated() -> None:
    assert ExecuteParams.from_params(None) == ExecuteParams("local", 1, None)
    assert ExecuteParams.from_params({"workers": 2}) == ExecuteParams("local", 2)
    ray_cluster = ExecuteParams.from_params({"backend": "ray", "workers": 8, "ray_address": "auto"})
    assert ray_cluster.ray_address == "auto"
    with pytest.raises(ValueError, match=r"execute\.backend 'dask' is not one of \('local', 'ray'\)"):
        ExecuteParams.from_params({"backend": "dask"})
    for workers in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match=r"execute\.workers must be (int|an integer >= 1)"):
            ExecuteParams.from_params({"workers": workers})
    with pytest.raises(ValueError, match=r"unknown key execute\.worker; did you mean workers\?"):
        ExecuteParams.from_params({"worker": 2})
    with pytest.raises(ValueError, match="ray_address"):
        ExecuteParams.from_params({"backend": "ray", "ray_address": ""})


def test_partitioned_dedup_on_ray_writes_the_local_bytes(ray_instance: None, tmp_path: Path) -> None:
    """The dedup's steps as Ray tasks over 5 partitions: the same files as one local process over
    one partition, and the single-process algorithm's removals."""
    records = hard_corpus(copies=2_000, chain=40)
    docs, sig = build(tmp_path, records, DedupParams())
    local = dedup(tmp_path, docs, sig, DedupParams(partitions=1), ExecuteParams("local", 1), "local")
    on_ray = dedup(tmp_path, docs, sig, DedupParams(partitions=5), ExecuteParams("ray", 2), "ray")
    assert local == on_ray
    check_against_reference(tmp_path, "ray", expected(docs, sig, DedupParams()), len(records))
