"""``params.yaml`` ``execute:``: where a stage's per-shard work runs.

Not a DVC parameter of any stage: every backend and worker count writes byte-identical outputs, so
changing where the work runs must not invalidate the DVC cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from codeprep.params import dataclass_from

BACKENDS = ("local", "ray")


@dataclass(frozen=True)
class ExecuteParams:
    """``backend``: ``local`` (a spawn process pool on this machine) or ``ray`` (Ray tasks).
    ``workers``: shards processed at once; with ``ray`` and no ``ray_address``, also the CPUs of the
    local Ray instance started for the stage. ``ray_address`` (``ray`` only): ``None`` starts a local
    instance; ``"auto"`` (a ``ray start`` cluster this machine is part of) or ``"ray://host:10001"``
    (Ray Client) connects to a running cluster."""

    backend: str = "local"
    workers: int = 1
    ray_address: str | None = None

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"execute.backend {self.backend!r} is not one of {BACKENDS}")
        if isinstance(self.workers, bool) or not isinstance(self.workers, int) or self.workers < 1:
            raise ValueError(f"execute.workers must be an integer >= 1, not {self.workers!r}")
        if self.ray_address is not None and (not isinstance(self.ray_address, str) or not self.ray_address):
            raise ValueError(
                f"execute.ray_address must be a non-empty string or null, not {self.ray_address!r}"
            )

    @classmethod
    def from_params(cls, section: dict[str, Any] | None) -> ExecuteParams:
        return dataclass_from(cls, section, "execute")
