"""Per-document quality signals, as used by the strongest code-data pipelines (bigcode's StarCoder
filters, datatrove, NeMo Curator): line lengths, alphanumeric and alphabetic fractions, comment
fraction, encoded-blob fraction, numeric-data fraction, and for HTML the visible text.

Counting is done with C-speed regex substitutions rather than Python loops over characters: the
signals stage touches every byte of the corpus.
"""

from __future__ import annotations

import re
from typing import Any

import lxml.html
from lxml import etree

_NON_ALNUM = re.compile(r"[\W_]+")
_NON_ALPHA = re.compile(r"[\W\d_]+")
_NON_DIGIT = re.compile(r"\D+")
_WHITESPACE = re.compile(r"\s+")
#: Long runs of base64 (hex is a subset): inlined fonts/images (data URIs), hashes, embedded binaries.
_BLOB = re.compile(r"[A-Za-z0-9+/]{64,}={0,2}")
_ASCII = bytes(range(128))
_ASCII_KEEP = {
    "alnum": bytes(c for c in _ASCII if chr(c).isalnum()),
    "alpha": bytes(c for c in _ASCII if chr(c).isalpha()),
    "digit": bytes(c for c in _ASCII if chr(c).isdigit()),
    "space": bytes(c for c in _ASCII if chr(c).isspace()),
}
_ASCII_DROP = {name: bytes(c for c in _ASCII if c not in keep) for name, keep in _ASCII_KEEP.items()}


def _counts(text: str) -> dict[str, int]:
    """Alphanumeric, alphabetic, digit and whitespace character counts. ASCII text (most code) is
    counted with ``bytes.translate`` at memory speed; other text with Unicode-aware regexes."""
    if text.isascii():
        raw = text.encode("ascii")
        return {name: len(raw.translate(None, drop)) for name, drop in _ASCII_DROP.items()}
    n = len(text)
    return {
        "alnum": len(_NON_ALNUM.sub("", text)),
        "alpha": len(_NON_ALPHA.sub("", text)),
        "digit": len(_NON_DIGIT.sub("", text)),
        "space": n - len(_WHITESPACE.sub("", text)),
    }


#: Elements whose text a reader never sees.
_INVISIBLE = ("script", "style", "noscript", "template", "svg")


_HTML_PARSER = lxml.html.HTMLParser(encoding="utf-8", no_network=True, remove_comments=True)


def html_visible_text(text: str) -> str:
    """Text a browser would show: HTML parsed leniently (lxml's HTML parser never fetches anything
    and never fails on tag soup), scripts/styles/inline SVG removed, whitespace collapsed."""
    try:
        root = lxml.html.document_fromstring(text.encode("utf-8"), parser=_HTML_PARSER)
    except (etree.ParserError, ValueError):
        return ""
    for element in list(root.iter(*_INVISIBLE)):
        element.drop_tree()
    return _WHITESPACE.sub(" ", root.text_content()).strip()


def quality_signals(
    text: str, lang: str, comment_bytes: int, size_bytes: int | None = None
) -> dict[str, Any]:
    """Signals of one document; ``comment_bytes`` comes from the syntax parser's comment nodes.

    ``numeric_fraction`` is digits among non-whitespace characters (data tables, coordinate dumps);
    the other fractions are over all characters, as in bigcode's filters.
    """
    n = max(1, len(text))
    if size_bytes is None:  # the record carries it; encode only for a bare string
        size_bytes = len(text.encode("utf-8"))
    lines = text.split("\n")
    counts = _counts(text)
    non_space = max(1, len(text) - counts["space"])
    signals: dict[str, Any] = {
        "lines": len(lines),
        "max_line_length": max(len(line) for line in lines),
        "mean_line_length": len(text) / len(lines),
        "alnum_fraction": counts["alnum"] / n,
        "alpha_fraction": counts["alpha"] / n,
        "comment_fraction": min(1.0, comment_bytes / max(1, size_bytes)),
        "blob_fraction": sum(m.end() - m.start() for m in _BLOB.finditer(text)) / n,
        "numeric_fraction": counts["digit"] / non_space,
        "html_visible_chars": None,
        "html_visible_fraction": None,
    }
    if lang == "html":
        visible = html_visible_text(text)
        signals["html_visible_chars"] = len(visible)
        signals["html_visible_fraction"] = len(visible) / n
    return signals
