"""The seeded template generator: the seed plan's task families at its mix (``xml_generation`` 0.25,
``mdx_creation`` 0.25, ``js_enhancement`` 0.5, ``synth.family_mix``), each record made from a corpus
snippet by a task of :mod:`codeprep.synth.markup_tasks` or :mod:`codeprep.synth.js_tasks`.

Each record wanted picks a family by its share, then draws a task and a snippet of the family's
pools until one makes a record; a draw that cannot (no eligible site, output invalid, a duplicate)
is counted under its reason. ``synth.templates`` is the number of records wanted,
``max_attempts_factor`` times that the number of draws allowed. Everything is a function of ``synth.seed`` and the corpus, so reruns are
byte-identical.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from codeprep.pairs.cat import pair_id, record_id
from codeprep.synth.corpus import Corpus, Snippet
from codeprep.synth.js_tasks import js_enhancement
from codeprep.synth.markup_tasks import (
    Skip,
    Task,
    mdx_api_doc,
    mdx_page,
    svg_resize,
    xml_add_attribute,
    xml_sitemap,
)

FAMILIES = ("xml_generation", "mdx_creation", "js_enhancement")
_TOKEN = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True)
class TemplateParams:
    count: int = 2000
    family_mix: dict[str, float] = field(
        default_factory=lambda: {"xml_generation": 0.25, "mdx_creation": 0.25, "js_enhancement": 0.5}
    )
    max_attempts_factor: int = 4
    seed: int = 0

    def __post_init__(self) -> None:
        unknown = set(self.family_mix) - set(FAMILIES)
        if unknown or abs(sum(self.family_mix.values()) - 1) > 1e-6:
            raise ValueError(f"synth.family_mix: shares over {FAMILIES} summing to 1, got {self.family_mix}")


@dataclass
class TemplateStats:
    attempts: Counter[str] = field(default_factory=Counter)  # by family
    made: Counter[str] = field(default_factory=Counter)  # by task
    skipped: Counter[str] = field(default_factory=Counter)  # by reason


Maker = Callable[[random.Random, Corpus, Any], Task]


def _choices(corpus: Corpus, pairs: list[dict[str, Any]]) -> dict[str, list[tuple[Maker, list[Any]]]]:
    markup = corpus.pool("xml") + corpus.pool("svg")
    return {
        "xml_generation": [
            (xml_add_attribute, markup),
            (svg_resize, corpus.pool("svg")),
            (
                xml_sitemap,
                [s for s in markup + corpus.pool("markdown") if len(corpus.page_paths.get(s.repo, ())) > 1],
            ),
        ],
        "mdx_creation": [(mdx_api_doc, pairs), (mdx_page, corpus.pool("markdown"))],
        "js_enhancement": [(js_enhancement, corpus.pool("js") + corpus.pool("ts"))],
    }


def _record(task: Task, family: str, parent: Snippet | dict[str, Any], draw: int) -> dict[str, Any]:
    name, instruction, given, output, lang = task
    if isinstance(parent, Snippet):
        parent_id, repo = parent.doc_id, parent.repo
    else:
        parent_id, repo = pair_id(parent), parent["repository_name"]
    return {
        "instruction": instruction,
        "input": given,
        "output": output,
        "task_type": family,
        "template": name,
        "lang": lang,
        "source": "synth_template",
        "id": record_id(parent_id, name, str(draw)),
        "parent_id": parent_id,
        "repo": repo,
    }


def generate(
    params: TemplateParams, corpus: Corpus, pairs: list[dict[str, Any]], stats: TemplateStats
) -> Iterator[dict[str, Any]]:
    """Up to ``params.count`` template records; ``stats`` is filled as they are drawn."""
    rng = random.Random(params.seed)
    choices = {f: [(m, pool) for m, pool in opts if pool] for f, opts in _choices(corpus, pairs).items()}
    families = [f for f in FAMILIES if params.family_mix.get(f, 0) > 0 and choices[f]]
    if not families:
        return
    weights = [params.family_mix[f] for f in families]
    seen: set[tuple[str, str]] = set()
    budget = params.count * params.max_attempts_factor
    draw = 0
    for _ in range(params.count):
        # the family is drawn once per record and kept through retries, so a family whose snippets
        # often have no eligible site still gets its share
        family = rng.choices(families, weights)[0]
        while draw < budget:
            draw += 1
            record = _attempt(rng, corpus, family, choices[family], seen, stats, draw)
            if record is not None:
                yield record
                break
        else:
            return


def _attempt(
    rng: random.Random,
    corpus: Corpus,
    family: str,
    options: list[tuple[Maker, list[Any]]],
    seen: set[tuple[str, str]],
    stats: TemplateStats,
    draw: int,
) -> dict[str, Any] | None:
    maker, pool = rng.choice(options)
    parent = rng.choice(pool)
    stats.attempts[family] += 1
    try:
        task = maker(rng, corpus, parent)
    except Skip as exc:
        stats.skipped[exc.reason] += 1
        return None
    key = (task[1], task[2])
    if key in seen:
        stats.skipped["duplicate"] += 1
        return None
    seen.add(key)
    stats.made[task[0]] += 1
    return _record(task, family, parent, draw)


def distinct_ngrams(texts: list[str], n: int) -> float | None:
    """Distinct-n: distinct token n-grams over all n-grams (1.0: no n-gram repeats) — the usual
    diversity figure for generated text."""
    total = 0
    distinct: set[tuple[str, ...]] = set()
    for text in texts:
        tokens = _TOKEN.findall(text)
        grams = [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
        total += len(grams)
        distinct.update(grams)
    return len(distinct) / total if total else None
