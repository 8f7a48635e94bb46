"""AST mutation rejections: every reason code, and argument errors."""

from __future__ import annotations

import random
import time

import pytest
from mutation_cases import ICON, SNIPPETS, _mutate, _reason

from codeprep.synth import mutate_js as mutate_js_module
from codeprep.synth import mutate_xml as mutate_xml_module
from codeprep.synth.mutate_js import mutate_js
from codeprep.synth.mutate_xml import mutate_xml
from codeprep.synth.mutation import REJECT_REASONS, Mutant, MutationRejected

# --------------------------------------------------------------------------------------------------
# rejections and arguments


def test_unparseable_input():
    assert (
        _reason(lambda: mutate_js("function (a {", "javascript", random.Random(0), 1.0))
        == "unparseable_input"
    )
    assert (
        _reason(lambda: mutate_js("let x: = 1;", "typescript", random.Random(0), 1.0)) == "unparseable_input"
    )
    assert _reason(lambda: mutate_xml("<a><b></a>", "xml", random.Random(0), 1.0)) == "unparseable_input"
    assert _reason(lambda: mutate_xml("<a>&nbsp;</a>", "xml", random.Random(0), 1.0)) == "unparseable_input"


def test_entity_declarations_are_refused_before_lxml(monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("lxml must not see a document with a DTD")

    monkeypatch.setattr(mutate_xml_module.etree, "fromstring", never)
    monkeypatch.setattr(mutate_xml_module.etree, "XMLParser", never)
    laughs = '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    laughs += "".join(
        f' <!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">\n' for i in range(1, 10)
    )
    laughs += "]>\n<lolz>&lol9;</lolz>\n"
    xxe = '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>'
    started = time.perf_counter()
    for text in (laughs, xxe, '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd">\n<svg/>'):
        assert (
            _reason(lambda text=text: mutate_xml(text, "svg", random.Random(0), 1.0)) == "entity_declaration"
        )
    assert time.perf_counter() - started < 1.0


def test_too_large_and_no_site():
    big_js = "const a = 1;\n" * 10_000
    assert _reason(lambda: mutate_js(big_js, "javascript", random.Random(0), 1.0)) == "too_large"
    big_xml = "<a>" + "<b/>" * 30_000 + "</a>"
    assert _reason(lambda: mutate_xml(big_xml, "xml", random.Random(0), 1.0)) == "too_large"
    assert _reason(lambda: mutate_js("const a = 1;\n", "javascript", random.Random(0), 1.0)) == "no_site"
    assert _reason(lambda: mutate_js(SNIPPETS[0][1], "javascript", random.Random(0), 0.0)) == "no_site"


def test_invalid_mutants_are_never_returned(monkeypatch):
    bad = type("Verdict", (), {"ok": False})()
    monkeypatch.setattr(mutate_js_module, "check", lambda lang, text: bad)
    monkeypatch.setattr(mutate_xml_module, "check", lambda lang, text: bad)
    assert _reason(lambda: _mutate("javascript", SNIPPETS[0][1], 0, 1.0)) == "invalid_after_mutation"
    assert _reason(lambda: _mutate("svg", ICON, 0, 1.0)) == "invalid_after_mutation"


def test_argument_errors_and_result_types():
    rng = random.Random(0)
    with pytest.raises(ValueError):
        mutate_js("let a;", "python", rng, 0.5)
    with pytest.raises(ValueError):
        mutate_xml("<a/>", "html", rng, 0.5)
    with pytest.raises(ValueError):
        mutate_js("let a;", "javascript", rng, 1.5)
    with pytest.raises(ValueError):
        mutate_xml("<a/>", "xml", rng, 0.5, ["rename_binding"])
    with pytest.raises(ValueError):
        MutationRejected("because")
    assert {MutationRejected(r).reason for r in REJECT_REASONS} == set(REJECT_REASONS)
    mutant = mutate_xml("<a><b/><c/></a>", "xml", rng, 1.0, ["reorder_siblings"])
    assert mutant == Mutant("<a><c/><b/></a>", ("reorder_siblings",))
    with pytest.raises(AttributeError):
        mutant.content = "x"  # type: ignore[misc]
