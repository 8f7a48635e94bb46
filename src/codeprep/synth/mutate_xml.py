"""Tree mutations of XML and SVG documents (lxml) for synthetic instruction data.

Safety first, as in the syntax validator: a document that contains ``<!ENTITY`` or ``<!DOCTYPE`` is
refused (``entity_declaration``) before lxml is called, so a billion-laughs or XXE file never expands
and never reads a file; the parser resolves no entities, loads no DTD, touches no network and keeps
libxml2's size/depth limits (``huge_tree`` off). The text was decoded by ingest, so a declared
``encoding="..."`` is rewritten to UTF-8 for parsing (lxml refuses a ``str`` with a declaration).

Operators, applied in this order (sites in document order; each fires with probability ``rate``,
drawn from ``rng`` only, so the same seed gives byte-identical output):

* ``modify_attribute_values`` — a number (``width="24"``, ``stroke-width="1.5"``, ``16dp``) is scaled
  by a small factor keeping its format (integers stay integers, decimals keep their digits, the unit
  stays); any other value is swapped for a different value the same attribute has elsewhere in the
  document. ``id`` and ``*version*`` attributes are never touched (lxml keeps ``xmlns`` declarations
  out of the attributes, so they cannot be).
* ``add_nested_element`` — a leaf element (no children, no ``id``, not in mixed content) gets a deep
  copy as its next sibling: only tags the document already uses, indentation kept.
* ``reorder_siblings`` — the element children of one element (no comments or text between them) are
  shuffled; whitespace stays by position, and the visible order always changes.
* ``add_namespace_declaration`` — ``xmlns:<prefix>="urn:codeprep:<prefix>"`` with a prefix no element
  uses, appended to the root start tag (lxml cannot add a declaration to an existing element).
* ``insert_processing_instruction`` — an ``<?xml-stylesheet ...?>`` (XSL for XML, CSS for SVG) just
  before the root, unless there is one already.

Output: the prolog (XML declaration, comments, processing instructions, whitespace) is kept verbatim
and the root element is serialised by lxml. Serialisation normalises what the XML infoset does not
record: ``<a></a>`` becomes ``<a/>``, attribute quotes become ``"``, character references become
characters, line ends become ``\\n``. Every result is re-validated with
``codeprep.signals.syntax.check``. Rejections raise :class:`~codeprep.synth.mutation.MutationRejected`.
A ``<!DOCTYPE`` anywhere (even inside a comment) is refused: the check is textual on purpose.
"""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Callable, Sequence

from lxml import etree

from codeprep.signals.syntax import check
from codeprep.synth.mutation import MAX_CHARS, Mutant, MutationRejected, check_args

__all__ = ["LANGS", "OPERATORS", "mutate_xml"]

LANGS = ("xml", "svg")
OPERATORS = (
    "modify_attribute_values",
    "add_nested_element",
    "reorder_siblings",
    "add_namespace_declaration",
    "insert_processing_instruction",
)

_UNSAFE_DECLARATION = re.compile(r"<!(?:ENTITY|DOCTYPE)", re.IGNORECASE)
_DECL_ENCODING = re.compile(r"""\A(\ufeff?<\?xml\b[^>]*?\bencoding\s*=\s*)(["'])[^"'>]*\2""")
#: A plain number with an optional unit; leading zeros are not numbers (``007`` may be a code), and
#: more digits than a float holds exactly are not scaled (a serial number, not a size).
_NUMBER = re.compile(r"(-?)(0|[1-9]\d{0,14})(?:\.(\d{1,6}))?([A-Za-z%]{0,3})")
_FACTORS = (0.5, 0.75, 1.25, 1.5, 2.0)
_PREFIXES = ("cp", "ext", "meta", "gen", "aux")
_STYLESHEET = {
    "xml": 'type="text/xsl" href="style.xsl"',
    "svg": 'type="text/css" href="style.css"',
}


def mutate_xml(
    text: str, lang: str, rng: random.Random, rate: float, operators: Sequence[str] | None = None
) -> Mutant:
    """Mutate ``text`` (``lang`` in :data:`LANGS`); ``operators`` restricts which may fire (default all).

    Raises :class:`MutationRejected` (``too_large``, ``entity_declaration``, ``unparseable_input``,
    ``no_site``, ``invalid_after_mutation``) when there is no valid mutant; ``ValueError`` for a bad
    argument.
    """
    enabled = check_args(lang, LANGS, rate, operators, OPERATORS, rng)
    if len(text) > MAX_CHARS:
        raise MutationRejected("too_large", f"{len(text)} characters")
    if _UNSAFE_DECLARATION.search(text):
        raise MutationRejected("entity_declaration", "DOCTYPE/ENTITY declarations are never parsed")
    root = _parse(text)
    doc = _Document(text, root, lang, rng, rate)
    applied: list[str] = []
    for op in enabled:
        applied += [op] * _OPERATORS[op](doc)
    if not applied:
        raise MutationRejected("no_site", "no operator applied")
    out = doc.serialize()
    if not check(lang, out).ok:
        raise MutationRejected("invalid_after_mutation", "rejected by the syntax validator")
    return Mutant(out, tuple(applied))


def _parse(text: str):
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_blank_text=False,
        strip_cdata=False,  # keep CDATA sections as written
    )
    try:
        data = _DECL_ENCODING.sub(r"\1\2UTF-8\2", text, count=1).encode("utf-8")
        return etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError, UnicodeEncodeError) as exc:
        raise MutationRejected("unparseable_input", str(exc)[:200]) from exc


class _Document:
    """The parsed root plus what serialisation needs: the verbatim prolog and the pending textual
    additions (namespace declaration, processing instruction)."""

    def __init__(self, text: str, root, lang: str, rng: random.Random, rate: float) -> None:
        self.text, self.root, self.lang, self.rng, self.rate = text, root, lang, rng, rate
        self.namespace: str | None = None  # ` xmlns:p="urn:codeprep:p"` to add to the root start tag
        self.instruction: str | None = None  # PI to put just before the root

    def fires(self) -> bool:
        return self.rng.random() < self.rate

    def elements(self) -> list:
        return list(self.root.iter(etree.Element))

    def serialize(self) -> str:
        start = _root_start(self.text)
        body = etree.tostring(self.root, encoding="unicode", with_tail=False)
        if self.namespace is not None:
            # lxml escapes ``>`` in attribute values, so the first one ends the start tag.
            tag_end = body.index(">")
            tag_end -= body[tag_end - 1] == "/"
            body = body[:tag_end] + self.namespace + body[tag_end:]
        if self.instruction is not None:
            body = self.instruction + "\n" + body
        trailer = "".join(
            "\n" + etree.tostring(n, encoding="unicode", with_tail=False) for n in self.root.itersiblings()
        )
        end = len(self.text.rstrip())
        if trailer:
            return self.text[:start] + body + trailer + self.text[end:]
        return self.text[:start] + body + self.text[end:]


def _root_start(text: str) -> int:
    """Offset of the root start tag: past the BOM, whitespace, the XML declaration, comments and
    processing instructions (a DOCTYPE never gets here)."""
    pos = 1 if text.startswith("\ufeff") else 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if text.startswith("<?", pos):
            pos = text.index("?>", pos) + 2
        elif text.startswith("<!--", pos):
            pos = text.index("-->", pos + 4) + 3
        else:
            return pos


def _is_blank(text: str | None) -> bool:
    return text is None or not text.strip()


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


# --------------------------------------------------------------------------------------------------
# operators: each mutates the document and returns how many times it applied


def _modify_attribute_values(doc: _Document) -> int:
    values: dict[str, list[str]] = {}  # attribute -> distinct values in document order
    for element in doc.elements():
        for name, value in element.attrib.items():
            if value not in values.setdefault(name, []):
                values[name].append(value)
    applied = 0
    for element in doc.elements():
        for name, value in list(element.attrib.items()):
            local = _local(name).lower()
            if local == "id" or "version" in local:
                continue
            number = _NUMBER.fullmatch(value)
            others = [v for v in values[name] if v != value]
            if (number is None and not others) or not doc.fires():
                continue
            element.set(name, _scaled(number, doc.rng) if number else doc.rng.choice(others))
            applied += 1
    return applied


def _scaled(number: re.Match, rng: random.Random) -> str:
    """The number times a factor from ``_FACTORS``, in the same format; never the same value."""
    sign, whole, fraction, unit = number.groups()
    value = float(f"{sign}{whole}.{fraction or 0}")
    factor = rng.choice(_FACTORS)
    if fraction is None:
        new = round(value * factor)
        new = new if new != value else int(value) + 1
        return f"{new}{unit}"
    digits = len(fraction)
    new_value = round(value * factor, digits)
    if new_value == value:
        new_value = value + 10**-digits
    return f"{new_value:.{digits}f}{unit}"


def _add_nested_element(doc: _Document) -> int:
    applied = 0
    for element in doc.elements():
        parent = element.getparent()
        if parent is None or len(element) or any(_local(a).lower() == "id" for a in element.attrib):
            continue
        after = element.tail
        previous = element.getprevious()
        # The copy goes between the leaf and what followed it; the leaf now needs the whitespace a
        # sibling gets, which is what the previous sibling (or the parent's text) already has.
        before = (
            after
            if element.getnext() is not None
            else (previous.tail if previous is not None else parent.text)
        )
        if not (_is_blank(after) and _is_blank(before)) or not doc.fires():
            continue
        twin = copy.deepcopy(element)
        element.tail, twin.tail = before, after
        element.addnext(twin)
        applied += 1
    return applied


def _reorder_siblings(doc: _Document) -> int:
    applied = 0
    for element in doc.elements():
        children = list(element)
        if (
            len(children) < 2
            or not _is_blank(element.text)
            or any(not isinstance(c.tag, str) or not _is_blank(c.tail) for c in children)
        ):
            continue
        shapes = [etree.tostring(c, with_tail=False) for c in children]
        if len(set(shapes)) < 2 or not doc.fires():
            continue
        order = list(range(len(children)))
        doc.rng.shuffle(order)
        if [shapes[i] for i in order] == shapes:  # a no-op shuffle: rotate instead (always visible)
            order = [*range(1, len(children)), 0]
        tails = [c.tail for c in children]
        element[:] = [children[i] for i in order]
        for child, tail in zip(element, tails, strict=True):
            child.tail = tail
        applied += 1
    return applied


def _add_namespace_declaration(doc: _Document) -> int:
    if not doc.fires():
        return 0
    used = {prefix for e in doc.elements() for prefix in e.nsmap if prefix}
    base = doc.rng.choice(_PREFIXES)
    prefix, n = base, 2
    while prefix in used or f"xmlns:{prefix}=" in doc.text:
        prefix, n = f"{base}{n}", n + 1
    doc.namespace = f' xmlns:{prefix}="urn:codeprep:{prefix}"'
    return 1


def _insert_processing_instruction(doc: _Document) -> int:
    for node in doc.root.itersiblings(preceding=True):
        if node.tag is etree.PI and node.target == "xml-stylesheet":
            return 0
    if not doc.fires():
        return 0
    doc.instruction = f"<?xml-stylesheet {_STYLESHEET[doc.lang]}?>"
    return 1


_OPERATORS: dict[str, Callable[[_Document], int]] = {
    "modify_attribute_values": _modify_attribute_values,
    "add_nested_element": _add_nested_element,
    "reorder_siblings": _reorder_siblings,
    "add_namespace_declaration": _add_namespace_declaration,
    "insert_processing_instruction": _insert_processing_instruction,
}
