"""The exact-duplicate key: a hash of the content after normalising what never makes two files
different code (line endings, trailing whitespace, leading and trailing blank lines)."""

from __future__ import annotations

import re

import xxhash

_TRAILING_SPACE = re.compile(r"[ \t\f\v]+$", re.MULTILINE)


def normalized(text: str) -> str:
    """``\\r\\n`` and ``\\r`` to ``\\n``, no trailing spaces or tabs on any line, no blank lines at
    either end. Indentation and everything inside lines are kept: two files that differ there are
    near duplicates at most, which MinHash decides."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _TRAILING_SPACE.sub("", text).strip("\n")


def content_hash(text: str) -> str:
    """128-bit xxh3 of the normalised UTF-8 content, as 32 hex digits."""
    return xxhash.xxh3_128_hexdigest(normalized(text).encode("utf-8", "surrogatepass"))
