"""How many times each language group's tokens go into the training mix.

Given the tokens available per group ``A_g``, the target shares ``p_g`` (summing to 1) and the most
epochs a group may be repeated ``E_g``, the mix has ``N`` tokens and group ``g`` contributes
``p_g * N``, i.e. ``f_g = p_g * N / A_g`` epochs (below 1: down-sampled). Every target is met while
``f_g <= E_g`` for all groups, so the largest mix that meets every target has
``N = min_g A_g * E_g / p_g``; it is also capped at the tokens that exist (``sum A_g``: the mix never
grows the corpus) and at ``budget_tokens`` when given. The group that sets ``N`` is reported
(``binding``): it is the one to get more data for.

A group with a target but no tokens cannot be met by any sampling: it is reported in ``unreachable``,
its share is spread over the others in proportion to their targets, and ``achieved`` shows the gap
(``max_abs_error``) instead of the solver hiding it by repeating something else.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MixPlan:
    total: float  # N, tokens in the mix
    epochs: dict[str, float]  # f_g
    binding: str | None  # the group whose max_epochs (or the corpus size / budget) sets N
    unreachable: list[str]  # groups with a target but no tokens
    planned: dict[str, float]  # shares the plan aims at (targets, renormalised without unreachable)


def solve(
    available: dict[str, int],
    target: dict[str, float],
    max_epochs: dict[str, float],
    budget_tokens: int | None = None,
) -> MixPlan:
    if abs(sum(target.values()) - 1) > 1e-6 or any(v < 0 for v in target.values()):
        raise ValueError(f"mix.target must be non-negative shares summing to 1, got {target}")
    unreachable = sorted(g for g, p in target.items() if p > 0 and available.get(g, 0) == 0)
    live = {g: p for g, p in target.items() if p > 0 and g not in unreachable}
    if not live:
        raise ValueError("mix: no group with a target has any tokens")
    scale = sum(live.values())
    planned = {g: p / scale for g, p in live.items()}
    limits = {g: available[g] * max_epochs.get(g, 1.0) / p for g, p in planned.items()}
    binding = min(limits, key=lambda g: (limits[g], g))
    total = limits[binding]
    corpus = float(sum(available.values()))
    if corpus < total:
        total, binding = corpus, "corpus_size"
    if budget_tokens is not None and budget_tokens < total:
        total, binding = float(budget_tokens), "budget_tokens"
    epochs = {g: (planned.get(g, 0.0) * total / available[g] if available.get(g) else 0.0) for g in target}
    return MixPlan(total, epochs, binding, unreachable, planned)
