"""The partitioned dedup against the single-process algorithm it replaced (``codeprep.dedup.reference``):
the same removals, details, clusters and metrics, byte-identical files for any worker and partition
count, on corpora with one 10,000-copy cluster, a hub of near copies, long chains and documents
without shingles; resumption after a kill mid-shuffle and mid-components; a corrupted partition
file recomputed; connected components on the graph shapes that break naive label propagation."""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import random
import signal
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from conftest import signals_record
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from test_dedup import OTHER, STORE, one_function_added, renamed, write_docs

from codeprep.dedup import components, partitioned, reference, steps
from codeprep.dedup.lsh import candidates
from codeprep.dedup.minhash import MinHasher, MinHashParams
from codeprep.dedup.params import DedupParams
from codeprep.dedup.spill import Spill
from codeprep.dedup.stage import run_dedup
from codeprep.execute.params import ExecuteParams
from codeprep.minhash.stage import run_minhash
from codeprep.shards import doc_id, iter_records

ICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="M3 6h18v2H3zm0 5h18v2H3zm0 5h18v2H3z"/></svg>\n'
WORDS = [
    f"{a}{b}"
    for a in ("get", "set", "make", "read", "send", "load", "parse")
    for b in ("User", "Item", "Node", "Page", "Key", "Row")
]


def _like(template: dict[str, Any], path: str, content: str, repo: str, **meta: Any) -> dict[str, Any]:
    """A copy of a signals-stage record under a new place and content (signals kept: dedup reads
    only the keeper rule's fields, which ``meta`` may vary)."""
    return {
        **template,
        "id": doc_id("test", repo, "1.0.0", path, content.encode()),
        "repo": repo,
        "path": path,
        "content": content,
        "size_bytes": len(content.encode()),
        **meta,
    }


def _module(rng: random.Random, lines: int) -> str:
    return "\n".join(
        f"export function {rng.choice(WORDS)}{i}(a, b) {{ return {rng.choice(WORDS)}(a, {rng.randrange(1000)}) + b; }}"
        for i in range(lines)
    )


def hard_corpus(copies: int = 10_000, chain: int = 60) -> list[dict[str, Any]]:
    """10,000 byte-identical icons (one exact cluster), a hub of near copies of a module with the
    keeper-rule fields varied, a chain whose ends are far apart, unrelated modules, and documents
    without shingles."""
    rng = random.Random(7)
    js = signals_record("src/store.js", "javascript", STORE, repo="store")
    svg = signals_record("icons/menu.svg", "svg", ICON, repo="icons")
    records = [js, signals_record("server.js", "javascript", OTHER, repo="api")]
    records += [_like(svg, f"icons/{i}/menu.svg", ICON, f"pkg-{i % 97}") for i in range(copies)]
    for i in range(40):
        text = (
            one_function_added(STORE)
            if i % 3 == 0
            else renamed(STORE)
            if i % 3 == 1
            else STORE + f"\n// {i}\n"
        )
        meta = {"is_minified": i % 5 == 0, "syntax_ok": i % 7 != 0, "alnum_fraction": 0.6 + (i % 4) / 100}
        records.append(_like(js, f"lib/{i}/store.js", text, f"fork-{i}", **meta))
    lines = _module(rng, 120).split("\n")
    for step in range(chain):  # each link rewrites 4 more lines: neighbours ~0.9, the ends < 0.2
        for k in range(4):
            lines[(step * 4 + k) % len(lines)] = _module(rng, 1)
        records.append(_like(js, f"chain/{step}.js", "\n".join(lines), "chain"))
    records += [_like(js, f"misc/{i}.js", _module(rng, 30), "misc") for i in range(200)]
    records += [_like(js, f"blank/{i}.js", " \n" * (i + 1), "blank") for i in range(5)]
    rng.shuffle(records)
    return records


def build(tmp: Path, records: list[dict[str, Any]], params: DedupParams) -> tuple[Path, Path]:
    docs = write_docs(tmp / "docs", records, max_bytes=256 << 10)
    run_minhash(
        MinHashParams(params.ngram, params.num_perm), docs, tmp / "sig", tmp / "minhash.json", ExecuteParams()
    )
    return docs, tmp / "sig"


def dedup(
    tmp: Path, docs: Path, sig: Path, params: DedupParams, execute: ExecuteParams, name: str
) -> dict[str, bytes]:
    out = tmp / name
    if params.spill_dir == DedupParams.spill_dir:  # never the repository's own .cache
        params = dataclasses.replace(params, spill_dir=str(tmp / f"{name}-spill"))
    run_dedup(params, docs, sig, out / "dedup", out / "dedup.json", out / "plots", execute)
    assert not any(Path(params.spill_dir).iterdir())  # partition files are removed on success
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def expected(docs: Path, sig: Path, params: DedupParams) -> dict[str, Any]:
    ref = reference.outcome(params, docs, sig)
    sizes = {s: c for s, c in ref["sizes"].items() if s > 1}
    return {
        "removed": ref["removed"],
        "clusters": sum(sizes.values()),
        "largest_cluster": max(sizes, default=0),
        "duplicated": sum(s * c for s, c in sizes.items()),
        "residual": ref["residual"],
        "kept": ref["kept"],
    }


def check_against_reference(tmp: Path, name: str, ref: dict[str, Any], docs_in: int) -> None:
    removed = {r["id"]: (r["reason"], r["detail"]) for r in iter_records(tmp / name / "dedup" / "removed")}
    assert removed == ref["removed"]
    metrics = json.loads((tmp / name / "dedup.json").read_text())
    assert metrics["docs_out"] == ref["kept"] == docs_in - len(removed)
    assert metrics["clusters"] == ref["clusters"] and metrics["largest_cluster"] == ref["largest_cluster"]
    assert metrics["duplication_rate_in"] == pytest.approx(ref["duplicated"] / docs_in, abs=1e-6)
    assert metrics["duplication_rate"] == pytest.approx(ref["residual"] / ref["kept"], abs=1e-6)


@pytest.fixture(scope="module")
def hard(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path, dict[str, Any], int]:
    tmp = tmp_path_factory.mktemp("hard")
    records = hard_corpus()
    docs, sig = build(tmp, records, DedupParams())
    return tmp, docs, sig, expected(docs, sig, DedupParams()), len(records)


def test_the_hard_corpus_has_the_shapes_it_claims(hard: tuple) -> None:
    _, _, _, ref, _ = hard
    reasons = Counter(reason for reason, _ in ref["removed"].values())
    assert ref["largest_cluster"] >= 10_000  # the icons, one exact cluster
    assert reasons["exact_duplicate"] >= 9_999 and reasons["near_duplicate"] >= 60
    chain_removed = sum(1 for _, detail in ref["removed"].values() if "chain@1.0.0/chain/" in detail)
    assert chain_removed >= 50  # the chain is one cluster although its ends are far apart
    assert any("itself a near duplicate" in detail for _, detail in ref["removed"].values())


@pytest.mark.parametrize(
    ("workers", "partitions"), [(1, 1), (1, 3), (2, 2), (2, 7)], ids=["w1p1", "w1p3", "w2p2", "w2p7"]
)
def test_partitioned_dedup_matches_the_single_process_one(
    hard: tuple, workers: int, partitions: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(steps, "POOL_MIN_DOCUMENTS", 0)  # two workers: a real process pool
    if workers == 1:  # in this process: small join blocks, so hubs stream through many of them
        monkeypatch.setattr(partitioned, "PAIR_BLOCK", 97)
        monkeypatch.setattr(partitioned, "BLOCK_BYTES", 20_000)
    tmp, docs, sig, ref, n = hard
    files = dedup(
        tmp,
        docs,
        sig,
        DedupParams(partitions=partitions),
        ExecuteParams("local", workers),
        f"w{workers}p{partitions}",
    )
    check_against_reference(tmp, f"w{workers}p{partitions}", ref, n)
    baseline = tmp / "baseline.bytes"
    if not baseline.exists():
        baseline.mkdir()
        for name, body in files.items():
            (baseline / name.replace("/", "__")).write_bytes(body)
    saved = {p.name.replace("__", "/"): p.read_bytes() for p in baseline.iterdir()}
    assert files == saved  # every configuration writes the same bytes


def test_signature_verification_and_another_threshold_match_too(tmp_path: Path) -> None:
    records = hard_corpus(copies=300, chain=30)
    for params in (DedupParams(verify="signature", partitions=3), DedupParams(threshold=0.6, partitions=4)):
        docs, sig = build(tmp_path / params.verify / str(params.threshold), records, params)
        name = "out"
        dedup(docs.parent, docs, sig, params, ExecuteParams("local", 2), name)
        check_against_reference(docs.parent, name, expected(docs, sig, params), len(records))


def test_empty_and_single_document_corpora_match(tmp_path: Path) -> None:
    one = [signals_record("a.js", "javascript", STORE)]
    for name, records in (("empty", []), ("one", one), ("blank", [_like(one[0], "b.js", "\n\n", "r")])):
        docs, sig = build(tmp_path / name, records, DedupParams())
        dedup(tmp_path / name, docs, sig, DedupParams(partitions=3), ExecuteParams(), "out")
        if records:
            check_against_reference(tmp_path / name, "out", expected(docs, sig, DedupParams()), len(records))
        else:
            assert json.loads((tmp_path / name / "out" / "dedup.json").read_text())["docs_in"] == 0


def _killed_run(docs: Path, sig: Path, params: DedupParams, producer: str, task: int) -> None:
    """In a forked child: run the dedup and SIGKILL the process while ``producer``'s task ``task``
    publishes: one of its partition files is in place, its marker is not (a kill mid-step, after
    the step's earlier tasks completed)."""
    original = Spill.write

    def write_and_die(self: Spill, name: str, index: int, outputs: dict, stats: Any = None) -> Any:
        if name == producer and index == task:
            step, tables = next((s, t) for s, t in sorted(outputs.items()) if t)
            part, table = sorted(tables.items())[0]
            original(self, "stray", index, {step: {part: table}})
            os.kill(os.getpid(), signal.SIGKILL)
        return original(self, name, index, outputs, stats)

    Spill.write = write_and_die  # type: ignore[method-assign]
    run_dedup(
        params,
        docs,
        sig,
        docs.parent / "killed",
        docs.parent / "killed.json",
        docs.parent / "kplots",
        ExecuteParams(),
    )


def _kill(docs: Path, sig: Path, params: DedupParams, producer: str) -> Path:
    """The spill folder a run killed in ``producer`` (task 1) left behind."""
    child = multiprocessing.get_context("fork").Process(
        target=_killed_run, args=(docs, sig, params, producer, 1)
    )
    child.start()
    child.join()
    assert child.exitcode == -signal.SIGKILL
    [root] = list(Path(params.spill_dir).iterdir())
    assert (root / "_done" / "scan" / "t00000.json").is_file()
    assert (root / "_done" / producer / "t00000.json").is_file()
    assert not (root / "_done" / producer / "t00001.json").exists()
    return root


def _recording_run(
    tmp: Path, docs: Path, sig: Path, params: DedupParams, name: str
) -> tuple[dict[str, bytes], list[str]]:
    """A dedup run's files and the ``step#task`` of every task it executed (not resumed)."""
    ran: list[str] = []
    original = Spill.write

    def recording(self: Spill, step: str, task: int, *args: Any, **kwargs: Any) -> dict[str, Any]:
        ran.append(f"{step}#{task}")
        return original(self, step, task, *args, **kwargs)

    Spill.write = recording  # type: ignore[method-assign]
    try:
        files = dedup(tmp, docs, sig, params, ExecuteParams(), name)
    finally:
        Spill.write = original  # type: ignore[method-assign]
    return files, ran


@pytest.mark.parametrize("producer", ["near/buckets", "cc/0003"], ids=["mid-shuffle", "mid-components"])
def test_a_killed_run_resumes_from_its_completed_tasks(tmp_path: Path, producer: str) -> None:
    records = hard_corpus(copies=500, chain=60)
    params = DedupParams(partitions=4, spill_dir=str(tmp_path / "spill"))
    docs, sig = build(tmp_path, records, params)
    _kill(docs, sig, params, producer)
    resumed, ran = _recording_run(tmp_path, docs, sig, params, "resumed")
    assert (
        f"{producer}#1" in ran and f"{producer}#0" not in ran
    )  # the killed task ran again, not the done one
    assert not [r for r in ran if r.startswith(("scan#", "exact#"))]  # nor the completed steps
    clean, _ = _recording_run(
        tmp_path, docs, sig, dataclasses.replace(params, spill_dir=str(tmp_path / "s2")), "clean"
    )
    assert resumed == clean
    check_against_reference(tmp_path, "resumed", expected(docs, sig, params), len(records))


def test_a_corrupted_partition_file_is_recomputed(tmp_path: Path) -> None:
    records = hard_corpus(copies=300, chain=30)
    params = DedupParams(partitions=3, spill_dir=str(tmp_path / "spill"))
    docs, sig = build(tmp_path, records, params)
    root = _kill(docs, sig, params, "clusters")
    victim = root / "reps" / "t00000.arrow"  # written by exact task 0
    body = bytearray(victim.read_bytes())
    body[len(body) // 2] ^= 0xFF
    victim.write_bytes(bytes(body))
    (root / "near" / "pairs" / "t00000.arrow").unlink()  # written by near/buckets task 0
    _, ran = _recording_run(tmp_path, docs, sig, params, "resumed")
    assert [r for r in ran if r.startswith(("scan#", "exact#", "near/buckets#"))] == [
        "exact#0",
        "near/buckets#0",
    ]
    check_against_reference(tmp_path, "resumed", expected(docs, sig, params), len(records))


def _scipy_labels(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    graph = coo_matrix((np.ones(len(u), dtype=np.int8), (u, v)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def _star_forest(
    tmp: Path, n: int, u: np.ndarray, v: np.ndarray, partitions: int
) -> tuple[dict[int, int], int]:
    """Run large-star / small-star on ``partitions`` partitions; ``({node: label}, rounds)``."""
    spill = Spill(tmp, partitions)
    for part, table in components.both_ways(u, v, partitions).items():
        spill.write("edges", part, {"g0": {part: table}})
    current, rounds = "g0", 0
    while True:
        rounds += 1
        large = [components.read_edges(spill, current, p) for p in range(partitions)]
        if sum(components.not_star(*e) for e in large) == 0:
            break
        for kind, fn in (("l", components.large_star), ("s", components.small_star)):
            target = f"g{rounds}{kind}"
            for p in range(partitions):
                spill.write(target, p, {target: fn(*components.read_edges(spill, current, p), partitions)})
            current = target
    labels = {}
    for p in range(partitions):
        nodes, label = components.labels(*components.read_edges(spill, current, p))
        labels.update(zip(nodes.tolist(), label.tolist(), strict=True))
    return labels, rounds


@pytest.mark.parametrize("shape", ["path", "reversed-path", "star", "random", "two-hubs"])
def test_large_star_small_star_finds_the_components(tmp_path: Path, shape: str) -> None:
    rng = np.random.default_rng(3)
    n = 3_000
    if shape == "path":
        u, v = np.arange(n - 1), np.arange(1, n)
    elif shape == "reversed-path":  # labels must travel the whole way down
        perm = rng.permutation(n)
        u, v = perm[:-1], perm[1:]
    elif shape == "star":
        u, v = np.full(n - 1, n // 2), np.delete(np.arange(n), n // 2)
    elif shape == "random":
        u, v = rng.integers(0, n, 2_500), rng.integers(0, n, 2_500)
    else:
        u = np.concatenate([np.full(1_000, 5), np.full(1_000, 2_999), [5]])
        v = np.concatenate([rng.integers(0, n, 1_000), rng.integers(0, n, 1_000), [2_999]])
    u, v = u.astype(np.int64), v.astype(np.int64)
    labels, rounds = _star_forest(tmp_path, n, u, v, partitions=4)
    truth = _scipy_labels(n, u, v)
    edge = u != v
    for node in set(u[edge].tolist()) | set(v[edge].tolist()):
        members = np.flatnonzero(truth == truth[node])
        if len(members) > 1:
            assert labels[node] == members.min()  # every node points at its component's smallest
    assert rounds <= 40


@pytest.mark.parametrize(("bands", "rows", "partitions"), [(12, 10, 1), (12, 10, 5), (32, 4, 3)])
def test_bucket_pairs_are_the_single_process_candidates(
    tmp_path: Path, bands: int, rows: int, partitions: int
) -> None:
    """Star + chain pairs per (band, key) bucket, members in id order, exactly as
    ``lsh.candidates`` over the id-sorted signatures (ids deliberately not in node order)."""
    rng = np.random.default_rng(0)
    sets = []
    for i in range(600):
        if i % 3:  # families of near copies: the buckets hold 2-3 members in many bands
            base = sets[-1]
            sets.append(np.concatenate([base[: int(len(base) * 0.9)], rng.integers(0, 2**32, 20, np.uint32)]))
        else:
            sets.append(rng.integers(0, 2**32, 200, dtype=np.uint32))
    sets.append(np.empty(0, np.uint32))  # no shingles: never a candidate
    sigs = MinHasher(128, 1).signatures(sets).astype("<u4")
    ids = [f"{rng.integers(0, 2**63):016x}{rng.integers(0, 2**63):016x}" for _ in sets]
    halves = np.frombuffer(bytes.fromhex("".join(ids)), dtype=">u8").reshape(-1, 2).astype(np.uint64)
    table = pa.table(
        {
            "node": np.arange(len(sets), dtype=np.int64),
            "hi": halves[:, 0],
            "lo": halves[:, 1],
            "live": [len(s) > 0 for s in sets],
            "signature": [row.tobytes() for row in sigs],
        }
    )
    search = partitioned.Search("near", bands, rows, 0.8, "exact")
    run = partitioned.Run(Spill(tmp_path, partitions), (), (), (0,), 5, 128)
    run.spill.write("bands", 0, {"near/bands": partitioned._bands_of(table, search, 128, partitions)})
    for part in range(partitions):
        partitioned.buckets(run, part, search)
    pairs = pa.concat_tables(
        [run.spill.read("near/pairs", p, partitioned.PAIR_SCHEMA) for p in range(partitions)]
    )
    got = {
        (ids[u], ids[v])
        for u, v in zip(pairs.column("u").to_pylist(), pairs.column("v").to_pylist(), strict=True)
    }
    order = sorted(range(len(ids)), key=ids.__getitem__)
    u, v = candidates(sigs[order], bands, rows)
    want = {(ids[order[a]], ids[order[b]]) for a, b in zip(u.tolist(), v.tolist(), strict=True)}
    assert len(want) > 300 and got == want


def test_blocks_cover_every_row_within_the_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(partitioned, "PAIR_BLOCK", 10)
    monkeypatch.setattr(partitioned, "BLOCK_BYTES", 100)
    sizes = np.array([30, 30, 30, 30, 500, 1, 1, 1] + [1] * 20)
    blocks = list(partitioned._blocks(len(sizes), sizes))
    assert [(b.start, b.stop) for b in blocks] == [(0, 3), (3, 4), (4, 5), (5, 15), (15, 25), (25, 28)]
    assert [(b.start, b.stop) for b in partitioned._blocks(25)] == [(0, 10), (10, 20), (20, 25)]
