"""Deduplication: shingles and signatures bit-identical to datasketch, LSH bands as datasketch chooses
them, known near-duplicate edits found and unrelated files kept, a deterministic keeper whatever the
input order, conservation, and the empty and one-document corpora."""

from __future__ import annotations

import dataclasses
import json
import random
import re
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from conftest import signals_record
from datasketch import MinHash
from datasketch.lsh import _optimal_param

from codeprep.dedup.exact import content_hash
from codeprep.dedup.keeper import Meta, keeper_key
from codeprep.dedup.lsh import optimal_bands
from codeprep.dedup.minhash import MinHasher, MinHashParams
from codeprep.dedup.params import DedupParams
from codeprep.dedup.partitioned import META_COLUMNS
from codeprep.dedup.shingles import shingle_hash, shingle_hashes, shingles, tokens
from codeprep.dedup.signatures import read_signatures
from codeprep.dedup.stage import run_dedup
from codeprep.execute.params import ExecuteParams
from codeprep.minhash.stage import run_minhash
from codeprep.shards import SIGNALS_SCHEMA, RemovedLog, ShardWriter, iter_records

# A real-shaped module: a small store with a few functions (about 60 lines, 400 tokens).
STORE = """import { EventEmitter } from "events";

/** A tiny key-value store that tells listeners about every change. */
export class Store extends EventEmitter {
  constructor(initial = {}) {
    super();
    this.state = { ...initial };
    this.history = [];
  }

  get(key, fallback = null) {
    return Object.prototype.hasOwnProperty.call(this.state, key) ? this.state[key] : fallback;
  }

  set(key, value) {
    const previous = this.state[key];
    if (previous === value) return false;
    this.history.push({ key, previous, value, at: Date.now() });
    this.state = { ...this.state, [key]: value };
    this.emit("change", { key, previous, value });
    return true;
  }

  remove(key) {
    if (!(key in this.state)) return false;
    const { [key]: removed, ...rest } = this.state;
    this.state = rest;
    this.emit("remove", { key, removed });
    return true;
  }

  undo() {
    const last = this.history.pop();
    if (!last) return false;
    this.state = { ...this.state, [last.key]: last.previous };
    this.emit("undo", last);
    return true;
  }

  snapshot() {
    return JSON.parse(JSON.stringify(this.state));
  }
}

export function createStore(initial) {
  return new Store(initial);
}

export function select(store, keys) {
  const out = {};
  for (const key of keys) out[key] = store.get(key);
  return out;
}
"""
OTHER = """const express = require("express");
const app = express();
app.use(express.json());
const users = new Map();
app.get("/users/:id", (req, res) => {
  const user = users.get(req.params.id);
  if (!user) return res.status(404).json({ error: "not found" });
  res.json(user);
});
app.post("/users", (req, res) => {
  const id = String(users.size + 1);
  users.set(id, { id, ...req.body });
  res.status(201).json(users.get(id));
});
app.listen(process.env.PORT || 3000, () => console.log("listening"));
"""
SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="M4 6h16M4 12h16M4 18h7"/></svg>\n'


def renamed(text: str) -> str:
    """A local variable renamed everywhere it occurs (``previous`` -> ``before``)."""
    return text.replace("previous", "before")


def reformatted(text: str) -> str:
    """Same tokens, other layout: 4-space indent, no blank lines, CRLF endings."""
    lines = [line.replace("  ", "    ") for line in text.split("\n") if line.strip()]
    return "\r\n".join(lines)


def one_function_added(text: str) -> str:
    return text + "\nexport function keysOf(store) {\n  return Object.keys(store.snapshot()).sort();\n}\n"


def jaccard(a: str, b: str, n: int = 5) -> float:
    sa, sb = set(shingles(a, n)), set(shingles(b, n))
    return len(sa & sb) / len(sa | sb)


def datasketch_signature(text: str, ngram: int = 5, num_perm: int = 128, seed: int = 1) -> np.ndarray:
    m = MinHash(num_perm=num_perm, seed=seed, hashfunc=shingle_hash)
    m.update_batch(shingles(text, ngram))
    return m.hashvalues


REAL_DOCS = [STORE, renamed(STORE), reformatted(STORE), OTHER, SVG, "x", "", "const é = 'ünï'; // ✓\n" * 40]


def test_shingle_hashes_are_the_scalar_hash_of_every_shingle() -> None:
    for text in REAL_DOCS:
        for n in (1, 3, 5):
            expected = np.array([shingle_hash(s) for s in shingles(text, n)], dtype=np.uint32)
            assert np.array_equal(shingle_hashes(text, n), expected)


@pytest.mark.parametrize(("num_perm", "seed"), [(128, 1), (64, 7), (256, 42)])
def test_signatures_are_bit_identical_to_datasketch(num_perm: int, seed: int) -> None:
    """datasketch's MinHash(num_perm, seed, hashfunc=shingle_hash).update_batch(shingles) is the oracle;
    one batch mixes tiny, empty and long documents (and one longer than a block of rows)."""
    docs = [*REAL_DOCS, STORE * 50]
    ours = MinHasher(num_perm, seed).signatures([shingle_hashes(t, 5) for t in docs])
    for text, sig in zip(docs, ours, strict=True):
        assert np.array_equal(sig, datasketch_signature(text, 5, num_perm, seed))


def test_tokens_ignore_layout_but_not_code() -> None:
    assert tokens(reformatted(STORE)) == tokens(STORE)
    assert content_hash(reformatted(STORE)) != content_hash(STORE)  # exact dedup keeps indentation
    assert content_hash(STORE.replace("\n", "\r\n") + "\n\n") == content_hash(STORE)
    assert tokens("a?.b ?? c") == [b"a", b"?", b".", b"b", b"?", b"?", b"c"]
    assert tokens("const $el = é;") == [b"const", b"$el", b"=", "é".encode(), b";"]


@pytest.mark.parametrize("threshold", [0.5, 0.7, 0.8, 0.85, 0.9])
def test_bands_are_the_ones_datasketch_chooses(threshold: float) -> None:
    assert optimal_bands(threshold, 128, 0.5, 0.5) == _optimal_param(threshold, 128, 0.5, 0.5)
    assert optimal_bands(threshold, 128, 0.2, 0.8) == _optimal_param(threshold, 128, 0.2, 0.8)


def write_docs(directory: Path, records: list[dict], max_bytes: int = 64 << 20) -> Path:
    with ShardWriter(directory, SIGNALS_SCHEMA, max_bytes=max_bytes) as writer:
        for record in records:
            writer.write(record)
    return directory


def run(tmp: Path, records: list[dict], params: DedupParams | None = None, max_bytes: int = 64 << 20) -> dict:
    params = dataclasses.replace(params or DedupParams(), spill_dir=str(tmp / "spill"))
    docs = write_docs(tmp / "filter", records, max_bytes)
    run_minhash(
        MinHashParams(params.ngram, params.num_perm), docs, tmp / "sig", tmp / "minhash.json", ExecuteParams()
    )
    metrics = run_dedup(
        params, docs, tmp / "sig", tmp / "dedup", tmp / "dedup.json", tmp / "plots", ExecuteParams()
    )
    written = json.loads((tmp / "dedup.json").read_text())
    assert written["docs_in"] == metrics["docs_in"] and written["removed"] == metrics["removed"]
    return written


def outcome(tmp: Path) -> tuple[set[str], dict[str, tuple[str, str]]]:
    kept = {r["id"] for r in iter_records(tmp / "dedup" / "docs")}
    removed = {r["id"]: (r["reason"], r["detail"]) for r in iter_records(tmp / "dedup" / "removed")}
    return kept, removed


def corpus() -> list[dict]:
    return [
        signals_record("src/store.js", "javascript", STORE, repo="store"),
        signals_record("lib/store.renamed.js", "javascript", renamed(STORE), repo="fork-a"),
        signals_record("lib/store.js", "javascript", reformatted(STORE), repo="fork-b"),
        signals_record("src/store.plus.js", "javascript", one_function_added(STORE), repo="fork-c"),
        signals_record("dist/store.js", "javascript", STORE, repo="bundle"),
        signals_record("server.js", "javascript", OTHER, repo="api"),
        signals_record("icons/menu.svg", "svg", SVG, repo="icons"),
    ]


def test_known_near_duplicates_are_found_and_unrelated_files_kept(tmp_path: Path) -> None:
    for edited in (renamed(STORE), reformatted(STORE), one_function_added(STORE)):
        assert jaccard(STORE, edited) >= 0.8
    assert jaccard(STORE, OTHER) < 0.1
    records = corpus()
    metrics = run(tmp_path, records)
    _, removed = outcome(tmp_path)
    by_path = {r["path"]: r["id"] for r in records}
    reasons = {path: removed.get(doc, ("kept", ""))[0] for path, doc in by_path.items()}
    assert reasons["server.js"] == "kept" and reasons["icons/menu.svg"] == "kept"
    # The two byte-identical copies: the keeper rule keeps the smaller (repo, path), "bundle".
    assert reasons["src/store.js"] == "exact_duplicate"
    # The near-duplicate cluster's keeper is the keeper rule's choice among the five versions.
    store = [r for r in records if "store" in r["path"] and r["path"] != "src/store.js"]
    keeper = min(store, key=lambda r: keeper_key(Meta(*(r[c] for c in META_COLUMNS))))
    assert reasons[keeper["path"]] == "kept"
    assert sorted(reasons[r["path"]] for r in store) == ["kept"] + ["near_duplicate"] * 3
    where = f"{keeper['repo']}@1.0.0/{keeper['path']}"
    for _, detail in removed.values():
        assert detail.startswith(f"duplicate of {keeper['id']} ({where}); estimated jaccard")
    assert metrics["docs_in"] == 7 and metrics["docs_out"] == 3
    assert metrics["removed"] == {"exact_duplicate": 1, "near_duplicate": 3}
    assert metrics["clusters"] == 1 and metrics["largest_cluster"] == 5
    assert metrics["duplication_rate_in"] == pytest.approx(5 / 7, abs=1e-6)
    assert metrics["duplication_rate"] == 0.0


def test_keeper_rule_prefers_original_valid_permissive_source(tmp_path: Path) -> None:
    """A vendored or minified copy never wins; then valid syntax; then the smallest (repo, path)."""
    records = [
        signals_record("vendor/store.js", "javascript", STORE, repo="aaa"),
        signals_record("src/store.js", "javascript", STORE, repo="zzz"),
    ]
    records[0]["is_vendored"] = True
    run(tmp_path / "a", records)
    kept, _ = outcome(tmp_path / "a")
    assert kept == {records[1]["id"]}
    broken = signals_record("src/store.js", "javascript", STORE + "\n}", repo="aaa")
    assert broken["syntax_ok"] is False
    run(tmp_path / "b", [broken, records[1]])
    kept, removed = outcome(tmp_path / "b")
    assert kept == {records[1]["id"]} and removed[broken["id"]][0] == "near_duplicate"


def test_result_does_not_depend_on_input_order_or_sharding(tmp_path: Path) -> None:
    records = corpus()
    extra = [
        signals_record(f"gen/{i}.js", "javascript", renamed(STORE).replace("key", f"k{i}"), repo=f"r{i}")
        for i in range(6)
    ]
    records += extra
    first = run(tmp_path / "a", records)
    shuffled = records[:]
    random.Random(3).shuffle(shuffled)
    second = run(tmp_path / "b", shuffled, max_bytes=4000)  # several shards, other order
    assert first == second
    assert outcome(tmp_path / "a") == outcome(tmp_path / "b")


def test_conservation_and_removed_log(tmp_path: Path) -> None:
    metrics = run(tmp_path, corpus())
    kept, removed = outcome(tmp_path)
    assert metrics["docs_in"] == metrics["docs_out"] + sum(metrics["removed"].values())
    assert len(kept) == metrics["docs_out"] and len(removed) == sum(metrics["removed"].values())
    assert not kept & set(removed)
    rows = list(iter_records(tmp_path / "dedup" / "removed"))
    assert {r["stage"] for r in rows} == {"dedup"} and all(r["path"] and r["repo"] for r in rows)
    plots = (tmp_path / "plots" / "dedup_cluster_sizes.csv").read_text().splitlines()
    assert plots == ["cluster_size,clusters", "5,1"]
    assert (tmp_path / "plots" / "dedup_jaccard.csv").read_text().startswith("jaccard,removed\n")


def test_empty_and_single_document_corpora(tmp_path: Path) -> None:
    empty = run(tmp_path / "empty", [])
    assert empty == {
        "docs_in": 0,
        "docs_out": 0,
        "removed": {},
        "duplication_rate_in": None,  # undefined on no documents, as every ratio of the project
        "duplication_rate": None,
        "clusters": 0,
        "largest_cluster": 0,
    }
    one = run(tmp_path / "one", [signals_record("a.js", "javascript", STORE)])
    assert one["docs_out"] == 1 and one["removed"] == {}


def test_signature_shards_round_trip(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "filter", corpus())
    run_minhash(MinHashParams(), docs, tmp_path / "sig", tmp_path / "m.json", ExecuteParams())
    ids, hashes, counts, sigs = read_signatures(tmp_path / "sig", 128)
    assert ids == [r["id"] for r in corpus()]
    assert sigs.shape == (7, 128) and sigs.dtype == np.uint32
    assert np.array_equal(sigs[0], datasketch_signature(STORE))
    assert hashes[0] == hashes[4] and counts[0] == len(shingles(STORE, 5))
    assert pq.read_schema(next((tmp_path / "sig").glob("*.parquet"))).names == [
        "id",
        "content_hash",
        "n_shingles",
        "signature",
    ]
    from codeprep.execute.local import _NoRemovals

    assert isinstance(_NoRemovals("minhash"), RemovedLog)  # what a map task receives as its log
    with pytest.raises(RuntimeError, match="does not drop"):
        _NoRemovals("minhash").drop("x", "y")


def test_a_map_stage_ends_with_one_summary_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """Quiet in CI (no bar), but always one line: documents in, kept, removed and the rate."""
    docs = write_docs(tmp_path / "filter", corpus())
    run_dedup(
        DedupParams(spill_dir=str(tmp_path / "spill")),
        docs,
        _signatures(tmp_path, docs),
        tmp_path / "d",
        tmp_path / "d.json",
        tmp_path / "p",
        ExecuteParams(),
    )
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("dedup: ")]
    assert len(lines) == 1 and re.fullmatch(
        r"dedup: 7 documents in, 3 kept, 4 removed; [0-9.]+ MB of input shards in [0-9.]+ s \([0-9.]+ MB/s\)",
        lines[0],
    ), lines


def _signatures(tmp: Path, docs: Path) -> Path:
    run_minhash(MinHashParams(), docs, tmp / "sig", tmp / "m.json", ExecuteParams())
    return tmp / "sig"
