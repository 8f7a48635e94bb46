"""The result of an AST mutation, and the one exception that says why there is none.

``mutate_js`` and ``mutate_xml`` return a :class:`Mutant` only when at least one operator applied and
the result passed the pipeline's syntax validator. Every other outcome raises
:class:`MutationRejected` with a short stable ``reason`` code, so the synth stage can count rejections
per reason (``in = mutants + sum(rejected by reason)``) instead of guessing from a bare ``None``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["MAX_CHARS", "REJECT_REASONS", "Mutant", "MutationRejected", "check_args"]

#: Inputs above this many characters are not mutated (``too_large``): operators walk the tree several
#: times and re-parse after each pass, and synthetic examples are short snippets anyway.
MAX_CHARS = 100_000

#: The stable codes a :class:`MutationRejected` carries.
REJECT_REASONS = (
    "unparseable_input",  # the input does not parse (so no tree to edit)
    "no_site",  # no eligible site, or no operator fired at any (rate too low for this input)
    "invalid_after_mutation",  # the result failed re-validation: a bug in an operator, never returned
    "entity_declaration",  # XML with <!ENTITY or <!DOCTYPE: refused before lxml sees it
    "too_large",  # more than MAX_CHARS characters
)


@dataclass(frozen=True)
class Mutant:
    content: str  # the mutated source
    operators: tuple[str, ...]  # operator names actually applied, in application order (may repeat)


class MutationRejected(Exception):
    """No mutant for this input; ``reason`` is one of :data:`REJECT_REASONS`."""

    def __init__(self, reason: str, detail: str = "") -> None:
        if reason not in REJECT_REASONS:
            raise ValueError(f"unknown rejection reason {reason!r}")
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def check_args(
    lang: str,
    langs: Sequence[str],
    rate: float,
    operators: Sequence[str] | None,
    known: Sequence[str],
    rng: random.Random,
) -> tuple[str, ...]:
    """Validate the common arguments; return the operators allowed to fire, in ``known`` order.

    Bad arguments are caller bugs, so they raise ``ValueError``/``TypeError`` rather than a rejection
    (which is about the data)."""
    if lang not in langs:
        raise ValueError(f"lang must be one of {tuple(langs)}, not {lang!r}")
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"rate must be in [0, 1], not {rate!r}")
    if not isinstance(rng, random.Random):
        raise TypeError("rng must be a random.Random (the only source of randomness, for determinism)")
    if operators is None:
        return tuple(known)
    unknown = sorted(set(operators) - set(known))
    if unknown:
        raise ValueError(f"unknown operators {unknown}; known: {tuple(known)}")
    return tuple(op for op in known if op in operators)
