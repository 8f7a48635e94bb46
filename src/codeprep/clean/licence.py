"""Licence allow-list: SPDX expressions checked against ``licence.allow``, and the licence manifest.

An expression is allowed when ``A OR B`` has an allowed side, ``A AND B`` has both, ``A WITH exception``
has ``A``; parentheses group. Anything that is not a valid expression of known shape (``UNKNOWN``,
``SEE LICENSE IN ...``, an empty string) is not allowed: a document whose licence cannot be read is
not one we may train on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from codeprep.params import ParamsError, dataclass_from


@dataclass(frozen=True)
class LicenceParams:
    """``params.yaml`` ``licence:``: the SPDX ids a document's licence expression must satisfy."""

    allow: tuple[str, ...] = ()

    @classmethod
    def from_params(cls, section: dict[str, Any] | None) -> LicenceParams:
        params = dataclass_from(cls, section, "licence")
        if not params.allow:
            raise ParamsError(
                "licence.allow must list at least one SPDX id (an empty list removes everything)"
            )
        return cls(tuple(params.allow))


_TOKEN = re.compile(r"\(|\)|[A-Za-z0-9.+-]+")


def allowed(expression: str, allow: Iterable[str]) -> bool:
    ids = {a.lower() for a in allow}
    tokens = _TOKEN.findall(expression or "")
    if not tokens:
        return False
    pos = 0

    def term() -> bool:
        nonlocal pos
        if pos >= len(tokens):
            raise ValueError
        token = tokens[pos]
        pos += 1
        if token == "(":
            value = disjunction()
            if pos >= len(tokens) or tokens[pos] != ")":
                raise ValueError
            pos += 1
        elif token in (")", "AND", "OR", "WITH"):
            raise ValueError
        else:
            value = token.lower() in ids
        if pos < len(tokens) and tokens[pos] == "WITH":
            pos += 2  # the exception narrows nothing we check
        return value

    def conjunction() -> bool:
        nonlocal pos
        value = term()
        while pos < len(tokens) and tokens[pos] == "AND":
            pos += 1
            value = term() and value
        return value

    def disjunction() -> bool:
        nonlocal pos
        value = conjunction()
        while pos < len(tokens) and tokens[pos] == "OR":
            pos += 1
            value = conjunction() or value
        return value

    try:
        result = disjunction()
    except ValueError:
        return False
    return result and pos == len(tokens)
