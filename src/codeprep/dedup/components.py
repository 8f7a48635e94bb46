"""Connected components of a partitioned edge list: alternating large-star / small-star.

Kiveris et al., "Connected Components in MapReduce and Beyond" (SoCC 2014): on an undirected graph,

- **large-star** links every neighbour ``v > u`` of a node ``u`` to ``m(u) = min(Γ(u) ∪ {u})``;
- **small-star** links ``u`` and every neighbour ``v < u`` to ``m = min({v ∈ Γ(u): v < u} ∪ {u})``.

Alternating the two converges in O(log² n) rounds to a forest of stars whose centre is each
component's smallest node, whatever the graph's shape: a path of a million documents, or one node
with a million neighbours, which is why BigCode's and text-dedup's Spark dedups use it. Each
operation is local to one node's neighbour list, so a step is one task per partition over the edges
whose source lives there (edges are stored in both directions, routed by source), and no process
ever holds more than its partition's edges.

Convergence: a large-star task also reports how many of its nodes are neither a *centre* (every
neighbour larger) nor a *leaf* (exactly one neighbour, smaller). When none is, the graph is a star
forest (a leaf's neighbour cannot itself be a leaf: it has the leaf as a larger neighbour), large-star
would change nothing, and each node's label is its centre.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from codeprep.dedup.spill import Spill, route

EDGE_SCHEMA = pa.schema(
    [pa.field("src", pa.int64(), nullable=False), pa.field("dst", pa.int64(), nullable=False)]
)
#: A bound far above O(log² n) for any corpus size: reaching it means a bug, not a big graph.
MAX_ROUNDS = 200


def both_ways(u: np.ndarray, v: np.ndarray, partitions: int) -> dict[int, pa.Table]:
    """Undirected edges ``{u, v}`` (no self loops) as directed rows routed by their source."""
    keep = u != v
    src = np.concatenate([u[keep], v[keep]])
    dst = np.concatenate([v[keep], u[keep]])
    table = pa.table({"src": src, "dst": dst}, schema=EDGE_SCHEMA)
    return route(table, src, partitions)


def read_edges(spill: Spill, step: str, part: int) -> tuple[np.ndarray, np.ndarray]:
    """Partition ``part`` of ``step``'s edges, each directed edge once, sorted by (src, dst)."""
    table = spill.read(step, part, EDGE_SCHEMA)
    return unique_pairs(table.column("src").to_numpy(), table.column("dst").to_numpy())


def unique_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each ``(a, b)`` pair once, sorted by ``a`` then ``b``."""
    if len(a) == 0:
        return a, b
    order = np.lexsort((b, a))
    a, b = a[order], b[order]
    fresh = np.ones(len(a), dtype=bool)
    fresh[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    return a[fresh], b[fresh]


def _group_starts(src: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each row, the index of the first row of its source's group; and every group's first row."""
    first = np.ones(len(src), dtype=bool)
    first[1:] = src[1:] != src[:-1]
    starts = np.flatnonzero(first)
    return starts[np.cumsum(first) - 1], starts


def not_star(src: np.ndarray, dst: np.ndarray) -> int:
    """Nodes of this partition that are neither a centre nor a leaf (see the module docstring)."""
    if len(src) == 0:
        return 0
    _, starts = _group_starts(src)
    sizes = np.diff(np.append(starts, len(src)))
    smallest = dst[starts]  # rows are sorted by (src, dst)
    centre = smallest > src[starts]
    leaf = (sizes == 1) & (smallest < src[starts])
    return int(np.count_nonzero(~(centre | leaf)))


def large_star(src: np.ndarray, dst: np.ndarray, partitions: int) -> dict[int, pa.Table]:
    if len(src) == 0:
        return {}
    head, _ = _group_starts(src)
    low = np.minimum(src, dst[head])  # m(u): the smallest of u and its neighbours
    up = dst > src
    return both_ways(dst[up], low[up], partitions)


def small_star(src: np.ndarray, dst: np.ndarray, partitions: int) -> dict[int, pa.Table]:
    if len(src) == 0:
        return {}
    down = dst < src
    s, d = src[down], dst[down]
    if len(s) == 0:
        return {}
    head, starts = _group_starts(s)
    low = d[head]  # min of the smaller neighbours
    u = np.concatenate([d, s[starts]])
    v = np.concatenate([low, low[starts]])
    return both_ways(u, v, partitions)


def labels(src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(nodes, label)`` on a converged star forest: a leaf's centre, or the centre itself."""
    if len(src) == 0:
        return src, dst
    _, starts = _group_starts(src)
    nodes = src[starts]
    return nodes, np.minimum(nodes, dst[starts])
