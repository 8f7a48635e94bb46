"""Markdown building blocks for the card: tables and the one way each kind of number is printed
(counts with thousands separators, fractions at a fixed number of places), so the same figure reads
the same in every section and the bytes only change when a metric does."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

MISSING = "—"
#: A section as markdown lines.
Lines = list[str]


def count(value: Any) -> str:
    """An integer with thousands separators; ``—`` for a missing value."""
    return MISSING if value is None else f"{int(value):,}"


def fixed(value: Any, places: int = 3) -> str:
    """A float at ``places`` decimals with thousands separators; ``—`` for a missing value (JSON null:
    e.g. syntax validity of a language without a parser)."""
    return MISSING if value is None else f"{float(value):,.{places}f}"


def code(text: Any) -> str:
    """Inline code: reasons, keys and paths are identifiers, and underscores in them must not turn
    into emphasis."""
    return f"`{text}`"


def not_available(*files: str) -> str:
    return "_Not available: " + ", ".join(code(f) for f in files) + " is missing (its stage has not run)._"


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], numeric: Sequence[int] = ()) -> Lines:
    """A GitHub-flavoured table; columns whose index is in ``numeric`` are right-aligned."""
    align = ["--:" if i in numeric else "---" for i in range(len(headers))]
    lines = [_row(headers), _row(align)]
    lines.extend(_row([str(cell) for cell in row]) for row in rows)
    return lines


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def by_count(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Largest first, then by name: a stable order for reason and language tables."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def reasons_table(removed: dict[str, int], what: str = "removed") -> Lines:
    """Removals by reason with a total row, or one line saying nothing was removed."""
    if not removed or not sum(removed.values()):
        return [f"Nothing {what}."]
    rows = [(code(reason), count(n)) for reason, n in by_count(removed)]
    rows.append(("**total**", f"**{count(sum(removed.values()))}**"))
    return table(["reason", what], rows, numeric=[1])
