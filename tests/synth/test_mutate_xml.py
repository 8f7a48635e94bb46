"""AST mutations of XML/SVG (codeprep.synth.mutate_xml): exact output per operator."""

from __future__ import annotations

import random

from lxml import etree
from mutation_cases import ICON, LAYOUT, POM, _reason, _xml

from codeprep.synth.mutate_xml import mutate_xml

# --------------------------------------------------------------------------------------------------
# XML / SVG


def test_modify_attribute_values_keeps_number_format_and_skips_id_and_version():
    out = _xml(ICON, "svg", op="modify_attribute_values")
    root = etree.fromstring(out.encode())
    assert root.get("version") == "1.1"
    assert root[0].get("id") == "p1"
    for name in ("width", "height"):
        assert root.get(name).isdigit() and root.get(name) != "24"
    stroke = root.get("stroke-width")
    assert len(stroke.split(".")[1]) == 2 and stroke != "1.50"
    assert root[2].get("rx").isdigit() and root[2].get("rx") != "2"
    padding = etree.fromstring(_xml(LAYOUT, op="modify_attribute_values").encode()).get(
        "{http://schemas.android.com/apk/res/android}padding"
    )
    assert padding.endswith("dp") and padding[:-2].isdigit() and padding != "16dp"


def test_modify_attribute_values_swaps_strings_for_values_the_document_uses():
    out = _xml(POM, op="modify_attribute_values")
    scopes = etree.fromstring(out.encode()).xpath("//*[local-name()='dependency']/@scope")
    assert scopes == ["compile", "test"]
    assert out.startswith('<?xml version="1.0" encoding="ISO-8859-1"?>\n<!-- build file -->\n<project ')


def test_add_nested_element_duplicates_leaves_only_with_known_tags():
    out = _xml(ICON, "svg", op="add_nested_element")
    root = etree.fromstring(out.encode())
    tags = [etree.QName(e).localname for e in root]
    assert tags == ["path", "circle", "circle", "rect", "rect"]  # the leaf with an id is not copied
    assert out.endswith('<rect x="2" y="2" width="20" height="20" rx="2"/>\n</svg>\n')
    assert "  <circle" in out.splitlines()[3]  # indentation kept


def test_reorder_siblings_keeps_the_multiset_of_children():
    def unordered(element) -> tuple:
        """The tree up to sibling order: children as a sorted multiset, recursively."""
        kids = sorted(unordered(c) for c in element)
        return (element.tag, sorted(element.attrib.items()), (element.text or "").strip(), kids)

    def tree(text: str):
        return etree.fromstring(text.replace('encoding="ISO-8859-1"', 'encoding="UTF-8"').encode())

    for seed in range(5):
        out = _xml(POM, op="reorder_siblings", seed=seed)
        assert unordered(tree(out)) == unordered(tree(POM))
        assert out != POM
        assert all(line.startswith("  ") for line in out.splitlines()[3:-1])


def test_namespace_declaration_and_processing_instruction():
    out = _xml(LAYOUT, op="add_namespace_declaration", seed=2)
    root = etree.fromstring(out.encode())
    added = set(root.nsmap) - {"android"}
    assert len(added) == 1
    prefix = added.pop()
    assert root.nsmap[prefix] == f"urn:codeprep:{prefix}"
    out = _xml(ICON, "svg", op="insert_processing_instruction")
    assert out.startswith('<?xml-stylesheet type="text/css" href="style.css"?>\n<svg ')
    out = _xml(POM, op="insert_processing_instruction")
    assert '<!-- build file -->\n<?xml-stylesheet type="text/xsl" href="style.xsl"?>\n<project' in out
    assert (
        _reason(lambda: mutate_xml(out, "xml", random.Random(0), 1.0, ["insert_processing_instruction"]))
        == "no_site"
    )
