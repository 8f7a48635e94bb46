"""AST mutations over varied real-shaped snippets: every returned mutant is valid, every operator
fires, outcomes are deterministic per seed."""

from __future__ import annotations

from collections import Counter

import pytest
from mutation_cases import SNIPPETS, _mutate, _outcome

from codeprep.signals.syntax import check
from codeprep.synth import mutate_js as mutate_js_module
from codeprep.synth import mutate_xml as mutate_xml_module
from codeprep.synth.mutation import Mutant, MutationRejected

# --------------------------------------------------------------------------------------------------
# determinism and validity over varied snippets


@pytest.mark.parametrize("lang, text", SNIPPETS, ids=[f"{lang}-{i}" for i, (lang, _) in enumerate(SNIPPETS)])
def test_every_returned_mutant_is_valid(lang, text):
    assert check(lang, text).ok, "fixture must be valid"
    produced = 0
    for seed in range(6):
        try:
            mutant = _mutate(lang, text, seed, 0.5)
        except MutationRejected as exc:
            assert exc.reason == "no_site", exc
            continue
        produced += 1
        assert check(lang, mutant.content).ok
        assert mutant.operators and mutant.content != text
        assert set(mutant.operators) <= set(
            mutate_xml_module.OPERATORS if lang in ("xml", "svg") else mutate_js_module.OPERATORS
        )
    assert produced >= 4


def test_operator_coverage_over_the_snippets():
    applied: Counter[str] = Counter()
    for seed in range(3):
        for lang, text in SNIPPETS:
            mutant = _outcome(lang, text, seed, 0.5)
            applied.update(mutant.operators if isinstance(mutant, Mutant) else ())
    assert set(applied) == set(mutate_js_module.OPERATORS) | set(mutate_xml_module.OPERATORS)


def test_deterministic_per_seed():
    for lang, text in SNIPPETS:
        assert _outcome(lang, text, 11, 0.5) == _outcome(lang, text, 11, 0.5)
        assert len({_outcome(lang, text, seed, 0.5) for seed in range(6)}) > 1
