"""Licences of the kept data, from the clean stage's manifest, as the Hugging Face Hub names them.

The Hub accepts a fixed list of licence identifiers (huggingface.co/docs/hub/repositories-licenses);
for SPDX licences they are the lower-cased SPDX id. An allowed package may carry an expression
(``MIT OR GPL-3.0``): the data is used under the side ``licence.allow`` accepted, so only ids in the
allow-list are reported (all ids when the allow-list is absent). An id the Hub does not list becomes
``other``, and the card names it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from codeprep.report.inputs import ManifestRow

#: The Hub's licence identifiers that are SPDX ids (lower-cased); the Hub's family names (``bsd``,
#: ``gpl``, ``openrail``...) are not SPDX ids and never come out of a package's licence field.
HUB_SPDX_IDS = frozenset(
    {
        "afl-3.0",
        "agpl-3.0",
        "apache-2.0",
        "artistic-2.0",
        "bsd-2-clause",
        "bsd-3-clause",
        "bsd-3-clause-clear",
        "bsl-1.0",
        "cc-by-2.0",
        "cc-by-2.5",
        "cc-by-3.0",
        "cc-by-4.0",
        "cc-by-nc-2.0",
        "cc-by-nc-3.0",
        "cc-by-nc-4.0",
        "cc-by-nc-nd-3.0",
        "cc-by-nc-nd-4.0",
        "cc-by-nc-sa-2.0",
        "cc-by-nc-sa-3.0",
        "cc-by-nc-sa-4.0",
        "cc-by-nd-4.0",
        "cc-by-sa-3.0",
        "cc-by-sa-4.0",
        "cc0-1.0",
        "cdla-permissive-1.0",
        "cdla-permissive-2.0",
        "cdla-sharing-1.0",
        "ecl-2.0",
        "epl-1.0",
        "epl-2.0",
        "etalab-2.0",
        "eupl-1.1",
        "gpl-2.0",
        "gpl-3.0",
        "isc",
        "lgpl-2.1",
        "lgpl-3.0",
        "lppl-1.3c",
        "mit",
        "mpl-2.0",
        "ms-pl",
        "ncsa",
        "ofl-1.1",
        "osl-3.0",
        "pddl",
        "postgresql",
        "unlicense",
        "wtfpl",
        "zlib",
    }
)
_TOKEN = re.compile(r"[A-Za-z0-9.+-]+")
_OPERATORS = {"AND", "OR"}
#: SPDX 3 spells GPL-family versions ``-only`` / ``-or-later``; the Hub lists the bare version.
_SUFFIX = re.compile(r"(-only|-or-later|\+)$")


@dataclass(frozen=True)
class LicenceTotal:
    licence: str
    packages: int
    files_in: int
    files_out: int


def spdx_ids(expression: str) -> list[str]:
    """Licence ids of an SPDX expression in order of appearance: operators, parentheses and the
    exception after ``WITH`` (it narrows a licence, it is not one) left out."""
    ids: list[str] = []
    tokens = _TOKEN.findall(expression or "")
    skip = False
    for token in tokens:
        if skip:
            skip = False
        elif token == "WITH":
            skip = True
        elif token not in _OPERATORS and token not in ids:
            ids.append(token)
    return ids


def used_ids(manifest: Iterable[ManifestRow], allow: Iterable[str] | None) -> list[str]:
    """SPDX ids under which the kept data is used, sorted case-insensitively."""
    allowed = {a.lower() for a in allow} if allow else None
    found = {
        spdx
        for row in manifest
        if row.allowed
        for spdx in spdx_ids(row.license)
        if allowed is None or spdx.lower() in allowed
    }
    return sorted(found, key=str.lower)


def hub_id(spdx: str) -> str | None:
    """The Hub's identifier for an SPDX id, or None where the Hub has none (``other`` then)."""
    candidate = _SUFFIX.sub("", spdx.lower())
    return candidate if candidate in HUB_SPDX_IDS else None


def hub_licences(ids: Iterable[str]) -> list[str]:
    """The card's ``license:`` list: Hub ids sorted, ``other`` last when any id has no Hub id."""
    hub = {hub_id(i) for i in ids}
    named = sorted(h for h in hub if h is not None)
    return [*named, "other"] if None in hub else named


def totals_by_licence(manifest: Iterable[ManifestRow]) -> list[LicenceTotal]:
    """Packages and files per licence expression, most files in first."""
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in manifest:
        entry = sums[row.license]
        entry[0] += 1
        entry[1] += row.files_in
        entry[2] += row.files_out
    totals = [LicenceTotal(name, *values) for name, values in sums.items()]
    return sorted(totals, key=lambda t: (-t.files_in, t.licence))
