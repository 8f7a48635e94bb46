"""Read ``out/mix`` the way a nanoGPT-style training loop does: the token stream memory-mapped with the
dtype its ``meta.json`` names, and random windows of ``block + 1`` tokens as (input, target) pairs.
Kept free of torch and of this package's other modules so it can be copied into a training script.

    tokens, meta = open_mix("out/mix")
    x, y = batch(tokens, block=256, size=32, rng=np.random.default_rng(0))   # int64 arrays
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np


def open_mix(directory: str | Path) -> tuple[np.memmap, dict[str, Any]]:
    """The mix's tokens (read-only memory map) and its ``meta.json``."""
    directory = Path(directory)
    meta = json.loads((directory / "meta.json").read_text())
    tokens = np.memmap(directory / "tokens.bin", dtype=np.dtype(meta["dtype"]), mode="r")
    if len(tokens) != meta["tokens"]:
        raise ValueError(f"{directory}/tokens.bin has {len(tokens)} tokens, meta.json says {meta['tokens']}")
    return tokens, meta


def batch(
    tokens: np.ndarray, block: int, size: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``size`` random windows: inputs ``tokens[i : i + block]`` and targets shifted by one."""
    if len(tokens) <= block:
        raise ValueError(f"the mix has {len(tokens)} tokens, fewer than block + 1 = {block + 1}")
    starts = rng.integers(0, len(tokens) - block, size)
    x = np.stack([np.asarray(tokens[i : i + block], dtype=np.int64) for i in starts])
    y = np.stack([np.asarray(tokens[i + 1 : i + 1 + block], dtype=np.int64) for i in starts])
    return x, y
