"""``params.yaml`` ``mix:``: the seed plan token shares per group and the epoch caps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from codeprep.languages import GROUPS
from codeprep.params import check_keys, checked


@dataclass(frozen=True)
class MixParams:
    target: dict[str, float] = field(
        default_factory=lambda: {"js_ts": 0.35, "xml_html": 0.25, "md_mdx": 0.15, "css": 0.10, "other": 0.15}
    )
    max_epochs: dict[str, float] = field(default_factory=dict)  # group -> cap; missing: default_max_epochs
    default_max_epochs: float = 4.0
    budget_tokens: int | None = None
    seed: int = 0
    instruct_share: float = 0.0  # share of the instruction stream; the language targets share the rest

    @classmethod
    def from_params(cls, section: dict[str, Any] | None) -> MixParams:
        section = dict(
            check_keys(section, ["target", "max_epochs", "budget_tokens", "seed", "instruct_share"], "mix")
        )
        defaults = cls()
        check_keys(section.get("target", defaults.target), list(GROUPS), "mix.target")
        given = checked(section.get("target", defaults.target), dict[str, float], "mix.target")
        target = {str(k): float(v) for k, v in given.items()}
        share = float(
            checked(section.get("instruct_share", defaults.instruct_share), float, "mix.instruct_share")
        )
        if not 0 <= share < 1 or "instruct" in target:
            raise ValueError(
                "mix.instruct_share must be in [0, 1); give the instruction share there, not in target"
            )
        epochs = checked(
            section.get("max_epochs", defaults.default_max_epochs), float | dict[str, float], "mix.max_epochs"
        )
        per_group = {str(k): float(v) for k, v in epochs.items()} if isinstance(epochs, dict) else {}
        default = float(epochs) if not isinstance(epochs, dict) else defaults.default_max_epochs
        budget = checked(section.get("budget_tokens"), int | None, "mix.budget_tokens")
        checked(section.get("seed", 0), int, "mix.seed")
        return cls(
            target, per_group, default, int(budget) if budget else None, int(section.get("seed", 0)), share
        )

    def shares(self) -> dict[str, float]:
        """The solver's targets: the language targets scaled to ``1 - instruct_share``, plus the
        instruction stream's share (only when it is set, so a mix without it stays as it was)."""
        scaled = {g: p * (1 - self.instruct_share) for g, p in self.target.items()}
        return scaled | ({"instruct": self.instruct_share} if self.instruct_share else {})

    def epochs_cap(self) -> dict[str, float]:
        return {g: self.max_epochs.get(g, self.default_max_epochs) for g in GROUPS}
