"""The minhash stage's output, ``out/minhash/signatures``: its schema and its reader (what dedup and the
reference implementation read)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from codeprep.shards import iter_batches

#: One row per document of the input, in input order. ``signature`` is ``num_perm`` little-endian
#: uint32 (``numpy.frombuffer(sig, "<u4")``); ``n_shingles`` 0 means no tokens (all slots 2**32 - 1).
SIGNATURE_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("content_hash", pa.string(), nullable=False),
        pa.field("n_shingles", pa.int64(), nullable=False),
        pa.field("signature", pa.binary(), nullable=False),
    ]
)


def read_signatures(sig_dir: Path, num_perm: int) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """``(ids, content_hashes, n_shingles, signatures (n, num_perm) uint32)`` of every document."""
    ids: list[str] = []
    hashes: list[str] = []
    counts: list[int] = []
    blobs: list[bytes] = []
    for batch in iter_batches(sig_dir, columns=["id", "content_hash", "n_shingles", "signature"]):
        cols = batch.to_pydict()
        ids += cols["id"]
        hashes += cols["content_hash"]
        counts += cols["n_shingles"]
        blobs += cols["signature"]
    sigs = np.frombuffer(b"".join(blobs), dtype="<u4").reshape(len(ids), num_perm)
    return (
        ids,
        hashes,
        np.asarray(counts, dtype=np.int64),
        sigs.astype(np.uint32, copy=False),
    )  # read-only view
