"""The verdict every validator returns, and its two constructors."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    ok: bool | None  # None: no validator for this language
    error: str  # "" when ok, else a short stable class
    line: int | None  # 1-based line of the first error (None when ok)
    col: int | None  # 1-based column (characters)
    parser: str  # which parser decided
    comment_bytes: int  # UTF-8 bytes inside comments (0 where the parser cannot tell)


def ok(parser: str, comment_bytes: int = 0) -> Verdict:
    return Verdict(True, "", None, None, parser, comment_bytes)


def bad(parser: str, error: str, line: int | None, col: int | None, comment_bytes: int = 0) -> Verdict:
    return Verdict(False, error, line, col, parser, comment_bytes)
