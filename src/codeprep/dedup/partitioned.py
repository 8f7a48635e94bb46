"""The dedup algorithm as partitioned steps: no corpus-sized state in any one process.

Every per-document and per-pair array lives in :mod:`~codeprep.dedup.spill` partition files; each
step is one task per partition (or per input shard) that reads its partitions, does its share and
routes its output rows to the next step's partitions. The driver holds only per-task statistics.
Documents are numbered ``node = offset of its input shard + row``, which needs only each shard's
row count; their order, wherever the rule says "first", is their id's (ids are 32 hex digits, read
as two uint64).

Steps (routing key in brackets):

1. ``scan`` (per input shard): metadata + signature of each document, reduced to one row per
   content hash (the shard's keeper by :func:`keeper_key`, counting its copies) [content hash], and
   each document's link to that keeper [keeper]. A corpus of identical files sends one row per
   shard onwards, not one per document.
2. ``exact``: group the shard keepers by content hash; the group's keeper is its *rep* [node], with
   its near bands [band key] and each shard keeper's link to it [rep].
3. A *round* of candidate search (``near``, then ``check`` for the residual metric):
   ``buckets`` star + chain pairs inside each (band, key) bucket sorted by id [u] →
   ``pair_sig`` deduplicates the pairs and attaches u's signature [v] → ``verify_sig`` estimates the
   Jaccard; with ``dedup.verify: signature`` the pairs at ``threshold`` are edges, otherwise those at
   ``threshold - CHECK_SLACK`` are *close* [u] and both documents are *needed* [input shard] →
   ``sets`` reads the needed documents' content, once per shard, and hashes their shingle sets
   [node] → ``pair_set`` attaches u's set [v] → ``verify_set``: exact Jaccard >= threshold are edges,
   stored both ways [source]. The joins stream in blocks (:data:`PAIR_BLOCK`, :data:`BLOCK_BYTES`),
   so a document in a million pairs never has a million copies of its set in memory.
4. Connected components of the near edges (:mod:`~codeprep.dedup.components`).
5. ``clusters``: each rep of a component with its label [label] → ``keepers``: the keeper of each
   near cluster; the other reps are near duplicates [input shard]; every member's outcome [node].
6. ``fates``: what an exact duplicate of each shard keeper says (a duplicate of its rep, or of the
   document the rep's near cluster kept) [shard keeper], the residual round's bands over the reps
   that stay → ``exact_removals``: every document that is not its rep [input shard].
7. The ``check`` round over the kept reps, and ``touched``: the kept documents that still have a
   near duplicate.
8. Per input shard (:class:`DedupTask` through ``map_shards``): copy the kept rows, log the removed.

The same pairs, edges, clusters and keepers as the single-process algorithm it replaced
(:mod:`codeprep.dedup.reference`, the tests' oracle), so the outputs are byte-identical to it for
any backend, worker count and partition count. What one task holds is one partition (about
:data:`codeprep.dedup.params.DOCS_PER_PARTITION` documents), one input shard, or one near cluster.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from codeprep.dedup import components
from codeprep.dedup.keeper import Meta, keeper_key
from codeprep.dedup.lsh import band_keys
from codeprep.dedup.minhash import jaccard
from codeprep.dedup.shingles import shingle_hashes
from codeprep.dedup.spill import Spill, route
from codeprep.dedup.steps import Steps
from codeprep.shards import RemovedLog, ShardFile

#: The residual check's bands: 4 rows each (a pair at Jaccard 0.6 is a candidate with probability
#: 0.99 over 32 bands of 128 slots), and its signature prefilter's slack below the threshold (3.4
#: standard deviations of the estimate), also used by ``verify: exact``'s prefilter.
CHECK_ROWS = 4
CHECK_SLACK = 0.15
META_COLUMNS = [
    "id",
    "repo",
    "version",
    "path",
    "license",
    "is_vendored",
    "is_minified",
    "syntax_ok",
    "alnum_fraction",
]

_I64 = pa.int64()
DOC_SCHEMA = pa.schema(
    [
        ("node", _I64),
        ("hi", pa.uint64()),
        ("lo", pa.uint64()),
        ("content_hash", pa.string()),
        ("id", pa.string()),
        ("repo", pa.string()),
        ("version", pa.string()),
        ("path", pa.string()),
        ("license", pa.string()),
        ("is_vendored", pa.bool_()),
        ("is_minified", pa.bool_()),
        ("syntax_ok", pa.bool_()),
        ("alnum_fraction", pa.float64()),
        ("signature", pa.binary()),
        ("live", pa.bool_()),
        ("copies", _I64),  # the rep and its exact members
    ]
)
COPIES = DOC_SCHEMA.get_field_index("copies")
#: A document and the document it is an exact copy of (itself when it is that one).
LINK_SCHEMA = pa.schema([("node", _I64), ("rep", _I64)])
#: A shard keeper, its rep, and what an exact duplicate of it says in the removed log.
FATE_SCHEMA = pa.schema([("node", _I64), ("rep", _I64), ("detail", pa.string())])
BAND_SCHEMA = pa.schema(
    [("band", pa.int32()), ("key", pa.uint64()), ("hi", pa.uint64()), ("lo", pa.uint64()), ("node", _I64)]
)
PAIR_SCHEMA = pa.schema([("u", _I64), ("v", _I64)])
PAIR_VALUE_SCHEMA = pa.schema([("u", _I64), ("v", _I64), ("value", pa.binary())])
NODE_SCHEMA = pa.schema([("node", _I64)])
SET_SCHEMA = pa.schema([("node", _I64), ("value", pa.binary())])
CLUSTER_SCHEMA = pa.schema([("label", _I64), *DOC_SCHEMA])
REMOVAL_SCHEMA = pa.schema([("node", _I64), ("reason", pa.string()), ("detail", pa.string())])
OUTCOME_SCHEMA = pa.schema(
    [
        ("node", _I64),
        ("removed", pa.bool_()),
        ("keeper_id", pa.string()),
        ("keeper_where", pa.string()),
        ("jaccard", pa.float64()),
    ]
)


@dataclass(frozen=True)
class Search:
    """One round of candidate search: its bands and how a candidate is confirmed."""

    name: str  # "near" | "check": the spill folder of its steps
    bands: int
    rows: int
    threshold: float
    verify: str  # "exact" | "signature"
    reuse: str | None = None  # an earlier round whose shingle sets this one reads instead of recomputing


@dataclass(frozen=True)
class Run:
    """Everything a task needs (picklable: it travels to every worker)."""

    spill: Spill
    docs: tuple[str, ...]  # input document shards, absolute paths, in shard order
    signatures: tuple[str, ...]  # the minhash stage's shard of each
    offsets: tuple[int, ...]  # node of each shard's first row; offsets[-1] = documents
    ngram: int
    num_perm: int

    @property
    def partitions(self) -> int:
        return self.spill.partitions

    def shard_of(self, nodes: np.ndarray) -> np.ndarray:
        return np.searchsorted(np.asarray(self.offsets), nodes, side="right") - 1


# --- helpers -------------------------------------------------------------------------------------


def _column(table: pa.Table, name: str) -> np.ndarray:
    return table.column(name).to_numpy(zero_copy_only=False)


def _metas(table: pa.Table) -> list[Meta]:
    cols = table.select(META_COLUMNS).to_pydict()
    return [Meta(*row) for row in zip(*(cols[c] for c in META_COLUMNS), strict=True)]


def _matrix(column: pa.ChunkedArray | pa.Array, width: int) -> np.ndarray:
    """A binary column whose values are all ``width`` uint32s, as an (n, width) array (no per-row
    Python objects: the signatures of a partition are a few hundred MB at most)."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if len(array) == 0:
        return np.empty((0, width), dtype="<u4")
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32)[array.offset : array.offset + len(array) + 1]
    if not np.all(np.diff(offsets) == 4 * width):
        raise ValueError(f"dedup: a signature is not {width} uint32 values: run the minhash stage again")
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    return data.view("<u4").reshape(len(array), width)


def _binary(matrix: np.ndarray) -> pa.Array:
    """Rows of a 2-D array as one binary value each (the inverse of :func:`_matrix`)."""
    data = np.ascontiguousarray(matrix)
    width = data.shape[1] * data.itemsize
    if data.nbytes >= 2**31:
        raise ValueError("dedup: a partition's pairs exceed 2 GiB of signatures: set more dedup.partitions")
    offsets = np.arange(len(data) + 1, dtype=np.int32) * np.int32(width)
    return pa.Array.from_buffers(pa.binary(), len(data), [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def _by_node(table: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """``(nodes ascending, row of each in table)``, for :func:`_lookup`."""
    nodes = _column(table, "node")
    order = np.argsort(nodes, kind="stable")
    return nodes[order], order


def _lookup(index: tuple[np.ndarray, np.ndarray], wanted: np.ndarray) -> np.ndarray:
    """Rows of ``wanted`` nodes through an index of :func:`_by_node`; a missing one is a routing bug."""
    nodes, order = index
    pos = np.searchsorted(nodes, wanted)
    if len(wanted) and (
        np.any(pos >= len(nodes)) or np.any(nodes[np.minimum(pos, len(nodes) - 1)] != wanted)
    ):
        raise RuntimeError("dedup: a pair names a document its partition does not hold")
    return order[pos]


def _bands_of(table: pa.Table, search: Search, num_perm: int, partitions: int) -> dict[int, pa.Table]:
    """Band records of the live documents of a DOC_SCHEMA table, routed by band key."""
    live = table.filter(table.column("live"))
    sigs = _matrix(live.column("signature"), num_perm)
    parts = [
        pa.table(
            {
                "band": np.full(len(sigs), band, dtype=np.int32),
                "key": band_keys(sigs, band, search.rows),
                "hi": _column(live, "hi"),
                "lo": _column(live, "lo"),
                "node": _column(live, "node"),
            },
            schema=BAND_SCHEMA,
        )
        for band in range(search.bands)
    ]
    records = pa.concat_tables(parts)
    return route(records, _column(records, "key"), partitions)


def _pairs_table(u: np.ndarray, v: np.ndarray) -> pa.Table:
    return pa.table({"u": u, "v": v}, schema=PAIR_SCHEMA)


def _removals(nodes: np.ndarray, reason: str, details: list[str]) -> pa.Table:
    return pa.table(
        {"node": nodes, "reason": [reason] * len(details), "detail": details}, schema=REMOVAL_SCHEMA
    )


def _counter(stats: dict[str, int]) -> dict[str, int]:
    return {str(k): v for k, v in sorted(stats.items())}


@dataclass(frozen=True)
class _Bound:
    """``fn(run, index, arg)`` as a picklable ``task(run, index)``."""

    fn: Any
    arg: Any

    def __call__(self, run: Run, index: int) -> dict[str, Any]:
        return self.fn(run, index, self.arg)


# --- steps 1-2: scan and exact -------------------------------------------------------------------


def _exact_groups(table: pa.Table) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows grouped by content hash: ``(keeper row of each group, its group's copies (sum of the
    ``copies`` column), the keeper row of each row)``. Keeper metadata is built only for groups of
    two or more rows: most rows are alone."""
    _, group = np.unique(table.column("content_hash").to_numpy(zero_copy_only=False), return_inverse=True)
    order = np.argsort(group, kind="stable")
    bounds = np.flatnonzero(np.diff(group[order])) + 1
    starts = np.concatenate([[0], bounds]).astype(np.int64) if len(order) else bounds
    copies = np.add.reduceat(_column(table, "copies")[order], starts) if len(order) else starts
    keep = order[starts]
    members = np.split(order, bounds)
    shared = [g for g, rows in enumerate(members) if len(rows) > 1]
    wanted = np.concatenate([members[g] for g in shared]) if shared else np.empty(0, np.int64)
    metas = dict(zip(wanted.tolist(), _metas(table.take(pa.array(wanted, pa.int64()))), strict=True))
    for g in shared:
        keep[g] = min(members[g].tolist(), key=lambda i: keeper_key(metas[i]))
    keeper_of = np.empty(len(order), dtype=np.int64)
    keeper_of[order] = np.repeat(keep, np.diff(np.append(starts, len(order))))
    return keep, copies, keeper_of


def scan(run: Run, shard: int) -> dict[str, Any]:
    """One input shard's documents, reduced to one per content hash (the shard's keeper, counting
    its copies) [content hash], and every document's link to that keeper [keeper]: a corpus of
    identical files sends one row per shard to the exact step, not one per document."""
    meta = pq.read_table(run.docs[shard], columns=META_COLUMNS)
    sig = pq.read_table(run.signatures[shard], columns=["id", "content_hash", "n_shingles", "signature"])
    if not meta.column("id").equals(sig.column("id")):
        raise ValueError(
            f"{run.signatures[shard]} does not match {run.docs[shard]}: run the minhash stage again"
        )
    ids = meta.column("id").to_pylist()
    try:
        raw = bytes.fromhex("".join(ids))
    except ValueError:
        raw = b""
    if len(raw) != 16 * len(ids) or any(len(i) != 32 for i in ids):
        raise ValueError(f"{run.docs[shard]}: dedup expects document ids of 32 hex digits (shards.doc_id)")
    halves = np.frombuffer(raw, dtype=">u8").reshape(len(ids), 2).astype(np.uint64)
    n = meta.num_rows
    nodes = np.arange(run.offsets[shard], run.offsets[shard] + n, dtype=np.int64)
    table = pa.table(
        {
            "node": nodes,
            "hi": halves[:, 0],
            "lo": halves[:, 1],
            "content_hash": sig.column("content_hash"),
            **{c: meta.column(c) for c in META_COLUMNS},
            "signature": sig.column("signature"),
            "live": pa.array(_column(sig, "n_shingles") > 0),
            "copies": np.ones(n, dtype=np.int64),
        },
    ).cast(DOC_SCHEMA)
    keep, copies, keeper_of = _exact_groups(table)
    firsts = table.take(pa.array(keep)).set_column(COPIES, DOC_SCHEMA.field("copies"), pa.array(copies))
    by_hash = np.array([int(h[:16], 16) for h in firsts.column("content_hash").to_pylist()], dtype=np.uint64)
    links = pa.table({"node": nodes, "rep": nodes[keeper_of]}, schema=LINK_SCHEMA)
    outputs = {
        "scan": route(firsts, by_hash, run.partitions),
        "local": route(links, nodes[keeper_of], run.partitions),
    }
    return run.spill.write("scan", shard, outputs, {"docs": n})


def exact(run: Run, part: int, near: Search) -> dict[str, Any]:
    """Exact groups of one content-hash partition (each shard's keepers): the group's keeper is the
    rep [node], its near bands [band key], and each shard keeper's link to the rep [rep]."""
    table = run.spill.read("scan", part, DOC_SCHEMA)
    keep, copies, keeper_of = _exact_groups(table)
    reps = table.take(pa.array(keep)).set_column(COPIES, DOC_SCHEMA.field("copies"), pa.array(copies))
    nodes = _column(table, "node")
    links = pa.table({"node": nodes, "rep": nodes[keeper_of]}, schema=LINK_SCHEMA)
    outputs = {
        "reps": route(reps, _column(reps, "node"), run.partitions),
        "links": route(links, nodes[keeper_of], run.partitions),
        f"{near.name}/bands": _bands_of(reps, near, run.num_perm, run.partitions),
    }
    return run.spill.write("exact", part, outputs, {"exact_duplicate": int(copies.sum()) - len(keep)})


# --- step 3: one round of candidate search -------------------------------------------------------


def buckets(run: Run, part: int, search: Search) -> dict[str, Any]:
    """Star + chain pairs inside each (band, key) bucket, members in id order: every member with the
    bucket's first, and each with the one before it (``u`` the smaller id)."""
    t = run.spill.read(f"{search.name}/bands", part, BAND_SCHEMA)
    band, key, hi, lo, node = (_column(t, c) for c in ("band", "key", "hi", "lo", "node"))
    order = np.lexsort((lo, hi, key, band))
    band, key, node = band[order], key[order], node[order]
    new = np.ones(len(node), dtype=bool)
    new[1:] = (band[1:] != band[:-1]) | (key[1:] != key[:-1])
    first = node[np.flatnonzero(new)][np.cumsum(new) - 1]
    inner = ~new
    chain = inner.copy()
    chain[1:] &= ~new[:-1]  # the second member's neighbour is the first: already a star pair
    u = np.concatenate([first[inner], node[np.flatnonzero(chain) - 1]])
    v = np.concatenate([node[inner], node[chain]])
    outputs = {f"{search.name}/pairs": route(_pairs_table(u, v), u, run.partitions)}
    return run.spill.write(f"{search.name}/buckets", part, outputs, {"pairs": len(u)})


#: Rows handled at once by the join steps, and the most bytes of values (shingle sets: 5 KB for a
#: typical file, 160 KB for a 100 KB one) a block may carry: a hub (one document in a million pairs)
#: streams through in blocks instead of materialising a million copies of its set.
PAIR_BLOCK = 65_536
BLOCK_BYTES = 32 << 20


def _blocks(n: int, sizes: np.ndarray | None = None) -> Iterator[slice]:
    """Consecutive slices of ``n`` rows: at most ``PAIR_BLOCK`` rows, and (given each row's
    ``sizes`` in bytes) at most ``BLOCK_BYTES`` unless one row alone is larger."""
    start = 0
    while start < n:
        end = min(n, start + PAIR_BLOCK)
        if sizes is not None:
            fits = np.searchsorted(np.cumsum(sizes[start:end]), BLOCK_BYTES, side="right")
            end = start + max(1, int(fits))
        yield slice(start, end)
        start = end


def pair_sig(run: Run, part: int, search: Search) -> dict[str, Any]:
    """This partition's pairs (by ``u``), each once, with ``u``'s signature [v]."""
    t = run.spill.read(f"{search.name}/pairs", part, PAIR_SCHEMA)
    u, v = components.unique_pairs(_column(t, "u"), _column(t, "v"))
    reps = run.spill.read("reps", part, DOC_SCHEMA)
    sigs = _matrix(reps.column("signature"), run.num_perm)
    rows = _lookup(_by_node(reps), u)
    with run.spill.task(f"{search.name}/pair_sig", part) as out:
        for block in _blocks(len(u)):
            table = pa.table(
                {"u": u[block], "v": v[block], "value": _binary(sigs[rows[block]])}, schema=PAIR_VALUE_SCHEMA
            )
            out.add(f"{search.name}/pair_sig", route(table, v[block], run.partitions))
        out.stats = {"candidates": len(u)}
    return out.stats


def verify_sig(run: Run, part: int, search: Search) -> dict[str, Any]:
    """Signature Jaccard of each pair: edges (``verify: signature``) [source], or close pairs [u]
    and the documents whose shingle sets the exact check needs [input shard]."""
    reps = run.spill.read("reps", part, DOC_SCHEMA)
    index, sigs = _by_node(reps), _matrix(reps.column("signature"), run.num_perm)
    counts = Counter()
    with run.spill.task(f"{search.name}/verify_sig", part) as out:
        for batch in run.spill.batches(f"{search.name}/pair_sig", part, PAIR_VALUE_SCHEMA):
            u, v = _column(batch, "u"), _column(batch, "v")
            estimate = jaccard(_matrix(batch.column("value"), run.num_perm), sigs[_lookup(index, v)])
            if search.verify == "signature":
                edges = estimate >= search.threshold
                out.add(f"{search.name}/edges", components.both_ways(u[edges], v[edges], run.partitions))
                counts["edges"] += int(edges.sum())
                continue
            close = estimate >= search.threshold - CHECK_SLACK
            u, v = u[close], v[close]
            needed = np.unique(np.concatenate([u, v]))
            out.add(f"{search.name}/close", route(_pairs_table(u, v), u, run.partitions))
            needs = pa.table({"node": needed}, schema=NODE_SCHEMA)
            out.add(f"{search.name}/needs", route(needs, run.shard_of(needed), len(run.docs)))
            counts["close"] += len(u)
        out.stats = dict(counts)
    return out.stats


def sets(run: Run, shard: int, search: Search) -> dict[str, Any]:
    """Sorted unique shingle hashes of the needed documents of one input shard (one read of it),
    but for those the round ``search.reuse`` already hashed [node]."""
    needed = np.unique(_column(run.spill.read(f"{search.name}/needs", shard, NODE_SCHEMA), "node"))
    if search.reuse is not None:
        done = _column(run.spill.read(f"{search.reuse}/needs", shard, NODE_SCHEMA), "node")
        needed = np.setdiff1d(needed, done)
    with run.spill.task(f"{search.name}/sets", shard) as out:
        if len(needed):
            column = pq.read_table(run.docs[shard], columns=["content"]).column("content")
            lengths = pc.binary_length(column).to_numpy(zero_copy_only=False)[needed - run.offsets[shard]]
            for block in _blocks(len(needed), 8 * lengths):  # a set holds at most ~1 hash per byte
                nodes = needed[block]
                texts = column.take(pa.array(nodes - run.offsets[shard])).to_pylist()
                values = [
                    np.unique(shingle_hashes(text, run.ngram)).astype("<u8").tobytes() for text in texts
                ]
                table = pa.table({"node": nodes, "value": pa.array(values, pa.binary())}, schema=SET_SCHEMA)
                out.add(f"{search.name}/sets", route(table, nodes, run.partitions))
        out.stats = {"sets": len(needed)}
    return out.stats


def _sets(run: Run, part: int, search: Search) -> pa.Table:
    """Partition ``part`` of the shingle sets this round hashed and those it reuses."""
    rounds = [search.name] if search.reuse is None else [search.name, search.reuse]
    return pa.concat_tables([run.spill.read(f"{name}/sets", part, SET_SCHEMA) for name in rounds])


def pair_set(run: Run, part: int, search: Search) -> dict[str, Any]:
    """The close pairs of this partition's ``u`` with ``u``'s shingle set [v]."""
    t = run.spill.read(f"{search.name}/close", part, PAIR_SCHEMA)
    u, v = _column(t, "u"), _column(t, "v")
    table = _sets(run, part, search)
    rows = _lookup(_by_node(table), u)
    lengths = pc.binary_length(table.column("value")).to_numpy(zero_copy_only=False)
    with run.spill.task(f"{search.name}/pair_set", part) as out:
        for block in _blocks(len(u), lengths[rows]):
            value = table.column("value").take(pa.array(rows[block]))
            pairs = pa.table({"u": u[block], "v": v[block], "value": value}, schema=PAIR_VALUE_SCHEMA)
            out.add(f"{search.name}/pair_set", route(pairs, v[block], run.partitions))
    return out.stats


def verify_set(run: Run, part: int, search: Search) -> dict[str, Any]:
    """Exact shingle-set Jaccard >= threshold: the pair is an edge [source, both ways]."""
    table = _sets(run, part, search)
    index = _by_node(table)
    edges = 0
    with run.spill.task(f"{search.name}/verify_set", part) as out:
        for batch in run.spill.batches(f"{search.name}/pair_set", part, PAIR_VALUE_SCHEMA):
            u, v = _column(batch, "u"), _column(batch, "v")
            set_v = table.column("value").take(pa.array(_lookup(index, v))).to_pylist()
            keep = np.zeros(len(u), dtype=bool)
            for k, (a_raw, b_raw) in enumerate(zip(batch.column("value").to_pylist(), set_v, strict=True)):
                a, b = np.frombuffer(a_raw, "<u8"), np.frombuffer(b_raw, "<u8")
                inter = len(np.intersect1d(a, b, assume_unique=True))
                keep[k] = inter >= search.threshold * (len(a) + len(b) - inter)
            out.add(f"{search.name}/edges", components.both_ways(u[keep], v[keep], run.partitions))
            edges += int(keep.sum())
        out.stats = {"edges": edges}
    return out.stats


def search_round(steps: Steps, run: Run, search: Search) -> None:
    """From ``search``'s bands (already written) to its edges."""
    p = run.partitions
    for fn in (buckets, pair_sig, verify_sig):
        steps.run(f"{search.name}/{fn.__name__}", _Bound(fn, search), run, p)
    if search.verify == "exact":
        steps.run(f"{search.name}/sets", _Bound(sets, search), run, len(run.docs))
        for fn in (pair_set, verify_set):
            steps.run(f"{search.name}/{fn.__name__}", _Bound(fn, search), run, p)


# --- step 4: components --------------------------------------------------------------------------


def _star(run: Run, part: int, graphs: tuple[str, str, str]) -> dict[str, Any]:
    """One large- or small-star task: graph ``source`` → graph ``target``."""
    kind, source, target = graphs
    src, dst = components.read_edges(run.spill, source, part)
    if kind == "large":
        out, stats = (
            components.large_star(src, dst, run.partitions),
            {"not_star": components.not_star(src, dst)},
        )
    else:
        out, stats = components.small_star(src, dst, run.partitions), {}
    return run.spill.write(target, part, {target: out}, stats)


def connected(steps: Steps, run: Run, edges: str) -> str:
    """Large-star / small-star from the graph ``edges`` until it is a star forest; returns the name
    of the graph that is."""
    current = edges
    for round_ in range(components.MAX_ROUNDS):
        large, small = f"cc/{2 * round_ + 1:04d}", f"cc/{2 * round_ + 2:04d}"
        stats = steps.run(large, _Bound(_star, ("large", current, large)), run, run.partitions)
        if sum(s["not_star"] for s in stats) == 0:
            return current
        steps.run(small, _Bound(_star, ("small", large, small)), run, run.partitions)
        current = small
    raise RuntimeError(f"dedup: connected components did not converge in {components.MAX_ROUNDS} rounds")


# --- steps 5-7: clusters, keepers, exact members, residual -----------------------------------------


def clusters(run: Run, part: int, forest: str) -> dict[str, Any]:
    """Each rep with an edge, with its component's label, routed by label."""
    nodes, label = components.labels(*components.read_edges(run.spill, forest, part))
    reps = run.spill.read("reps", part, DOC_SCHEMA)
    table = reps.take(pa.array(_lookup(_by_node(reps), nodes))).add_column(0, "label", pa.array(label, _I64))
    return run.spill.write("clusters", part, {"clusters": route(table, label, run.partitions)})


def keepers(run: Run, part: int) -> dict[str, Any]:
    """One keeper per near cluster; the cluster's other reps are near duplicates of it."""
    table = run.spill.read("clusters", part, CLUSTER_SCHEMA)
    nodes, copies = _column(table, "node"), _column(table, "copies")
    metas = _metas(table)
    sigs = _matrix(table.column("signature"), run.num_perm)
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(_column(table, "label").tolist()):
        groups.setdefault(label, []).append(i)
    gone, details = [], []
    outcome: dict[str, list[Any]] = {name: [] for name in OUTCOME_SCHEMA.names}
    sizes: Counter[int] = Counter()
    bins: Counter[str] = Counter()
    for rows in groups.values():
        keep = min(rows, key=lambda i: keeper_key(metas[i]))
        sizes[int(copies[rows].sum())] += 1
        for i in rows:
            j = float(jaccard(sigs[i], sigs[keep]))
            if i != keep:
                gone.append(nodes[i])
                details.append(
                    f"duplicate of {metas[keep].id} ({metas[keep].where}); estimated jaccard {j:.3f}"
                )
                bins[f"{min(int(j * 50), 49) / 50:.2f}"] += 1
            row = (nodes[i], i != keep, metas[keep].id, metas[keep].where, j)
            for name, value in zip(OUTCOME_SCHEMA.names, row, strict=True):
                outcome[name].append(value)
    gone_nodes = np.asarray(gone, dtype=np.int64)
    outcomes = pa.table(outcome, schema=OUTCOME_SCHEMA)
    outputs = {
        "outcomes": route(outcomes, _column(outcomes, "node"), run.partitions),
        "near_removals": route(
            _removals(gone_nodes, "near_duplicate", details), run.shard_of(gone_nodes), len(run.docs)
        ),
    }
    stats = {"near_duplicate": len(gone), "sizes": _counter(sizes), "jaccard": _counter(bins)}
    return run.spill.write("keepers", part, outputs, stats)


def fates(run: Run, part: int, check: Search) -> dict[str, Any]:
    """What an exact duplicate of each shard keeper linked to a rep of this partition says: a
    duplicate of the rep, or, when the rep went as a near duplicate, of the document its cluster
    kept [shard keeper]. Only groups of two or more copies have a fate (most documents are alone,
    and a document alone is never removed here). Also the sizes of exact-only clusters, and the
    residual round's bands over the reps that stay."""
    reps = run.spill.read("reps", part, DOC_SCHEMA)
    fate = {row["node"]: row for row in run.spill.read("outcomes", part, OUTCOME_SCHEMA).to_pylist()}
    rep_nodes = _column(reps, "node").tolist()
    copies = _column(reps, "copies").tolist()
    shared = [i for i, c in enumerate(copies) if c > 1]
    detail = {}
    for i, meta in zip(shared, _metas(reps.take(pa.array(shared, pa.int64()))), strict=True):
        after = fate.get(rep_nodes[i])
        if after is not None and after["removed"]:
            detail[rep_nodes[i]] = (
                f"duplicate of {after['keeper_id']} ({after['keeper_where']}); estimated jaccard {after['jaccard']:.3f}"
                f"; same normalised content as {meta.id}, itself a near duplicate"
            )
        else:
            detail[rep_nodes[i]] = f"duplicate of {meta.id} ({meta.where}); estimated jaccard 1.000"
    links = run.spill.read("links", part, LINK_SCHEMA)
    links = links.filter(pa.array([r in detail for r in _column(links, "rep").tolist()], pa.bool_()))
    keepers_ = _column(links, "node")
    to = _column(links, "rep")
    told = pa.table(
        {"node": keepers_, "rep": to, "detail": [detail[r] for r in to.tolist()]}, schema=FATE_SCHEMA
    )
    sizes = Counter(c for node, c in zip(rep_nodes, copies, strict=True) if c > 1 and node not in fate)
    kept = reps.filter(
        pa.array([not (node in fate and fate[node]["removed"]) for node in rep_nodes], pa.bool_())
    )
    outputs = {
        "fates": route(told, keepers_, run.partitions),
        f"{check.name}/bands": _bands_of(kept, check, run.num_perm, run.partitions),
    }
    return run.spill.write("fates", part, outputs, {"sizes": _counter(sizes), "kept": kept.num_rows})


def exact_removals(run: Run, part: int) -> dict[str, Any]:
    """Every document that is not its rep, with its shard keeper's fate [input shard]. A shard
    keeper without a fate is alone in the corpus: it stays, and only it links to itself."""
    fates_ = run.spill.read("fates", part, FATE_SCHEMA)
    known, order = _by_node(fates_)
    removals = []
    for batch in run.spill.batches("local", part, LINK_SCHEMA):
        nodes, keeper = _column(batch, "node"), _column(batch, "rep")
        pos = np.searchsorted(known, keeper)
        found = np.zeros(len(keeper), dtype=bool)
        if len(known):
            found = known[np.minimum(pos, len(known) - 1)] == keeper
        if np.any(~found & (nodes != keeper)):
            raise RuntimeError("dedup: a document's shard keeper has no fate in its partition")
        rows = order[pos[found]]
        gone = nodes[found] != _column(fates_, "rep")[rows]
        details = fates_.column("detail").take(pa.array(rows[gone])).to_pylist()
        removals.append(_removals(nodes[found][gone], "exact_duplicate", details))
    table = pa.concat_tables(removals) if removals else REMOVAL_SCHEMA.empty_table()
    outputs = {"exact_removals": route(table, run.shard_of(_column(table, "node")), len(run.docs))}
    return run.spill.write("exact_removals", part, outputs)


def touched(run: Run, part: int, search: Search) -> dict[str, Any]:
    """Documents of this partition with at least one edge in ``search`` (edges are stored both ways,
    routed by source, so each such document is a source in exactly one partition)."""
    src, _ = components.read_edges(run.spill, f"{search.name}/edges", part)
    return run.spill.write(f"{search.name}/touched", part, {}, {"documents": len(np.unique(src))})


def find_duplicates(steps: Steps, run: Run, near: Search, check: Search) -> dict[str, Any]:
    """Every step up to the per-shard removals; returns what the metrics and plots need."""
    p = run.partitions
    steps.run("scan", scan, run, len(run.docs))
    exact_stats = steps.run("exact", _Bound(exact, near), run, p)
    search_round(steps, run, near)
    forest = connected(steps, run, f"{near.name}/edges")
    steps.run("clusters", _Bound(clusters, forest), run, p)
    near_stats = steps.run("keepers", keepers, run, p)
    detail_stats = steps.run("fates", _Bound(fates, check), run, p)
    steps.run("exact_removals", exact_removals, run, p)
    kept = sum(s["kept"] for s in detail_stats)
    residual = 0
    if kept > 1:
        search_round(steps, run, check)
        residual = sum(
            s["documents"] for s in steps.run(f"{check.name}/touched", _Bound(touched, check), run, p)
        )
    sizes: Counter[int] = Counter()
    bins: Counter[str] = Counter()
    for s in near_stats + detail_stats:
        sizes.update({int(k): v for k, v in s["sizes"].items()})
        bins.update(s.get("jaccard", {}))
    return {
        "removed": {
            "exact_duplicate": sum(s["exact_duplicate"] for s in exact_stats),
            "near_duplicate": sum(s["near_duplicate"] for s in near_stats),
        },
        "sizes": sizes,
        "jaccard": bins,
        "kept": kept,
        "residual": residual,
    }


def removals_of(run: Run, shard: int) -> dict[int, tuple[str, str]]:
    """``{row: (reason, detail)}`` of the documents of input shard ``shard`` that go."""
    out: dict[int, tuple[str, str]] = {}
    for step in ("near_removals", "exact_removals"):
        t = run.spill.read(step, shard, REMOVAL_SCHEMA)
        rows = (_column(t, "node") - run.offsets[shard]).tolist()
        for row, reason, detail in zip(
            rows, t.column("reason").to_pylist(), t.column("detail").to_pylist(), strict=True
        ):
            out[row] = (reason, detail)
    return out


@dataclass(frozen=True)
class DedupTask:
    """The last step, per input shard through :func:`codeprep.execute.local.map_shards`: copy the
    kept rows, log the removed ones (this shard's removals from the steps above). It lives here,
    not in the stage module, so a worker that unpickles it does not import the signals stage."""

    run: Run
    shard_of: dict[str, int]  # input shard file name -> shard index

    def __call__(self, in_path: Path, out: ShardFile, removed: RemovedLog) -> dict[str, Any]:
        gone = removals_of(self.run, self.shard_of[in_path.name])
        kept = row = 0
        for batch in pq.ParquetFile(in_path).iter_batches(batch_size=1024):
            for record in batch.to_pylist():
                hit = gone.get(row)
                row += 1
                if hit is None:
                    out.write(record)
                    kept += 1
                else:
                    removed.drop(
                        record["id"], hit[0], hit[1], record["repo"], record["path"], record["version"]
                    )
        return {"kept": kept}
