"""Deduplication benchmark: signature speed and LSH speed against datasketch on the same documents,
index memory per 100k documents, and precision/recall against exact Jaccard.

Corpora (seeded):

- **sample**: the default sample's filtered documents (``out/filter/docs``, run ``make repro`` first).
- **synthetic 100k**: 100,000 documents made from the sample's documents of at most ``--max-doc-bytes``:
  a third are originals, the rest near-duplicate variants of them made by controlled edits
  (``rename``: one identifier renamed everywhere; ``reformat``: indentation and blank lines changed;
  ``insert``: a few lines copied from another document inserted; ``delete``: a few lines deleted),
  one to three edits each, so the corpus has clusters of many sizes and a Jaccard range around the
  thresholds.

Figures, side by side in one run (absolute times on this shared machine are noisy, ratios are not):

- ``signatures``: documents/s of ours (from the text: tokens, shingle hashes, signatures, in batches)
  vs datasketch ``MinHash(num_perm, seed, hashfunc=shingle_hash)`` fed the *same shingles*, prepared
  in advance, with ``update`` per shingle and with ``update_batch``; ``speedup_vs_datasketch_batch``
  (goal >= 2). Ours is charged the tokenising, datasketch is not. Bit-identity is checked on every
  document timed.
- ``lsh``: on the 100k signatures, ours (candidates of every band, signature-Jaccard verification,
  connected components) vs datasketch ``MinHashLSH(threshold, num_perm, params=(bands, rows))``
  (insert every ``LeanMinHash``, query every one, verify each returned pair with ``jaccard``); same
  bands and rows. ``lsh_speedup_vs_datasketch`` (goal >= 10). ``mb_per_100k_docs`` (goal <= 160): the
  signature matrix plus the peak of every allocation the index makes (tracemalloc: numpy reports its
  buffers to it), scaled to 100,000 documents.
- ``quality``: on ``--quality-docs`` documents of the synthetic corpus, the ground truth is every pair
  with exact Jaccard of the shingle sets >= threshold (a sparse document x shingle product, no MinHash).
  ``precision``: share of the pairs our dedup asserted (verified candidate pairs) that are true;
  ``recall``: share of true pairs whose two documents end in one cluster (what removal acts on);
  ``cluster_pair_precision``: share of the pairs in one cluster that are true (chaining lowers it).
  Measured for both ``dedup.verify`` modes; the goals (precision >= 0.95, recall >= 0.90 at 0.8 and
  0.85) are judged on the mode ``params.yaml`` selects.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
from machine import machine_facts
from scipy import sparse

from codeprep.dedup.lsh import candidates, clusters, optimal_bands
from codeprep.dedup.minhash import MinHasher
from codeprep.dedup.shingles import shingle_hash, shingle_hashes, shingles
from codeprep.dedup.stage import verified
from codeprep.params import load_params
from codeprep.shards import iter_batches

ROOT = Path(__file__).resolve().parents[1]
IDENT = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]{3,}\b")


def load_sample(docs_dir: Path) -> list[str]:
    texts: list[str] = []
    for batch in iter_batches(docs_dir, columns=["content"]):
        texts += batch.column("content").to_pylist()
    return texts


def edit(text: str, kind: str, rng: random.Random, donor: str) -> str:
    lines = text.split("\n")
    if kind == "rename":
        names = sorted(set(IDENT.findall(text)))
        if names:
            old = rng.choice(names)
            return re.sub(rf"\b{re.escape(old)}\b", old + "Renamed", text)
        return text
    if kind == "reformat":
        return "\n".join(
            ("\t" + line.strip()) if line.strip() else "" for line in lines if rng.random() > 0.1
        )
    if kind == "insert":
        extra = donor.split("\n")
        start = rng.randrange(len(extra))
        at = rng.randrange(len(lines) + 1)
        return "\n".join(lines[:at] + extra[start : start + rng.randint(1, 4)] + lines[at:])
    # delete
    if len(lines) > 3:
        at = rng.randrange(len(lines))
        del lines[at : at + rng.randint(1, 3)]
    return "\n".join(lines)


def synthetic(texts: list[str], n: int, max_bytes: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    pool = [t for t in texts if 200 <= len(t.encode()) <= max_bytes]
    originals = rng.sample(pool, min(len(pool), n // 3))
    out = list(originals)
    while len(out) < n:
        base = rng.choice(originals)
        for _ in range(rng.randint(1, 3)):
            base = edit(base, rng.choice(["rename", "reformat", "insert", "delete"]), rng, rng.choice(pool))
        out.append(base)
    rng.shuffle(out)
    return out


def ours_signatures(texts: list[str], hasher: MinHasher, ngram: int, batch: int = 1024) -> np.ndarray:
    parts = []
    for i in range(0, len(texts), batch):
        parts.append(hasher.signatures([shingle_hashes(t, ngram) for t in texts[i : i + batch]]))
    return np.concatenate(parts) if parts else np.empty((0, hasher.num_perm), np.uint32)


def bench_signatures(texts: list[str], ngram: int, num_perm: int, seed: int) -> dict[str, Any]:
    from datasketch import MinHash

    prepared = [shingles(t, ngram) for t in texts]
    hasher = MinHasher(num_perm, seed)
    t0 = time.perf_counter()
    ours = ours_signatures(texts, hasher, ngram)
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    batch_sigs = []
    for sh in prepared:
        m = MinHash(num_perm=num_perm, seed=seed, hashfunc=shingle_hash)
        m.update_batch(sh)
        batch_sigs.append(m.hashvalues)
    t_batch = time.perf_counter() - t0
    t0 = time.perf_counter()
    for sh in prepared:
        m = MinHash(num_perm=num_perm, seed=seed, hashfunc=shingle_hash)
        for s in sh:
            m.update(s)
    t_single = time.perf_counter() - t0
    identical = bool(np.array_equal(ours, np.array(batch_sigs, dtype=np.uint32)))
    n = len(texts)
    return {
        "docs": n,
        "mb": round(sum(len(t.encode()) for t in texts) / 1e6, 2),
        "shingles": sum(len(s) for s in prepared),
        "ours_docs_per_s": round(n / t_ours, 1),
        "datasketch_update_docs_per_s": round(n / t_single, 1),
        "datasketch_update_batch_docs_per_s": round(n / t_batch, 1),
        "speedup_vs_datasketch_batch": round(t_batch / t_ours, 2),
        "speedup_vs_datasketch_update": round(t_single / t_ours, 2),
        "bit_identical": identical,
    }


def ours_index(
    sigs: np.ndarray,
    threshold: float,
    bands: int,
    rows: int,
    how: str = "signature",
    sets: list | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    u, v = candidates(sigs, bands, rows)
    ok = verified(sigs, u, v, threshold, how, lambda wanted: {i: sets[i] for i in wanted} if sets else {})
    return u[ok], v[ok]


def bench_lsh(
    sigs: np.ndarray, threshold: float, num_perm: int, seed: int, bands: int, rows: int
) -> dict[str, Any]:
    from datasketch import LeanMinHash, MinHash, MinHashLSH

    t0 = time.perf_counter()
    u, v = ours_index(sigs, threshold, bands, rows)
    clusters(len(sigs), u, v)
    t_ours = time.perf_counter() - t0
    tracemalloc.start()
    ours_index(sigs, threshold, bands, rows)
    clusters(len(sigs), u, v)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    template = MinHash(num_perm=num_perm, seed=seed)
    lean = [LeanMinHash(seed=seed, hashvalues=s, scheme=template.scheme) for s in sigs]
    t0 = time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, params=(bands, rows))
    for i, m in enumerate(lean):
        lsh.insert(i, m, check_duplication=False)
    pairs = set()
    for i, m in enumerate(lean):
        for j in lsh.query(m):
            if j > i and m.jaccard(lean[j]) >= threshold:
                pairs.add((i, j))
    t_ds = time.perf_counter() - t0
    n = len(sigs)
    index_mb = (sigs.nbytes + peak) / 1e6
    return {
        "docs": n,
        "bands": bands,
        "rows": rows,
        "ours_s": round(t_ours, 2),
        "datasketch_s": round(t_ds, 2),
        "lsh_speedup_vs_datasketch": round(t_ds / t_ours, 1),
        "ours_pairs": len(u),
        "datasketch_pairs": len(pairs),
        "signature_mb": round(sigs.nbytes / 1e6, 1),
        "index_peak_mb": round(peak / 1e6, 1),
        "mb_per_100k_docs": round(index_mb * 100_000 / n, 1),
    }


def exact_pairs(sets: list[np.ndarray], threshold: float) -> set[tuple[int, int]]:
    """All pairs with exact Jaccard >= threshold: a sparse (doc x shingle) product, no MinHash."""
    vocab, inverse = np.unique(np.concatenate(sets), return_inverse=True)
    rows = np.repeat(np.arange(len(sets)), [len(s) for s in sets])
    m = sparse.csr_matrix((np.ones(len(rows), np.int32), (rows, inverse)), shape=(len(sets), len(vocab)))
    inter = (m @ m.T).tocoo()
    size = np.array([len(s) for s in sets])
    keep = inter.row < inter.col
    r, c, k = inter.row[keep], inter.col[keep], inter.data[keep]
    jac = k / (size[r] + size[c] - k)
    return {(int(a), int(b)) for a, b in zip(r[jac >= threshold], c[jac >= threshold], strict=True)}


def bench_quality(
    texts: list[str], sigs: np.ndarray, threshold: float, ngram: int, weights: tuple[float, float], how: str
) -> dict[str, Any]:
    num_perm = sigs.shape[1]
    bands, rows = optimal_bands(threshold, num_perm, *weights)
    sets = [np.unique(shingle_hashes(t, ngram)) for t in texts]
    truth = exact_pairs(sets, threshold)
    u, v = ours_index(sigs, threshold, bands, rows, how, sets)
    asserted = set(zip(u.tolist(), v.tolist(), strict=True))
    labels = clusters(len(texts), u, v)
    found = sum(labels[a] == labels[b] for a, b in truth)
    members: dict[int, list[int]] = {}
    for i, lab in enumerate(labels.tolist()):
        members.setdefault(lab, []).append(i)
    cluster_pairs = [
        (a, b) for group in members.values() for k, a in enumerate(group) for b in group[k + 1 :]
    ]
    return {
        "threshold": threshold,
        "verify": how,
        "bands": bands,
        "rows": rows,
        "docs": len(texts),
        "true_pairs": len(truth),
        "asserted_pairs": len(asserted),
        "precision": round(len(asserted & truth) / len(asserted), 4) if asserted else None,
        "recall": round(float(found) / len(truth), 4) if truth else None,
        "cluster_pair_precision": round(sum(p in truth for p in cluster_pairs) / len(cluster_pairs), 4)
        if cluster_pairs
        else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", default=str(ROOT / "out" / "filter" / "docs"))
    parser.add_argument("--n-synthetic", type=int, default=100_000)
    parser.add_argument("--max-doc-bytes", type=int, default=4000)
    parser.add_argument("--signature-docs", type=int, default=2000)
    parser.add_argument("--quality-docs", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "dedup.json"))
    args = parser.parse_args()
    params = load_params(ROOT / "params.yaml")["dedup"]
    ngram, num_perm, seed = int(params["ngram"]), int(params["num_perm"]), int(params["seed"])
    weights = (float(params["false_positive_weight"]), float(params["false_negative_weight"]))
    threshold = float(params["threshold"])
    verify = str(params["verify"])
    started = time.perf_counter()

    sample = load_sample(Path(args.docs))
    rng = random.Random(args.seed)
    subset = rng.sample(sample, min(len(sample), args.signature_docs))
    results: dict[str, Any] = {"signatures": {"sample": bench_signatures(subset, ngram, num_perm, seed)}}
    print("signatures (sample):", results["signatures"]["sample"], flush=True)

    corpus = synthetic(sample, args.n_synthetic, args.max_doc_bytes, args.seed)
    t0 = time.perf_counter()
    sigs = ours_signatures(corpus, MinHasher(num_perm, seed), ngram)
    results["synthetic"] = {
        "docs": len(corpus),
        "mb": round(sum(len(t.encode()) for t in corpus) / 1e6, 1),
        "signature_s": round(time.perf_counter() - t0, 1),
    }
    results["signatures"]["synthetic"] = bench_signatures(
        random.Random(args.seed + 1).sample(corpus, args.signature_docs), ngram, num_perm, seed
    )
    print("signatures (synthetic):", results["signatures"]["synthetic"], flush=True)
    bands, rows = optimal_bands(threshold, num_perm, *weights)
    results["lsh"] = bench_lsh(sigs, threshold, num_perm, seed, bands, rows)
    print("lsh:", results["lsh"], flush=True)
    pick = sorted(random.Random(args.seed + 2).sample(range(len(corpus)), args.quality_docs))
    results["quality"] = [
        bench_quality([corpus[i] for i in pick], sigs[pick], t, ngram, weights, how)
        for how in ("exact", "signature")
        for t in (0.8, 0.85)
    ]
    for q in results["quality"]:
        print("quality:", q, flush=True)
    goals = {
        "speedup_vs_datasketch_batch >= 2": results["signatures"]["sample"]["speedup_vs_datasketch_batch"]
        >= 2,
        "lsh_speedup_vs_datasketch >= 10": results["lsh"]["lsh_speedup_vs_datasketch"] >= 10,
        "mb_per_100k_docs <= 160": results["lsh"]["mb_per_100k_docs"] <= 160,
        "precision >= 0.95": all(
            (q["precision"] or 0) >= 0.95 for q in results["quality"] if q["verify"] == verify
        ),
        "recall >= 0.90": all(
            (q["recall"] or 0) >= 0.90 for q in results["quality"] if q["verify"] == verify
        ),
    }
    report = {
        "benchmark": "dedup",
        "date": dt.date.today().isoformat(),
        "machine": machine_facts(),
        "config": {**vars(args), "ngram": ngram, "num_perm": num_perm, "seed": seed, "weights": weights},
        **results,
        "goals": goals,
        "total_s": round(time.perf_counter() - started, 1),
    }
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print("goals:", goals, f"total {report['total_s']} s", flush=True)


if __name__ == "__main__":
    main()
