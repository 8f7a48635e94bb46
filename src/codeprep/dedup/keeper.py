"""Which document of a duplicate cluster stays: a documented, deterministic rule.

In order, the keeper is the member that is
1. neither vendored nor minified (a package's own source beats a copy bundled into another),
2. syntactically valid,
3. of better quality: higher alphanumeric fraction (bigcode's main code-quality signal), compared at
   two decimals so copies that differ by a few characters fall through to the next criteria,
4. under a permissive licence (:data:`PERMISSIVE`),
5. first by ``(repo, version, path)``, then by ``id``, so the choice never depends on input order.
"""

from __future__ import annotations

from dataclasses import dataclass

#: SPDX ids counted as permissive when choosing a keeper (the licence stage enforces its own list).
PERMISSIVE = frozenset(
    {"MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "ISC", "0BSD", "Unlicense", "CC0-1.0", "Zlib"}
)


@dataclass(frozen=True)
class Meta:
    """What the keeper rule and the removed log need to know about a document (no content)."""

    id: str
    repo: str
    version: str | None
    path: str
    license: str
    is_vendored: bool
    is_minified: bool
    syntax_ok: bool | None
    alnum_fraction: float

    @property
    def where(self) -> str:
        return f"{self.repo}@{self.version}/{self.path}" if self.version else f"{self.repo}/{self.path}"


def keeper_key(meta: Meta) -> tuple:
    """Sort key: the smallest key in a cluster is its keeper (see the module docstring)."""
    return (
        meta.is_vendored or meta.is_minified,
        meta.syntax_ok is False,
        -round(meta.alnum_fraction, 2),
        meta.license not in PERMISSIVE,
        meta.repo,
        meta.version or "",
        meta.path,
        meta.id,
    )
