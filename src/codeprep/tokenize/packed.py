"""The packed token splits the tokenize stage writes (``out/tokenize/<split>/``: a flat token stream and
an index of documents, the token width in ``meta.json``), and their reader: what mix, the proxy
model and its benchmark read."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq


def read_split(split_dir: Path) -> tuple[np.ndarray, pa.Table]:
    """``(tokens memmap, index table)`` of one packed split; the token width comes from the
    ``meta.json`` the stage writes next to the splits."""
    dtype = np.dtype(json.loads((split_dir.parent / "meta.json").read_text())["dtype"])
    index = pq.read_table(split_dir / "index.parquet")
    tokens = (
        np.memmap(split_dir / "tokens.bin", dtype=dtype, mode="r") if index.num_rows else np.empty(0, dtype)
    )
    return tokens, index
