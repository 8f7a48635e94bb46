"""Read CodeSearchNet files as published: the release's ``*.jsonl.gz`` (keys ``repo, path, func_name,
original_string, language, code, code_tokens, docstring, docstring_tokens, sha, url, partition``) and
the Hugging Face export (the schema :mod:`codeprep.pairs.extract` writes). Either way records come out
in the Hugging Face schema. A line that is not JSON or lacks a field is reported with its file and
line number, never skipped silently.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from codeprep.sources.json_lines import read_objects

FIELDS = (
    "repository_name",
    "func_path_in_repository",
    "func_name",
    "whole_func_string",
    "language",
    "func_code_string",
    "func_code_tokens",
    "func_documentation_string",
    "func_documentation_tokens",
    "split_name",
    "func_code_url",
)
#: The release's keys → the Hugging Face schema.
RELEASE_KEYS = {
    "repo": "repository_name",
    "path": "func_path_in_repository",
    "func_name": "func_name",
    "original_string": "whole_func_string",
    "language": "language",
    "code": "func_code_string",
    "code_tokens": "func_code_tokens",
    "docstring": "func_documentation_string",
    "docstring_tokens": "func_documentation_tokens",
    "partition": "split_name",
    "url": "func_code_url",
}


def read(path: Path) -> Iterator[dict[str, Any]]:
    for number, row in enumerate(read_objects(path), 1):
        if "original_string" in row:
            row = {new: row.get(old) for old, new in RELEASE_KEYS.items()}
        missing = [f for f in FIELDS if f not in row or row[f] is None]
        if missing:
            raise ValueError(f"{path}:{number}: missing CodeSearchNet field(s) {missing}")
        yield {f: row[f] for f in FIELDS}
