"""Noise bands of model metrics, and the rule that calls a difference between two experiments real.

A model metric is trained and measured once per seed (``train_proxy.seeds``); a seed changes the
initial weights and which windows of the mixed stream the proxy reads, in what order. Every model
metric is stored as ``{"mean", "std", "per_seed"}`` (sample standard deviation, ``ddof=1``).

**The band** of a comparison is the standard error of the difference of the two means,
``sqrt(std_a² / n_a + std_b² / n_b)``: how far the difference would typically move if both sides were
trained again with other seeds. More seeds narrow it. **A difference is significant** when both hold:

1. ``|mean_b - mean_a| >= 3 bands`` (a t-statistic of at least 3), and
2. Welch's two-sample t-test (unequal variances) gives ``p < 0.05``.

Why both: three bands is the margin a seed's luck does not cross (a normal variable exceeds it once in
370 draws), the conventional "clearly more than noise". But with three seeds a side the standard
deviations are themselves uncertain, and when one side is far noisier than the other Welch's degrees
of freedom fall towards 2, where a t of 3 is still p ≈ 0.1: the test's p-value, which accounts for
that, then refuses what the band alone would accept. The same seeds are used on both sides, but the
streams differ, so the runs are not paired.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

BANDS = 3.0
ALPHA = 0.05


def summarize(per_seed: dict[int, float]) -> dict[str, Any]:
    """``{"mean", "std", "per_seed"}`` of one metric over seeds (std 0 for one seed)."""
    values = list(per_seed.values())
    mean = sum(values) / len(values)
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1)) if len(values) > 1 else 0.0
    return {"mean": mean, "std": std, "per_seed": {str(s): v for s, v in sorted(per_seed.items())}}


def is_band(value: Any) -> bool:
    return isinstance(value, dict) and {"mean", "std", "per_seed"} <= set(value)


@dataclass(frozen=True)
class Difference:
    a: dict[str, Any]
    b: dict[str, Any]
    delta: float
    band: float
    p_value: float

    @property
    def bands(self) -> float:
        """``|delta|`` in bands (inf when the band is zero and the means differ)."""
        if self.band == 0:
            return 0.0 if self.delta == 0 else math.inf
        return abs(self.delta) / self.band

    @property
    def significant(self) -> bool:
        return self.bands >= BANDS and self.p_value < ALPHA


def welch_p(a: list[float], b: list[float]) -> float:
    """Two-sided p-value of Welch's t-test; 1.0 when it is undefined (fewer than two values a side,
    or no spread and no difference), 0.0 for different means with no spread at all."""
    from scipy import stats

    if len(a) < 2 or len(b) < 2:
        return 1.0
    mean_a, mean_b = sum(a) / len(a), sum(b) / len(b)
    if all(v == a[0] for v in a) and all(v == b[0] for v in b):
        return 1.0 if mean_a == mean_b else 0.0
    return float(stats.ttest_ind(a, b, equal_var=False).pvalue)


def difference(a: dict[str, Any], b: dict[str, Any]) -> Difference:
    """B minus A for two ``summarize`` results."""
    band = math.sqrt(a["std"] ** 2 / len(a["per_seed"]) + b["std"] ** 2 / len(b["per_seed"]))
    p = welch_p(list(a["per_seed"].values()), list(b["per_seed"].values()))
    return Difference(a, b, b["mean"] - a["mean"], band, p)
