"""Mutated code for augmentation: corpus declarations (JavaScript/TypeScript) and documents (XML/SVG)
through the AST mutation operators at ``synth.mutation_rate``, each mutant recorded with the
operators applied and its parent, and each one re-validated by the pipeline's syntax checker before
it is written (a mutant that fails is counted, never written).

Mutants are near-duplicates of their parents by design, so they are an output for users who want
augmentation (``out/synth/mutants.jsonl``), not part of the default training mix.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from codeprep.pairs.cat import record_id
from codeprep.signals.syntax import check
from codeprep.synth.corpus import Corpus, Snippet
from codeprep.synth.mutate_js import mutate_js
from codeprep.synth.mutate_xml import mutate_xml
from codeprep.synth.mutation import MutationRejected

POOLS = ("js", "ts", "xml", "svg")


@dataclass
class MutantStats:
    attempted: Counter[str] = field(default_factory=Counter)  # by language
    written: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)  # by reason
    operators: Counter[str] = field(default_factory=Counter)


def _parents(corpus: Corpus, count: int, seed: int) -> list[Snippet]:
    """``count`` parents spread evenly over the pools (seeded): round-robin over each pool's
    shuffled snippets, so a small pool (the sample has 32 XML documents) gives what it has and the
    others make up the rest."""
    rng = random.Random(f"{seed}:mutants")
    queues = [rng.sample(pool, len(pool)) for pool in (corpus.pool(name) for name in POOLS) if pool]
    chosen: list[Snippet] = []
    for depth in range(max(map(len, queues), default=0)):
        chosen += [queue[depth] for queue in queues if depth < len(queue)]
        if len(chosen) >= count:
            break
    return chosen[: max(count, 0)]


def mutants(
    corpus: Corpus, count: int, rate: float, seed: int, stats: MutantStats
) -> Iterator[dict[str, Any]]:
    for parent in _parents(corpus, count, seed):
        rng = random.Random(f"{seed}:{parent.doc_id}:{parent.name}")
        stats.attempted[parent.lang] += 1
        mutate = mutate_xml if parent.lang in ("xml", "svg") else mutate_js
        try:
            mutant = mutate(parent.text, parent.lang, rng, rate)
        except MutationRejected as exc:
            stats.rejected[exc.reason] += 1
            continue
        if check(parent.lang, mutant.content).ok is not True:  # belt and braces: never write an invalid one
            stats.rejected["invalid_after_mutation"] += 1
            continue
        stats.written[parent.lang] += 1
        stats.operators.update(mutant.operators)
        yield {
            "id": record_id(parent.doc_id, parent.name, "mutant", str(seed)),
            "parent_id": parent.doc_id,
            "repo": parent.repo,
            "path": parent.path,
            "lang": parent.lang,
            "operators": list(mutant.operators),
            "content": mutant.content,
        }
