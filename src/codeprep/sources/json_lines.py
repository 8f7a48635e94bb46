"""Read a jsonl or jsonl.gz dataset file one JSON object at a time, for the dataset readers
(CodeSearchNet, OpenCodeInstruct) that are not ingest inputs.

Lines are read in binary with a cap (``max_line_bytes``): a gzip bomb or a file with no newlines
cannot make one ``readline`` hold gigabytes. A line over the cap, a line that is not JSON and a
JSON value that is not an object each come out as an error with ``file:line``, so the caller decides
whether that stops the run (a reference dataset) or is a recorded drop (a training source).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

MAX_LINE_BYTES = 64 << 20


def json_lines(
    path: Path, max_line_bytes: int = MAX_LINE_BYTES
) -> Iterator[tuple[str, dict[str, Any] | None, str]]:
    """``(where, object or None, error)`` for every non-blank line."""
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as f:
        number = 0
        while line := f.readline(max_line_bytes + 1):
            number += 1
            where = f"{path}:{number}"
            if len(line) > max_line_bytes and not line.endswith(b"\n"):
                while (rest := f.readline(1 << 20)) and not rest.endswith(b"\n"):
                    pass  # skip the rest of the oversized line without holding it
                yield where, None, f"line over {max_line_bytes} bytes"
                continue
            if not line.strip():
                continue
            try:
                row = json.loads(line.decode("utf-8", "replace"))
            except json.JSONDecodeError as exc:
                yield where, None, f"not a JSON line ({exc.msg})"
                continue
            if not isinstance(row, dict):
                yield where, None, "not a JSON object"
                continue
            yield where, row, ""


def read_objects(path: Path, max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[dict[str, Any]]:
    """Every object of a file that must be well formed (a reference dataset, another stage's
    output): the first bad line raises ``ValueError`` naming ``file:line``."""
    for where, row, error in json_lines(path, max_line_bytes):
        if row is None:
            raise ValueError(f"{where}: {error}")
        yield row
