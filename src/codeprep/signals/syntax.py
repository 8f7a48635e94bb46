"""A syntax verdict per document: does it parse in its language? Nothing is ever executed.

``check(lang, text)`` returns a :class:`Verdict` (ok, a short stable error class, the 1-based line and
column of the first error, the parser that decided, and the UTF-8 bytes inside comments). It never
raises for any ``str`` input: every parser-specific exception, ``RecursionError`` and ``MemoryError``
included, becomes a verdict. Time and memory are bounded one level up, by :mod:`.budget`.

The verdict is the compilers' (bench/results/syntax.json measures each language against them on two
pinned corpora): where a fast Python parser agrees, it decides; where it does not, the reference
parser itself decides, in one long-lived node process (:mod:`.node_parsers`, ``node/parsers.mjs``):

* **javascript / jsx** — tree-sitter-javascript (parses JSX and hashbang lines). A tree with an
  ``ERROR`` or ``MISSING`` node is a rejection, which acorn (ECMAScript latest; module, else CommonJS
  script; JSX allowed in ``.js``) then confirms or overturns. Flow: a ``.js`` file with the ``@flow``
  pragma that tree-sitter-javascript rejects is re-parsed with tree-sitter-tsx (TS annotations are a
  superset of the common Flow ones), which decides (acorn has no Flow either).
  ``js_backend="esprima"`` selects esprima 4 instead (pure Python, ES2017: kept for comparison; input
  over ``ESPRIMA_MAX_CHARS`` is ``too_complex``).
* **typescript / tsx** — tree-sitter-typescript first; what it rejects goes to TypeScript 5's parser
  (``createSourceFile`` + ``parseDiagnostics``), which decides. The pinned grammar has gaps on modern
  generic-heavy code (a generic call signature after another member of a type literal, ``<in out T>``,
  ``import("x").T``...): those files cost a second parse, never a wrong drop.
* **css / scss** — postcss / postcss-scss. tree-sitter-css/scss accepted a fifth of broken files and
  rejected modern Sass; postcss is what the CSS toolchain (autoprefixer, stylelint, Vite) parses with.
* **html** — parse5 (the WHATWG parser, as in jsdom) and :data:`PARSE5_FATAL_CODES`: every page
  "parses"; the policy says which parse errors mean the markup is broken.
* **mdx** — @mdx-js/mdx ``compile`` (MDX 3: Markdown + ESM + JSX + expressions; the generated
  JavaScript string is thrown away, never evaluated).
* **xml / svg** — lxml with entity resolution, DTD loading, DTD validation, network access and
  ``huge_tree`` all off. A document whose text declares an entity (``<!ENTITY``, general or parameter)
  is refused *before* libxml2 sees it (``entity_declaration``): a billion-laughs or XXE file never
  expands and never reads a file. libxml2's depth limit (256 without ``huge_tree``) → ``too_deep``;
  an element still open at EOF → ``unclosed_element``; ``</b>`` closing ``<a>`` → ``mismatched_end_tag``;
  an unterminated comment/CDATA → ``unterminated``; anything else → ``not_well_formed``. The text was
  decoded by ingest, so an XML declaration's ``encoding="..."`` is rewritten to UTF-8 before the text is
  encoded to UTF-8 bytes (positions are unchanged unless the name's length differs on line 1).
* **markdown** — markdown-it (CommonMark) always parses: ok; comment bytes are ``<!-- -->`` comments.
* **json** (incl. ``.map`` source maps) — ``json.loads``; comments, trailing commas, JSON5 are
  ``invalid_json``; nesting past Python's recursion limit is ``too_deep``.
* **other** — no validator: ``ok=None``, parser ``"none"``.

Error classes: tree-sitter ``syntax_error`` / ``missing_token``; a reference rejection
``syntax_error`` (HTML: the parse5 code); a reference that could not decide (stack overflow, V8 heap)
``too_complex``. Positions: 1-based line and 1-based column in characters.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from functools import cache
from typing import Any

from codeprep.signals import node_parsers, treesitter
from codeprep.signals.params import JS_BACKENDS

__all__ = [
    "ESPRIMA_MAX_CHARS",
    "JS_BACKENDS",
    "PARSE5_FATAL_CODES",
    "REFERENCE",
    "Verdict",
    "check",
    "parser_for",
    "warm_up",
]


#: esprima is pure Python (~0.1 MB/s): a 2 M-character file already takes ~20 s. Bigger input is not
#: parsed and gets ``too_complex`` (a verdict about the validator, not about the code).
ESPRIMA_MAX_CHARS = 2_000_000


@dataclass(frozen=True)
class Verdict:
    ok: bool | None  # None: no validator for this language
    error: str  # "" when ok, else a short stable class
    line: int | None  # 1-based line of the first error (None when ok)
    col: int | None  # 1-based column (characters)
    parser: str  # which parser decided
    comment_bytes: int  # UTF-8 bytes inside comments (0 where the parser cannot tell)


def _ok(parser: str, comment_bytes: int = 0) -> Verdict:
    return Verdict(True, "", None, None, parser, comment_bytes)


def _bad(parser: str, error: str, line: int | None, col: int | None, comment_bytes: int = 0) -> Verdict:
    return Verdict(False, error, line, col, parser, comment_bytes)


def _ts_verdict(grammar: str, text: str) -> Verdict:
    src = text.encode("utf-8")
    _, err, comment_bytes = treesitter.parse(grammar, src)
    name = treesitter.PARSER_NAMES[grammar]
    if err is None:
        return _ok(name, comment_bytes)
    cls, start, row = err
    return _bad(name, cls, row + 1, treesitter.char_col(src, start), comment_bytes)


def _reference(lang: str, text: str, comment_bytes: int = 0) -> Verdict:
    """The verdict of ``lang``'s reference parser under node (see :data:`REFERENCE`)."""
    kind, name = REFERENCE[lang]
    answer = node_parsers.shared().ask(kind, text)
    if lang == "html":
        return _html_verdict(answer, text)
    comment_bytes = answer.get("comment_bytes", comment_bytes)
    if answer["ok"] is None:  # stack overflow, V8 out of heap: the parser could not decide
        return _bad(name, "too_complex", None, None, comment_bytes)
    if answer["ok"]:
        return _ok(name, comment_bytes)
    return _bad(name, "syntax_error", answer.get("line"), answer.get("col"), comment_bytes)


#: oxc's source type per language (JSX allowed in ``.js``: React code ships JSX in ``.js`` files).
_OXC_SOURCE = {"javascript": "jsx", "jsx": "jsx", "typescript": "ts", "tsx": "tsx"}
_GRAMMAR = {"javascript": "javascript", "jsx": "javascript", "typescript": "typescript", "tsx": "tsx"}
#: oxc-python 0.1.1 builds the whole AST as Python objects, recursively, and overflows the C stack
#: (a segfault, not an exception) past a few thousand levels: ``"[" * 10_000`` or a chain of 50,000
#: ``a+`` crash it, ``"[" * 5_000`` does not. A text this short cannot nest that deep, so it is
#: parsed in process anywhere; a longer one only in the budget child (``ISOLATED``, set by
#: :mod:`.budget`), where a crash costs that child and the document is ``too_complex``. Elsewhere
#: (clean, synth, instruct: texts that already passed signals, or short generated snippets) longer
#: texts take tree-sitter as the fast path instead; the reference decides rejections either way.
OXC_INPROCESS_MAX_CHARS = 8_000
ISOLATED = False


_FLOW_PRAGMA = re.compile(r"@flow\b")


def _is_flow(text: str) -> bool:
    """The ``@flow`` pragma sits in the file's leading comments; look in the first 2 KB only."""
    return _FLOW_PRAGMA.search(text, 0, 2048) is not None


def _oxc_verdict(lang: str, text: str) -> Verdict:
    import oxc_python

    result = oxc_python.parse(text, source_type=_OXC_SOURCE[lang])
    comment_bytes = sum(c.span.end - c.span.start for c in result.comments)
    if result.is_valid and not result.panicked:
        return _ok("oxc", comment_bytes)
    return _bad("oxc", "syntax_error", None, None, comment_bytes)


def _fast_then_reference(lang: str, text: str) -> Verdict:
    """A fast parser first (oxc, else tree-sitter: both accept ~99% or more of real files); what it
    rejects goes to the reference (acorn, TypeScript 5), which decides. A fast parser's gap (the
    pinned tree-sitter grammar misses generic call signatures after a member, ``<in out T>``,
    ``import("x").T``...; oxc refuses CommonJS's top-level ``return``) costs a second parse, never a
    wrong drop; a broken file the fast parser accepts stays accepted (its reject rate is in
    bench/results/syntax.json)."""
    if ISOLATED or len(text) <= OXC_INPROCESS_MAX_CHARS:
        first = _oxc_verdict(lang, text)
    else:
        first = _ts_verdict(_GRAMMAR[lang], text)
    if first.ok:
        return first
    if lang == "javascript" and _is_flow(text):  # acorn has no Flow: tree-sitter-tsx's TS annotations judge
        flow = _ts_verdict("tsx", text)
        if flow.ok:
            return flow
    verdict = _reference(lang, text, first.comment_bytes)
    if verdict.ok and first.parser == "oxc":
        # oxc gave up part-way (e.g. at an Annex B ``<!--`` comment, script-only): tree-sitter's error
        # recovery still finds every comment node
        return _ok(verdict.parser, _ts_verdict(_GRAMMAR[lang], text).comment_bytes)
    return verdict


# --------------------------------------------------------------------------------------------------
# esprima


def _check_esprima(text: str) -> Verdict:
    if len(text) > ESPRIMA_MAX_CHARS:
        return _bad("esprima", "too_complex", None, None)
    import esprima

    if text.startswith("#!"):  # Node strips the hashbang; keep the positions by blanking it to a comment
        text = "//" + text[2:]
    options = {"jsx": True, "tolerant": False, "comment": True}
    first_error: Exception | None = None
    for parse in (esprima.parseModule, esprima.parseScript):
        try:
            program = parse(text, options)
        except RecursionError:
            return _bad("esprima", "too_deep", None, None)
        except Exception as exc:  # esprima.Error and anything its pure-Python internals raise
            first_error = first_error or exc
            continue
        comments = getattr(program, "comments", None) or []
        return _ok("esprima", sum(len((c.value or "").encode("utf-8")) for c in comments))
    line = getattr(first_error, "lineNumber", None)
    col = getattr(first_error, "column", None)
    return _bad(
        "esprima",
        "syntax_error",
        line if isinstance(line, int) else None,
        col if isinstance(col, int) else None,
    )


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


def _xml_parser():
    parser = getattr(_local, "xml_parser", None)
    if parser is None:
        from lxml import etree

        parser = _local.xml_parser = etree.XMLParser(**_xml_parser_options())
    return parser


def _check_xml(text: str) -> Verdict:
    from lxml import etree

    match = _ENTITY_DECL.search(text)
    if match:  # never hand libxml2 a document that declares entities (billion laughs, XXE)
        line = text.count("\n", 0, match.start()) + 1
        col = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        return _bad("lxml", "entity_declaration", line, col)
    text = _XML_DECL_ENCODING.sub(r"\1\2UTF-8\2", text, count=1)
    try:
        root = etree.fromstring(text.encode("utf-8"), _xml_parser())
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
        return _bad("lxml", cls, line, col)
    comment_bytes = 0
    nodes = [*root.itersiblings(preceding=True), *root.iter(etree.Comment), *root.itersiblings()]
    for node in nodes:
        if isinstance(node, etree._Comment):
            comment_bytes += len((node.text or "").encode("utf-8"))
    return _ok("lxml", comment_bytes)


def _lxml_position(exc) -> tuple[int | None, int | None]:
    pos = getattr(exc, "position", None)
    if pos and isinstance(pos[0], int) and pos[0] > 0:
        return pos[0], max(int(pos[1]), 1)
    line = exc.lineno if isinstance(exc.lineno, int) and exc.lineno > 0 else None
    col = exc.offset + 1 if isinstance(exc.offset, int) and line else None
    return line, col


# --------------------------------------------------------------------------------------------------
# HTML (parse5 under node, and the policy that says which WHATWG parse errors break a page)

#: parse5 error codes that mean the markup is broken: EOF inside a construct or with elements open,
#: stray end tags, misnesting, ``</>``. ``<>`` is ``invalid-first-character-of-tag-name`` at a ``>``
#: (the code alone is ``a < b`` in text, which every browser shows as text). Everything else parse5
#: reports is sloppy but unambiguous (missing doctype, unquoted or duplicate attributes, ``<br/>``,
#: ``&copy`` without ``;``, a ``<?xml?>`` prolog...). parse5 reports few tree-construction errors, so
#: ``parsers.mjs`` adds ``element-not-closed`` from the tree: an element written in the source, neither
#: void nor with an optional end tag nor self-closed, whose end tag never came. The pipeline and the
#: benchmark's reference read this one set.
PARSE5_FATAL_CODES = frozenset(
    {
        "eof-before-tag-name",
        "eof-in-tag",
        "eof-in-comment",
        "eof-in-doctype",
        "eof-in-cdata",
        "eof-in-script-html-comment-like-text",
        "eof-in-element-that-can-contain-only-text",
        "open-elements-left-after-eof",
        "end-tag-without-matching-open-element",
        "closing-of-element-with-open-child-elements",
        "missing-end-tag-name",
        "element-not-closed",
    }
)


def html_fatal_error(answer: dict) -> dict | None:
    """The first of parse5's errors (in ``answer["errors"]``, sorted by position) that breaks the page."""
    for err in answer.get("errors", ()):
        code = err["code"]
        if code in PARSE5_FATAL_CODES or (
            code == "invalid-first-character-of-tag-name" and err.get("at", "")[:1] == ">"
        ):
            return err
    return None


def _html_verdict(answer: dict, text: str) -> Verdict:
    comment_bytes = _comment_bytes_html(text)
    if answer["ok"] is None:
        return _bad("parse5", "too_complex", None, None, comment_bytes)
    err = html_fatal_error(answer)
    if err is None:
        return _ok("parse5", comment_bytes)
    return _bad("parse5", err["code"], err.get("line"), err.get("col"), comment_bytes)


def _comment_bytes_html(text: str) -> int:
    total, pos = 0, 0
    while True:
        start = text.find("<!--", pos)
        if start < 0:
            return total
        end = text.find("-->", start + 4)
        if end < 0:
            return total
        total += len(text[start + 4 : end].encode("utf-8"))
        pos = end + 3


# --------------------------------------------------------------------------------------------------
# JSON, Markdown


def _check_json(text: str) -> Verdict:
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return _bad("json", "invalid_json", exc.lineno, exc.colno)
    except RecursionError:
        return _bad("json", "too_deep", None, None)
    return _ok("json")


@cache
def _markdown_it():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark")


def _check_markdown(text: str) -> Verdict:
    _markdown_it().parse(text)
    return _ok("markdown-it", _comment_bytes_html(text))


# --------------------------------------------------------------------------------------------------
# The verdict


#: Languages the reference decides, with the kind ``parsers.mjs`` takes and the parser's name. For
#: javascript/jsx/typescript/tsx it decides only what the fast parser rejected (:func:`_fast_then_reference`).
REFERENCE: dict[str, tuple[str, str]] = {
    "javascript": ("js", "acorn"),
    "jsx": ("jsx", "acorn"),
    "typescript": ("ts", "typescript"),
    "tsx": ("tsx", "typescript"),
    "css": ("css", "postcss"),
    "scss": ("scss", "postcss-scss"),
    "html": ("html", "parse5"),
    "mdx": ("mdx", "@mdx-js/mdx"),
}

#: lang → (the parser named when it fails before deciding, the check). One row per language.
_CHECKS: dict[str, tuple[str, Any]] = {
    "javascript": ("oxc", lambda t: _fast_then_reference("javascript", t)),
    "jsx": ("oxc", lambda t: _fast_then_reference("jsx", t)),
    "typescript": ("oxc", lambda t: _fast_then_reference("typescript", t)),
    "tsx": ("oxc", lambda t: _fast_then_reference("tsx", t)),
    "css": ("postcss", lambda t: _reference("css", t)),
    "scss": ("postcss-scss", lambda t: _reference("scss", t)),
    "html": ("parse5", lambda t: _reference("html", t)),
    "mdx": ("@mdx-js/mdx", lambda t: _reference("mdx", t)),
    "xml": ("lxml", _check_xml),
    "svg": ("lxml", _check_xml),
    "markdown": ("markdown-it", _check_markdown),
    "json": ("json", _check_json),
}


def warm_up() -> None:
    """Load every parser once (tree-sitter grammars, lxml, node and each reference module), so the
    first document of a language is not charged ~0.3 s of module loading against its budget."""
    for lang, text in (("javascript", "a"), ("typescript", "a"), ("tsx", "a"), ("xml", "<a/>")):
        check(lang, text)
    for lang in REFERENCE:
        _reference(lang, "")


def parser_for(lang: str, js_backend: str = "tree-sitter") -> str:
    """The parser a verdict on ``lang`` names when no parser got to decide (a budget stop)."""
    if js_backend == "esprima" and lang in ("javascript", "jsx"):
        return "esprima"
    return _CHECKS[lang][0] if lang in _CHECKS else "none"


def check(lang: str, text: str, js_backend: str = "tree-sitter") -> Verdict:
    """The syntax verdict for ``text`` in ``lang``; never raises for ``str`` input (a missing node
    set-up raises :class:`~codeprep.signals.node_parsers.NodeParsersMissing`: that is not a verdict).
    No time or memory bound here: :mod:`codeprep.signals.budget` adds them."""
    if js_backend not in JS_BACKENDS:
        raise ValueError(f"js_backend must be one of {JS_BACKENDS}, not {js_backend!r}")
    parser = parser_for(lang, js_backend)
    if parser == "esprima":
        run = _check_esprima
    elif lang in _CHECKS:
        run = _CHECKS[lang][1]
    else:
        return Verdict(None, "", None, None, "none", 0)
    try:
        return run(text)
    except node_parsers.NodeParsersMissing:
        raise
    except RecursionError:
        return _bad(parser, "too_deep", None, None)
    except MemoryError:
        return _bad(parser, "too_complex", None, None)
    except Exception:  # a parser bug must not kill a shard: record it as the verdict
        return _bad(parser, "parser_error", None, None)
