"""The per-document budget of the syntax check (codeprep.signals.budget): a document over the time or
memory limit gets ``timeout`` / ``too_complex`` in bounded time, the worker carries on with the next
one, and the filter drops it with its own reason. Pathological inputs for every parser."""

from __future__ import annotations

import time

import pytest

from codeprep.signals import node_parsers
from codeprep.signals.budget import BudgetedChecker
from codeprep.signals.params import Budget
from codeprep.signals.syntax import Verdict

#: Generous for a loaded CI machine; each case below finishes in well under a second on an idle core.
BUDGET = Budget(max_seconds_per_doc=5.0, max_memory_mb=1024)

#: Pathological documents for every parser: deep nesting, never-closed elements, one huge line, huge
#: unions, with the verdict each must get (None: any verdict) within the budget; the next document must
#: get one too.
PATHOLOGICAL = [
    ("javascript", "[" * 200_000, False),
    ("javascript", "[" * 20_000 + "]" * 20_000, None),  # valid, deeper than oxc survives
    ("javascript", "a=" * 60_000 + "1", None),  # a chain no bracket guard sees
    ("jsx", "<a>" * 50_000, False),
    ("typescript", "type U = " + " | ".join(f"'k{i}'" for i in range(100_000)) + ";\n", True),
    ("typescript", "type A = " + "Array<" * 20_000 + "x" + ">" * 20_000 + ";", None),
    ("tsx", "(" * 100_000, False),
    ("css", "a{" * 100_000, False),
    ("css", ".a{color:red}" * 300_000, True),  # 3.9 MB on one line
    ("scss", "@if " + "(" * 50_000 + "1", None),  # postcss-scss takes at-rule params as text
    ("html", "<div><span>" * 50_000, False),  # 550 KB never closed: 338 s in html5lib
    ("html", "<table>" + "<tr><td>" * 50_000, None),
    ("mdx", "<A>" * 20_000, False),
    ("mdx", "# t\n\n" + "{" * 50_000, False),
    ("xml", "<a>" * 100_000, False),
    ("svg", '<svg xmlns="http://www.w3.org/2000/svg">' + "<g>" * 100_000, False),
    ("json", "[" * 200_000 + "]" * 200_000, None),
    ("markdown", "> " * 100_000 + "x", True),
]


@pytest.fixture(scope="module")
def checker():
    with BudgetedChecker(BUDGET) as c:
        yield c


@pytest.mark.parametrize(("lang", "text", "ok"), PATHOLOGICAL, ids=lambda x: str(x)[:16])
def test_pathological_input_gets_a_verdict_within_the_budget(checker, lang, text, ok):
    start = time.monotonic()
    v = checker.check(lang, text)
    assert isinstance(v, Verdict) and v.ok is not None
    assert time.monotonic() - start < BUDGET.max_seconds_per_doc + 1.0
    if ok is not None:
        assert v.ok is ok, v
    assert checker.check(lang, "").ok is not None  # the worker carries on


def test_timeout_kills_the_check_and_the_next_document_goes_on():
    """A check slower than the budget (20 MB of CSS for postcss, 0.05 s allowed) is stopped at the
    budget, recorded as ``timeout`` with the parser named, and the child is replaced for the next one."""
    budget = Budget(max_seconds_per_doc=0.05, max_memory_mb=1024)
    with BudgetedChecker(budget) as c:
        assert c.check("css", "a { b: c }").ok is True
        start = time.monotonic()
        v = c.check("css", ".a{color:red}\n" * 1_500_000)
        elapsed = time.monotonic() - start
        assert v == Verdict(False, "timeout", None, None, "postcss", 0)
        assert elapsed < 2.0  # the budget plus killing the process group, not the parse
        assert c.restarts == 1
        assert c.check("typescript", "let a: number = 1;").ok is True  # a fresh child, node and all


def test_memory_ceiling_gives_too_complex():
    """A document whose parse needs more than ``max_memory_mb`` (4 M JSON objects: ~1 GB of Python
    dicts, 300 MB allowed) is ``too_complex``; the checker goes on."""
    with BudgetedChecker(Budget(max_seconds_per_doc=60.0, max_memory_mb=300)) as c:
        v = c.check("json", "[" + '{"a":1},' * 4_000_000 + "{}]")
        assert (v.ok, v.error, v.parser) == (False, "too_complex", "json")
        assert c.check("json", '{"a": 1}').ok is True


def test_no_validator_means_no_round_trip():
    with BudgetedChecker(BUDGET) as c:
        assert c.check("other", "x") == Verdict(None, "", None, None, "none", 0)
        assert c._child is None


@pytest.mark.parametrize(
    ("values", "key"),
    [({"max_seconds_per_doc": 0}, "max_seconds_per_doc"), ({"max_memory_mb": 10}, "max_memory_mb")],
)
def test_bad_budget_params_are_refused(values, key):
    with pytest.raises(ValueError, match=key):
        Budget(**values)


def test_unknown_signals_key_is_refused_naming_it():
    from codeprep.params import dataclass_from

    with pytest.raises(ValueError, match="max_second_per_doc"):
        dataclass_from(Budget, {"max_second_per_doc": 5}, "signals")


def test_missing_node_parsers_is_a_setup_error_not_a_verdict(monkeypatch, tmp_path):
    """Without ``make install``'s npm ci the checks cannot run: a clear error naming the fix."""
    monkeypatch.setattr(node_parsers, "NODE_DIR", tmp_path)
    with pytest.raises(node_parsers.NodeParsersMissing, match="make install"):
        node_parsers.NodeParsers().ask("css", "a{}")
