"""XML and SVG: lxml with entities, DTDs and the network off; an entity declaration is refused
before libxml2 sees it."""

from __future__ import annotations

import re
import threading
from functools import cache

from codeprep.signals.syntax.verdict import Verdict, bad, ok

# --------------------------------------------------------------------------------------------------
# XML / SVG (lxml)

_ENTITY_DECL = re.compile(r"<!ENTITY")
_XML_DECL_ENCODING = re.compile(r"""\A(\s*<\?xml\b[^>]*?\bencoding\s*=\s*)(["'])[^"'>]*\2""")

_XML_UNTERMINATED_CODES = {45, 63}  # XML_ERR_COMMENT_NOT_FINISHED, XML_ERR_CDATA_NOT_FINISHED
_XML_MISMATCH = 76  # XML_ERR_TAG_NAME_MISMATCH
_XML_NOT_FINISHED = 77  # XML_ERR_TAG_NOT_FINISHED (element open at EOF)


@cache
def _xml_parser_options() -> dict:
    return {
        "resolve_entities": False,
        "no_network": True,
        "load_dtd": False,
        "dtd_validation": False,
        "huge_tree": False,
        "remove_comments": False,
    }


_local = threading.local()


def xml_parser():
    parser = getattr(_local, "xml_parser", None)
    if parser is None:
        from lxml import etree

        parser = _local.xml_parser = etree.XMLParser(**_xml_parser_options())
    return parser


def check_xml(text: str) -> Verdict:
    from lxml import etree

    match = _ENTITY_DECL.search(text)
    if match:  # never hand libxml2 a document that declares entities (billion laughs, XXE)
        line = text.count("\n", 0, match.start()) + 1
        col = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        return bad("lxml", "entity_declaration", line, col)
    text = _XML_DECL_ENCODING.sub(r"\1\2UTF-8\2", text, count=1)
    try:
        root = etree.fromstring(text.encode("utf-8"), xml_parser())
    except etree.XMLSyntaxError as exc:
        line, col = _lxml_position(exc)
        msg = str(exc.msg or "")
        if "Excessive depth" in msg:
            cls = "too_deep"
        elif exc.code == _XML_NOT_FINISHED:
            cls = "unclosed_element"
        elif exc.code == _XML_MISMATCH:
            cls = "mismatched_end_tag"
        elif exc.code in _XML_UNTERMINATED_CODES:
            cls = "unterminated"
        else:
            cls = "not_well_formed"
        return bad("lxml", cls, line, col)
    comment_bytes = 0
    nodes = [*root.itersiblings(preceding=True), *root.iter(etree.Comment), *root.itersiblings()]
    for node in nodes:
        if isinstance(node, etree._Comment):
            comment_bytes += len((node.text or "").encode("utf-8"))
    return ok("lxml", comment_bytes)


def _lxml_position(exc) -> tuple[int | None, int | None]:
    pos = getattr(exc, "position", None)
    if pos and isinstance(pos[0], int) and pos[0] > 0:
        return pos[0], max(int(pos[1]), 1)
    line = exc.lineno if isinstance(exc.lineno, int) and exc.lineno > 0 else None
    col = exc.offset + 1 if isinstance(exc.offset, int) and line else None
    return line, col
