"""A syntax verdict per document: does it parse in its language? Nothing is ever executed.

``check(lang, text)`` returns a :class:`Verdict` (ok, a short stable error class, the 1-based line and
column of the first error, the parser that decided, and the UTF-8 bytes inside comments). It never
raises for any ``str`` input: every parser-specific exception, ``RecursionError`` and ``MemoryError``
included, becomes a verdict.

Validators, one per language:

* **javascript / jsx** — tree-sitter-javascript (parses JSX and hashbang lines). A tree with an ``ERROR``
  node is ``syntax_error``, one with a ``MISSING`` node (a token the parser had to invent, e.g. an
  unclosed ``}``) is ``missing_token``; the first by position is reported. ``root_node.has_error`` is
  O(1), the error nodes are found with a query (``(ERROR)``, ``(MISSING)``) that runs in C.
  Flow: tree-sitter-javascript has no Flow type annotations; a ``.js`` file that carries the
  ``@flow`` pragma in its leading comments and fails is re-parsed with tree-sitter-tsx (TS annotations
  are a superset of the common Flow ones) and that parser decides.
  ``js_backend="esprima"`` selects esprima 4 instead (module, then script; JSX on). esprima is pure
  Python (~0.1 MB/s) and stops at ES2017: it rejects ``?.``, ``??``, class fields, ``#private``,
  numeric separators... — those are *its* false rejections and are reported as such, not hidden.
  The one normalisation: a leading hashbang line is blanked (Node strips it before parsing; esprima 4
  predates ES2023 hashbang grammar). Input over ``ESPRIMA_MAX_CHARS`` is not parsed:
  ``timeout_or_too_large``.
* **typescript / tsx** — tree-sitter-typescript ``language_typescript()`` / ``language_tsx()`` (``.d.ts``
  is typescript). Always tree-sitter, whatever ``js_backend`` says.
* **css / scss** — tree-sitter-css / tree-sitter-scss, same ERROR/MISSING logic.
* **xml / svg** — lxml with entity resolution, DTD loading, DTD validation, network access and
  ``huge_tree`` all off. A document whose text declares an entity (``<!ENTITY``, general or parameter)
  is refused *before* libxml2 sees it (``entity_declaration``): a billion-laughs or XXE file never
  expands and never reads a file. libxml2's depth limit (256 without ``huge_tree``) → ``too_deep``;
  an element still open at EOF → ``unclosed_element``; ``</b>`` closing ``<a>`` → ``mismatched_end_tag``;
  an unterminated comment/CDATA → ``unterminated``; anything else → ``not_well_formed``. The text was
  decoded by ingest, so an XML declaration's ``encoding="..."`` is rewritten to UTF-8 before the text is
  encoded to UTF-8 bytes (positions are unchanged unless the name's length differs on line 1).
* **html** — html5lib (the WHATWG algorithm, pure Python). Every HTML document "parses"; what matters is
  which parse errors it raised. :data:`HTML_FATAL_CODES` / :func:`_html_error_is_fatal` split them:

  - FATAL (structurally broken: the tree a browser builds is not what the text says): end of file
    inside a tag, attribute, comment, doctype, script/style/title/textarea or with non-void
    elements still open (every code mentioning ``eof`` except the two below); stray end tags of
    non-void elements (``unexpected-end-tag`` and its phase variants); misnesting (``end-tag-too-early*``,
    ``expected-one-end-tag-but-got-another``, ``adoption-agency-*``); malformed tags
    (``expected-tag-name-but-got-right-bracket`` ``<>``, ``expected-closing-tag-but-got-*`` ``</>``/``</ x>``).
  - SLOPPY (browsers and authors agree on the result): missing/unknown doctype
    (``expected-doctype-but-got-*`` incl. ``-eof`` for an empty page), unquoted/duplicate attributes and
    characters in them, optional end tags omitted (``<p>``, ``<li>``, ``<td>``...), ``<br/>``-style and
    ``<div/>`` trailing solidus, end tags of void elements (``</br>``, ``</img>``), entity problems
    (``&copy`` without ``;``, ``&#`` at EOF), odd comments (``<!-- a -- b -->``), head/body/table
    placement (``unexpected-start-tag*``, table "voodoo"), deprecated tags, ``<`` in text that is not a
    tag (``expected-tag-name``: ``a < b`` or a template's ``<%``: every browser shows it as text),
    ``<?xml ...?>`` prologs (``expected-tag-name-but-got-question-mark``).

  ok when no fatal error; the first fatal error's code and position are reported (html5lib's column
  points just past the offending token). Input over ``HTML_MAX_CHARS`` → ``timeout_or_too_large``.
* **mdx** — MDX 2 = Markdown + ESM + JSX + ``{expressions}``, checked by :func:`_check_mdx` (see there):
  fences tracked (an unterminated fence is ``unterminated``), YAML front matter skipped, top-level
  ``import``/``export`` paragraphs parsed as JS modules (``esm_error``), JSX/expression blocks (paragraphs
  starting ``<X``, ``<>``, ``</`` or ``{``) parsed as JSX, merging paragraphs until the tags balance
  (``jsx_error``). Markdown inside JSX and inline JSX in prose are not checked.
* **markdown** — markdown-it (CommonMark) always parses: ok; comment bytes are ``<!-- -->`` comments.
* **json** (incl. ``.map`` source maps) — ``json.loads``; comments, trailing commas, JSON5 are
  ``invalid_json``; nesting past Python's recursion limit is ``too_deep``.
* **other** — no validator: ``ok=None``, parser ``"none"``.

Positions: 1-based line and 1-based column in characters (tree-sitter's byte columns are converted).
Parser, language and query objects are created once per process (parsers once per thread).
"""

from __future__ import annotations

import json
import re
import threading
import warnings
from dataclasses import dataclass
from functools import cache

__all__ = [
    "ESPRIMA_MAX_CHARS",
    "HTML_FATAL_CODES",
    "HTML_MAX_CHARS",
    "JS_BACKENDS",
    "Verdict",
    "check",
]

JS_BACKENDS = ("tree-sitter", "esprima")

#: esprima is pure Python (~0.1 MB/s): a 2 M-character file already takes ~20 s. Bigger input is not
#: parsed and gets ``timeout_or_too_large`` (a verdict about the validator, not about the code).
ESPRIMA_MAX_CHARS = 2_000_000

#: html5lib is pure Python (~0.5 MB/s) and can go quadratic on pathological nesting.
HTML_MAX_CHARS = 4_000_000

#: Paragraph merges an MDX JSX region may try before it is declared unclosed (bounds time).
MDX_MAX_REGION_PARSES = 200


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


# --------------------------------------------------------------------------------------------------
# tree-sitter (javascript, jsx, typescript, tsx, css, scss)

_TS_PARSER_NAMES = {
    "javascript": "tree-sitter-javascript",
    "typescript": "tree-sitter-typescript",
    "tsx": "tree-sitter-tsx",
    "css": "tree-sitter-css",
    "scss": "tree-sitter-scss",
}
#: Comment node types per grammar, and the byte patterns that can start one. JavaScript's
#: ``html_comment`` (``<!--`` / ``-->`` lines, Annex B) and SCSS's ``//`` ``js_comment`` included.
#: A match takes only the ``/`` of ``//`` and ``/*``: in ``/**//**/`` the second comment starts at the
#: second ``/`` of a ``//``.
_COMMENT_TYPES = {
    "javascript": frozenset({"comment", "html_comment"}),
    "typescript": frozenset({"comment", "html_comment"}),
    "tsx": frozenset({"comment", "html_comment"}),
    "css": frozenset({"comment", "js_comment"}),
    "scss": frozenset({"comment", "js_comment"}),
}
_COMMENT_START = {
    "javascript": re.compile(rb"/(?=[/*])|<!--|-->"),
    "typescript": re.compile(rb"/(?=[/*])|<!--|-->"),
    "tsx": re.compile(rb"/(?=[/*])|<!--|-->"),
    "css": re.compile(rb"/(?=[/*])"),
    "scss": re.compile(rb"/(?=[/*])"),
}


@cache
def _ts_language(grammar: str):
    from tree_sitter import Language

    if grammar == "javascript":
        import tree_sitter_javascript as mod

        return Language(mod.language())
    if grammar in ("typescript", "tsx"):
        import tree_sitter_typescript as mod

        return Language(mod.language_typescript() if grammar == "typescript" else mod.language_tsx())
    if grammar == "css":
        import tree_sitter_css as mod

        return Language(mod.language())
    if grammar in ("scss", "css"):
        import tree_sitter_scss as mod

        with warnings.catch_warnings():  # language() returns an int pointer: deprecated, still works
            warnings.simplefilter("ignore", DeprecationWarning)
            return Language(mod.language())
    raise ValueError(grammar)


_local = threading.local()


def _ts_parser(grammar: str):
    parsers = getattr(_local, "parsers", None)
    if parsers is None:
        parsers = _local.parsers = {}
    parser = parsers.get(grammar)
    if parser is None:
        from tree_sitter import Parser

        parser = parsers[grammar] = Parser(_ts_language(grammar))
    return parser


def _char_col(src: bytes, byte_offset: int) -> int:
    """1-based character column of ``byte_offset`` in ``src``."""
    line_start = src.rfind(b"\n", 0, byte_offset) + 1
    return len(src[line_start:byte_offset].decode("utf-8", "replace")) + 1


#: Above this many comment candidates a file's comments are counted by one query over the tree
#: instead: ``descendant_for_byte_range`` scans a node's children linearly, so 200,000 comments in one
#: block cost 40 s by lookup and well under a second by query.
MAX_COMMENT_LOOKUPS = 2_000
#: The query cursor goes quadratic in nesting depth (``"{" * 100_000``: ~17 s) and py-tree-sitter
#: 0.26.1 segfaults when a query's progress_callback cancels it, so a file that needs the query and
#: nests brackets deeper than this has its comments not counted (comment_bytes 0).
MAX_QUERY_DEPTH = 1_000
_BRACKETS = bytes.maketrans(b"{[(}])", b"\x01\x01\x01\xff\xff\xff")
_NOT_BRACKETS = bytes(set(range(256)) - set(b"{[(}])"))


def _bracket_depth(src: bytes) -> int:
    """Maximum bracket nesting (strings and comments included: an upper bound is all we need)."""
    import numpy as np

    steps = np.frombuffer(src.translate(_BRACKETS, _NOT_BRACKETS), dtype=np.int8)
    return int(np.cumsum(steps, dtype=np.int64).max(initial=0))


@cache
def _comment_query(grammar: str):
    from tree_sitter import Query

    return Query(
        _ts_language(grammar), "[" + " ".join(f"({t})" for t in sorted(_COMMENT_TYPES[grammar])) + "] @c"
    )


def _comment_bytes(grammar: str, root, src: bytes) -> int:
    """Bytes inside comment nodes, asking the tree only where a comment can start.

    A query over the whole tree visits every node (25% of JavaScript's check time, 50% of TSX's).
    Here a C-level regex finds the few ``//``, ``/*``, ``<!--``, ``-->`` in the bytes and
    ``descendant_for_byte_range`` says whether each starts a comment node; those in strings, regexes
    or template text do not, and a candidate inside a comment already counted is skipped. Files with
    more than ``MAX_COMMENT_LOOKUPS`` candidates take the query (see there).
    """
    starts = [m.start() for m in _COMMENT_START[grammar].finditer(src)]
    if len(starts) > MAX_COMMENT_LOOKUPS:
        if _bracket_depth(src) > MAX_QUERY_DEPTH:
            return 0
        from tree_sitter import QueryCursor

        comments = QueryCursor(_comment_query(grammar)).captures(root).get("c", ())
        return sum(n.end_byte - n.start_byte for n in comments)
    types = _COMMENT_TYPES[grammar]
    total = 0
    counted_to = 0
    for start in starts:
        if start < counted_to:
            continue
        node = root.descendant_for_byte_range(start, start + 1)
        if node is not None and node.type in types:
            total += node.end_byte - node.start_byte
            counted_to = node.end_byte
    return total


def _first_error(root):
    """First ERROR or MISSING node by position: descend only into children that have errors."""
    node = root
    while True:
        cursor = node.walk()
        if not cursor.goto_first_child():
            return ("syntax_error", node)
        while True:
            child = cursor.node
            if child.is_missing:
                return ("missing_token", child)
            if child.is_error:
                return ("syntax_error", child)
            if child.has_error:
                node = child
                break
            if not cursor.goto_next_sibling():
                return ("syntax_error", node)


def _ts_parse(grammar: str, src: bytes):
    """Parse; return ``(tree, first_error or None, comment_bytes)``; first_error = (class, byte, row)."""
    tree = _ts_parser(grammar).parse(src)
    root = tree.root_node
    comment_bytes = _comment_bytes(grammar, root, src)
    if not root.has_error:
        return tree, None, comment_bytes
    cls, node = _first_error(root)
    return tree, (cls, node.start_byte, node.start_point[0]), comment_bytes


def _ts_verdict(grammar: str, text: str) -> Verdict:
    src = text.encode("utf-8")
    _, err, comment_bytes = _ts_parse(grammar, src)
    name = _TS_PARSER_NAMES[grammar]
    if err is not None and grammar in _NORMALIZERS:
        # Second pass, only for files that failed: rewrite valid constructs the pinned grammar lacks
        # (see _NORMALIZERS) and parse again. Comment bytes stay those of the original text.
        normalized = _NORMALIZERS[grammar](text)
        if normalized != text:
            src = normalized.encode("utf-8")
            _, err, _ = _ts_parse(grammar, src)
    if err is None:
        return _ok(name, comment_bytes)
    if grammar in ("scss", "css"):
        # tree-sitter-scss 1.0.0 misses too much modern Sass (@use ... as *, @forward ... show/hide,
        # $args..., multi-line lists/maps, @if ... or ...): on the default sample it rejects ~40% of
        # bootstrap / @carbon/styles / blueprint even after normalisation. Where it rejects, the
        # lexical-structure check decides (strings, comments, brackets, #{} interpolation).
        # tree-sitter-css 0.25 likewise misses @container range syntax (width <= 11rem),
        # @-moz-document url-prefix(), @custom-media and something in bootstrap 5's dist css.
        structural = _scss_structure(text)
        fallback = f"{grammar}-structure"
        if structural is None:
            return _ok(fallback, comment_bytes)
        cls, line, col = structural
        return _bad(fallback, cls, line, col, comment_bytes)
    cls, start, row = err
    return _bad(name, cls, row + 1, _char_col(src, start), comment_bytes)


_SCSS_TOKEN = re.compile(r"""/\*|//|["'{}()\[\]\\]|\burl\(|#\{""")
_CLOSER = {"(": ")", "[": "]", "{": "}", "#{": "}", "url(": ")"}


def _scss_structure(text: str) -> tuple[str, int, int] | None:
    """Lexical structure of SCSS/CSS: ``None`` when sound, else ``(class, line, col)``.

    Comments (``/* */`` must close: ``unterminated``; ``//`` to end of line), strings (must close on
    their line: ``unterminated``), unquoted ``url(...)`` (opaque), escapes, and brackets ``{ ( [ #{``
    (a wrong closer is ``syntax_error`` at the closer, one left open at EOF ``missing_token`` at the
    opener). Linear: a regex jumps between the interesting characters.
    """
    stack: list[tuple[str, int]] = []
    pos, n = 0, len(text)

    def where(offset: int) -> tuple[int, int]:
        return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1

    while True:
        m = _SCSS_TOKEN.search(text, pos)
        if m is None:
            break
        tok, at = m.group(0), m.start()
        pos = m.end()
        if tok == "/*":
            end = text.find("*/", pos)
            if end < 0:
                return ("unterminated", *where(at))
            pos = end + 2
        elif tok == "//":
            end = text.find("\n", pos)
            pos = n if end < 0 else end
        elif tok == "\\":
            pos += 1
        elif tok in ("'", '"'):
            i = pos
            while True:
                j = min(
                    (k for k in (text.find(tok, i), text.find("\\", i), text.find("\n", i)) if k >= 0),
                    default=-1,
                )
                if j < 0 or text[j] == "\n":
                    return ("unterminated", *where(at))
                if text[j] == "\\":
                    i = j + 2
                    continue
                pos = j + 1
                break
        elif tok == "url(" and not re.match(r"\s*[\"'$#]", text[pos : pos + 64]):
            end = text.find(")", pos)
            if end < 0:
                return ("missing_token", *where(at))
            pos = end + 1
        elif tok in ("{", "(", "[", "#{", "url("):
            stack.append((tok, at))
        else:  # a closer
            if not stack or _CLOSER[stack[-1][0]] != tok:
                return ("syntax_error", *where(at))
            stack.pop()
    if stack:
        return ("missing_token", *where(stack[-1][1]))
    return None


def _blank(match: re.Match, group: int = 0, fill: str = " ") -> str:
    """``match``'s text (or one group of it) with every character but newlines replaced by ``fill``."""
    whole, start, end = match.group(0), match.start(group) - match.start(0), match.end(group) - match.start(0)
    inner = re.sub(r"[^\n]", fill, whole[start:end])
    return whole[:start] + inner + whole[end:]


# TypeScript 4.7+/5.x syntax that tree-sitter-typescript 0.23.2 does not know (all seen in the default
# sample: zod 4, @tanstack/react-router, @blueprintjs/core, @types/node .d.ts files).
_TS_IMPORT_TYPE = re.compile(r"""\bimport\(\s*(["'])[^"'\n]*\1\s*\)""")  # import("react").FC<P>
_TS_VARIANCE = re.compile(
    r"([<,](?:\s{1,200}+|/\*(?s:.{0,500}?)\*/|//[^\n]{0,200}+){0,20}+)(in\s+out|in|out)(?=\s+[A-Za-z_$][\w$]*\s*(?:[,>=]|extends\b))"
)  # <in out T>, <out T = unknown>, also after a /** comment */ (possessive: no backtracking)
_TS_EXPORT_TYPE_STAR = re.compile(r"\bexport\s+(type)(?=\s*\*)")  # export type * from "./x"
_TS_BARE_GLOBAL = re.compile(r"^([ \t]*)global(?=\s*\{)", re.MULTILINE)  # global { } inside declare module
_TS_ANON_DEFAULT_FN = re.compile(
    r"\bexport\s+default\s+function(?=\s*\()"
)  # .d.ts: export default function (): T;


def _normalize_ts(text: str) -> str:
    """Length- and line-preserving where possible; only run on files that failed the first parse."""
    text = _TS_IMPORT_TYPE.sub(lambda m: _blank(m, 0, "_"), text)
    text = _TS_VARIANCE.sub(lambda m: _blank(m, 2), text)
    text = _TS_EXPORT_TYPE_STAR.sub(lambda m: _blank(m, 1), text)
    text = _TS_BARE_GLOBAL.sub(r"\1declare global", text)
    return _TS_ANON_DEFAULT_FN.sub(lambda m: m.group(0) + " _", text)


# CSS the pinned tree-sitter-css 0.25 rejects although it is valid: unquoted url() starting with "./",
# custom-property values made of arbitrary tokens (--x: .;), escapes in identifiers (\.SFNSText, .sm\:flex).
_CSS_URL = re.compile(r"""\burl\(\s*([^)"'\s][^)"'\n]{0,2000}?)\s*\)""")  # bounded: no quadratic scan
_CSS_CUSTOM_PROP = re.compile(r"(?<![\w-])(--[\w-]+\s*:)([^;{}!]{0,2000}[^;{}!\s])")
_CSS_ESCAPE = re.compile(r"\\(?:[0-9a-fA-F]{1,6}[ \t]?|[^\n0-9a-fA-F])")


def _normalize_css(text: str) -> str:
    text = _CSS_URL.sub(lambda m: _blank(m, 1, "x"), text)
    text = _CSS_CUSTOM_PROP.sub(lambda m: _blank(m, 2, "x"), text)
    return _CSS_ESCAPE.sub(lambda m: "x" * len(m.group(0)), text)


# SCSS tree-sitter-scss 1.0.0 rejects although it is valid (bootstrap, @carbon/styles, uikit, blueprint):
# !default / !global / !optional flags, #{...} interpolation in values, maps ( key: value ), empty maps
# (), nested selectors starting with a combinator (> .b {), @extend %placeholder, unary minus on a
# variable (-$x), @at-root.
_SCSS_FLAG = re.compile(r"!\s*(?:default|global|optional)\b")
_SCSS_INTERP = re.compile(r"#\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}")
_SCSS_LEADING_COMBINATOR = re.compile(
    r"^([ \t]*)([>~+])(?=[ \t]*[.#\[:a-zA-Z&*%][^;{}]*[{,][ \t]*$)", re.MULTILINE
)
_SCSS_EXTEND_PLACEHOLDER = re.compile(r"(@extend\s+)%")
_SCSS_UNARY_MINUS = re.compile(r"(?<=[\s(,:])-(?=\$)")
_SCSS_AT_ROOT = re.compile(r"@at-root\b(?=\s*[^\s{])")
_SCSS_EMPTY_MAP = re.compile(r"(?<=[\s:,(])\(\s*\)")


def _normalize_scss(text: str) -> str:
    text = _normalize_css(text)
    text = _SCSS_FLAG.sub(lambda m: _blank(m), text)
    text = _SCSS_INTERP.sub(lambda m: _blank(m, 0, "x"), text)
    text = _SCSS_LEADING_COMBINATOR.sub(r"\1&", text)
    text = _SCSS_EXTEND_PLACEHOLDER.sub(r"\1.", text)
    text = _SCSS_UNARY_MINUS.sub(" ", text)
    text = _SCSS_AT_ROOT.sub(lambda m: _blank(m), text)
    text = _SCSS_EMPTY_MAP.sub(lambda m: '""' + _blank(m)[2:], text)
    return _scss_maps(text)


def _scss_maps(text: str) -> str:
    """Map literals ``(key: value, ...)`` → ``(key, value, ...)``: a ``:`` inside parentheses of a
    ``$variable:`` value (or of ``@use ... with (...)``) becomes ``,`` (outside strings)."""
    out = list(text)
    for m in re.finditer(r"(?:^|[;{}])[ \t]*(?:\$[\w-]+[ \t]*:|@use\b[^;]*?\bwith\b)", text, re.MULTILINE):
        depth, quote, i = 0, None, m.end()
        while i < len(text):
            c = text[i]
            if quote:
                if c == quote:
                    quote = None
            elif c in "\"'":
                quote = c
            elif c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
            elif c in ";{}" and depth <= 0:
                break
            elif c == ":" and depth > 0:
                out[i] = ","
            i += 1
    return "".join(out)


_NORMALIZERS = {
    "typescript": _normalize_ts,
    "tsx": _normalize_ts,
    "css": _normalize_css,
    "scss": _normalize_scss,
}


_FLOW_PRAGMA = re.compile(r"@flow\b")


def _is_flow(text: str) -> bool:
    """The ``@flow`` pragma sits in the file's leading comments; look in the first 2 KB only."""
    return _FLOW_PRAGMA.search(text, 0, 2048) is not None


def _check_js(text: str) -> Verdict:
    verdict = _ts_verdict("javascript", text)
    if verdict.ok or not _is_flow(text):
        return verdict
    flow = _ts_verdict("tsx", text)
    return flow if flow.ok else verdict


# --------------------------------------------------------------------------------------------------
# esprima


def _check_esprima(text: str) -> Verdict:
    if len(text) > ESPRIMA_MAX_CHARS:
        return _bad("esprima", "timeout_or_too_large", None, None)
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
# HTML (html5lib)

#: html5lib parse-error codes that mean the markup is broken (see the module docstring). Codes that
#: mention "eof" are fatal too, except those in ``_HTML_SLOPPY_EOF``.
HTML_FATAL_CODES = frozenset(
    {
        "unexpected-end-tag",
        "unexpected-end-tag-before-html",
        "unexpected-end-tag-after-body",
        "unexpected-end-tag-after-frameset",
        "unexpected-end-tag-in-table-body",
        "unexpected-end-tag-in-table-row",
        "unexpected-end-tag-in-select",
        "unexpected-end-tag-in-frameset",
        "unexpected-end-tag-implies-table-voodoo",
        "expected-eof-but-got-end-tag",
        "end-tag-after-implied-root",
        "end-tag-too-early",
        "end-tag-too-early-named",
        "end-tag-too-early-ignored",
        "expected-one-end-tag-but-got-another",
        "adoption-agency-1.1",
        "adoption-agency-1.2",
        "adoption-agency-1.3",
        "adoption-agency-4.4",
        "expected-tag-name-but-got-right-bracket",
        "expected-closing-tag-but-got-right-bracket",
        "expected-closing-tag-but-got-char",
    }
)
_HTML_SLOPPY_EOF = frozenset({"expected-doctype-but-got-eof", "expected-numeric-entity-but-got-eof"})
_HTML_VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
        "basefont",
        "bgsound",
        "frame",
        "keygen",
    ]
)


def _html_error_is_fatal(code: str, datavars: dict | None) -> bool:
    if code in _HTML_SLOPPY_EOF:
        return False
    if "eof" in code.lower():
        return True
    if code in HTML_FATAL_CODES:
        name = (datavars or {}).get("name") or (datavars or {}).get("gotName")
        return not (isinstance(name, str) and name.lower() in _HTML_VOID)
    return False


_HTML_UNCLOSED = frozenset(
    {
        "expected-closing-tag-but-got-eof",
        "expected-named-closing-tag-but-got-eof",
        "eof-in-table",
        "eof-in-select",
        "eof-in-frameset",
        "eof-in-foreign-lands",
        "eof-in-script-in-script",
        "eof-in-head-noscript",
    }
)


def _html_error_class(code: str) -> str:
    """Stable class of a fatal html5lib code: unclosed_element (elements open at EOF), unterminated
    (EOF inside a tag, attribute, comment or doctype), mismatched_end_tag (stray or misnested end
    tags), syntax_error (malformed tags such as ``<>`` or ``</ div>``)."""
    if code in _HTML_UNCLOSED:
        return "unclosed_element"
    if "eof" in code.lower():
        return "unterminated"
    if "end-tag" in code or code.startswith("adoption-agency"):
        return "mismatched_end_tag"
    return "syntax_error"


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


def _check_html(text: str) -> Verdict:
    if len(text) > HTML_MAX_CHARS:
        return _bad("html5lib", "timeout_or_too_large", None, None)
    import html5lib

    parser = html5lib.HTMLParser(strict=False)
    parser.parse(text)
    comment_bytes = _comment_bytes_html(text)
    for (line, col), code, datavars in parser.errors:
        if _html_error_is_fatal(code, datavars if isinstance(datavars, dict) else None):
            return _bad("html5lib", _html_error_class(code), line, max(col, 1), comment_bytes)
    return _ok("html5lib", comment_bytes)


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
# MDX

_FENCE_OPEN = re.compile(r"^(?P<prefix>(?:[ \t]*>)*[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_ESM_START = re.compile(r"^(?:import|export)(?=[\s{*])")
_JSX_START = re.compile(r"^[ \t]*(?:<(?:[A-Za-z_$>]|/)|\{)")


def _mdx_blocks(lines: list[str]):
    """Split into blocks: ``(kind, first_line, last_line)`` with 0-based inclusive line numbers.

    kind: ``code`` (a fenced block), ``esm``, ``jsx`` (or a ``{expression}`` flow block), ``md``;
    ``unterminated`` for a fence still open at EOF. Front matter (``---`` ... ``---`` on line 1) is
    skipped. A paragraph is a run of non-blank lines outside fences; a fence interrupts a paragraph.
    """
    i, n = 0, len(lines)
    if n and lines[0].rstrip() == "---":
        for j in range(1, n):
            if lines[j].rstrip() in ("---", "..."):
                i = j + 1
                break
    para_start = None

    def close_para(end: int):
        first = lines[para_start]
        if _ESM_START.match(first):
            kind = "esm"
        elif _JSX_START.match(first):
            kind = "jsx"
        else:
            kind = "md"
        return (kind, para_start, end)

    while i < n:
        line = lines[i]
        fence = _FENCE_OPEN.match(line)
        if fence and not (fence["fence"][0] == "`" and "`" in fence["info"]):
            if para_start is not None:
                yield close_para(i - 1)
                para_start = None
            char, size = fence["fence"][0], len(fence["fence"])
            closing = re.compile(r"^(?:[ \t]*>)*[ \t]*" + re.escape(char) + "{" + str(size) + r",}[ \t]*$")
            for j in range(i + 1, n):
                if closing.match(lines[j]):
                    yield ("code", i, j)
                    i = j + 1
                    break
            else:
                yield ("unterminated", i, n - 1)
                return
            continue
        if line.strip() == "":
            if para_start is not None:
                yield close_para(i - 1)
                para_start = None
        elif para_start is None:
            para_start = i
        i += 1
    if para_start is not None:
        yield close_para(n - 1)


def _mdx_parse_js(lines: list[str], keep: list[tuple[int, int]], wrap_jsx: bool):
    """Parse the kept line ranges (others blanked) with tree-sitter-javascript.

    With ``wrap_jsx`` the text is wrapped in a fragment ``<>`` ... ``</>`` (on lines of their own).
    Returns ``(error or None, comment_bytes)`` with the error in document coordinates
    ``(class, line, col)`` (1-based).
    """
    first, last = keep[0][0], keep[-1][1]
    body = [""] * (last - first + 1)
    for a, b in keep:
        body[a - first : b - first + 1] = lines[a : b + 1]
    head = ["<>"] if wrap_jsx else []
    tail = ["</>"] if wrap_jsx else []
    src = "\n".join([*head, *body, *tail]).encode("utf-8")
    _, err, comment_bytes = _ts_parse("javascript", src)
    if err is None:
        return None, comment_bytes
    cls, start, row = err
    doc_row = min(max(row - len(head), 0), last - first) + first
    col = _char_col(src, start) if row >= len(head) else 1
    return (cls, doc_row + 1, col), comment_bytes


def _check_mdx(text: str) -> Verdict:
    """MDX 2 syntax, approximated without a JS runtime (the MDX compiler is the audit reference).

    * Fences (``` or ~~~, ≥3, closed by the same character at least as long, also inside ``>`` quotes
      and at any indentation since MDX has no indented code) are skipped; one open at EOF is
      ``unterminated``.
    * A paragraph starting ``import``/``export`` at column 1 (outside any open JSX region) is ESM: it is
      parsed as a JS module; on failure the following paragraphs are appended one by one (MDX's ESM may
      span blank lines when the code is incomplete) until it parses, else ``esm_error`` at the first
      attempt's error.
    * A paragraph starting with ``<`` + letter, ``<>``, ``</`` or ``{`` is a JSX flow block. It opens a
      *region*; following JSX paragraphs are added to it (markdown paragraphs and code fences between
      them are blanked: MDX allows markdown children such as ``<Tabs>`` ... blank ... ``</Tabs>``)
      until the region parses as the children of ``<>`` ... ``</>``. A region never closed by EOF (or
      after ``MDX_MAX_REGION_PARSES`` attempts) is ``jsx_error`` at the first error of its full parse.
    * HTML comments ``<!-- -->`` are a syntax error in MDX 2 and 3 ("Unexpected character `!`") but
      valid MDX 1 and common in real files (3 of the 256 default-sample .mdx files): which MDX version a
      file targets cannot be told from the text, so they are *not* rejected (treated as markdown).
    * Not checked: inline JSX and ``{expressions}`` inside prose, markdown inside JSX.
    """
    lines = text.split("\n")
    blocks = list(_mdx_blocks(lines))
    comment_bytes = 0
    parses = 0
    idx = 0
    while idx < len(blocks):
        kind, a, b = blocks[idx]
        if kind == "unterminated":
            col = len(lines[a]) - len(lines[a].lstrip()) + 1
            return _bad("mdx", "unterminated", a + 1, col, comment_bytes)
        if kind == "esm":
            err, cb = _mdx_parse_js(lines, [(a, b)], wrap_jsx=False)
            first_err, j = err, idx
            while (
                err is not None and j + 1 < len(blocks) and blocks[j + 1][0] not in ("code", "unterminated")
            ):
                j += 1
                parses += 1
                if parses > MDX_MAX_REGION_PARSES:
                    break
                err, cb = _mdx_parse_js(lines, [(a, blocks[j][2])], wrap_jsx=False)
            if err is not None:
                return _bad("mdx", "esm_error", first_err[1], first_err[2], comment_bytes)
            comment_bytes += cb
            idx = j + 1
            continue
        if kind == "jsx":
            keep = [(a, b)]
            err, cb = _mdx_parse_js(lines, keep, wrap_jsx=True)
            j = idx
            while err is not None and parses < MDX_MAX_REGION_PARSES:
                nxt = j + 1
                while nxt < len(blocks) and blocks[nxt][0] not in ("jsx", "unterminated"):
                    nxt += 1
                if nxt >= len(blocks):
                    break
                if blocks[nxt][0] == "unterminated":  # the fence swallowed the rest: report the fence
                    fa = blocks[nxt][1]
                    col = len(lines[fa]) - len(lines[fa].lstrip()) + 1
                    return _bad("mdx", "unterminated", fa + 1, col, comment_bytes)
                j = nxt
                parses += 1
                keep.append((blocks[j][1], blocks[j][2]))
                err, cb = _mdx_parse_js(lines, keep, wrap_jsx=True)
            if err is not None:
                return _bad("mdx", "jsx_error", err[1], err[2], comment_bytes)
            comment_bytes += cb
            idx = j + 1
            continue
        idx += 1
    return _ok("mdx", comment_bytes)


# --------------------------------------------------------------------------------------------------


def check(lang: str, text: str, js_backend: str = "tree-sitter") -> Verdict:
    """The syntax verdict for ``text`` in ``lang``; never raises for ``str`` input."""
    if js_backend not in JS_BACKENDS:
        raise ValueError(f"js_backend must be one of {JS_BACKENDS}, not {js_backend!r}")
    parser = _PARSER_OF.get(lang, "none")
    try:
        if lang in ("javascript", "jsx"):
            return _check_esprima(text) if js_backend == "esprima" else _check_js(text)
        if lang in ("typescript", "tsx", "css", "scss"):
            return _ts_verdict(lang, text)
        if lang in ("xml", "svg"):
            return _check_xml(text)
        if lang == "html":
            return _check_html(text)
        if lang == "mdx":
            return _check_mdx(text)
        if lang == "markdown":
            return _check_markdown(text)
        if lang == "json":
            return _check_json(text)
        return Verdict(None, "", None, None, "none", 0)
    except RecursionError:
        return _bad(parser if js_backend != "esprima" else "esprima", "too_deep", None, None)
    except MemoryError:
        return _bad(parser, "timeout_or_too_large", None, None)
    except Exception:  # a parser bug must not kill a shard: record it as the verdict
        return _bad(parser, "parser_error", None, None)


_PARSER_OF = {
    "javascript": "tree-sitter-javascript",
    "jsx": "tree-sitter-javascript",
    "typescript": "tree-sitter-typescript",
    "tsx": "tree-sitter-tsx",
    "css": "tree-sitter-css",
    "scss": "tree-sitter-scss",
    "xml": "lxml",
    "svg": "lxml",
    "html": "html5lib",
    "mdx": "mdx",
    "markdown": "markdown-it",
    "json": "json",
}
