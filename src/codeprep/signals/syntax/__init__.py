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

from collections.abc import Callable

from codeprep.languages import VALIDATORS
from codeprep.signals import node_parsers
from codeprep.signals.params import JS_BACKENDS
from codeprep.signals.syntax import ecmascript, json_markdown, xml
from codeprep.signals.syntax.ecmascript import ESPRIMA_MAX_CHARS
from codeprep.signals.syntax.reference import PARSE5_FATAL_CODES, REFERENCE, html_fatal_error, reference
from codeprep.signals.syntax.verdict import Verdict, bad

__all__ = [
    "ESPRIMA_MAX_CHARS",
    "JS_BACKENDS",
    "PARSE5_FATAL_CODES",
    "REFERENCE",
    "Verdict",
    "check",
    "html_fatal_error",
    "parser_for",
    "warm_up",
]

#: Validator (the row's ``validator`` in :mod:`codeprep.languages`) → its check of ``(lang, text)``.
#: A language's validator is the parser its verdict names when none got to decide (a budget stop).
CHECKS: dict[str, Callable[[str, str], Verdict]] = {
    "oxc": ecmascript.fast_then_reference,
    "postcss": reference,
    "postcss-scss": reference,
    "parse5": reference,
    "@mdx-js/mdx": reference,
    "lxml": lambda lang, t: xml.check_xml(t),
    "markdown-it": lambda lang, t: json_markdown.check_markdown(t),
    "json": lambda lang, t: json_markdown.check_json(t),
}


def warm_up() -> None:
    """Load every parser once (tree-sitter grammars, lxml, node and each reference module), so the
    first document of a language is not charged ~0.3 s of module loading against its budget."""
    for lang, text in (("javascript", "a"), ("typescript", "a"), ("tsx", "a"), ("xml", "<a/>")):
        check(lang, text)
    for lang in REFERENCE:
        reference(lang, "")


def parser_for(lang: str, js_backend: str = "tree-sitter") -> str:
    """The parser a verdict on ``lang`` names when no parser got to decide (a budget stop)."""
    if js_backend == "esprima" and lang in ("javascript", "jsx"):
        return "esprima"
    return VALIDATORS.get(lang, "none")


def check(lang: str, source: str, js_backend: str = "tree-sitter") -> Verdict:
    """The syntax verdict for ``source`` in ``lang``; never raises for ``str`` input (a missing node
    set-up raises :class:`~codeprep.signals.node_parsers.NodeParsersMissing`: that is not a verdict).
    No time or memory bound here: :mod:`codeprep.signals.budget` adds them."""
    if js_backend not in JS_BACKENDS:
        raise ValueError(f"js_backend must be one of {JS_BACKENDS}, not {js_backend!r}")
    parser = parser_for(lang, js_backend)
    if parser == "none":
        return Verdict(None, "", None, None, "none", 0)
    try:
        if parser == "esprima":
            return ecmascript.check_esprima(source)
        return CHECKS[parser](lang, source)
    except node_parsers.NodeParsersMissing:
        raise
    except RecursionError:
        return bad(parser, "too_deep", None, None)
    except MemoryError:
        return bad(parser, "too_complex", None, None)
    except Exception:  # a parser bug must not kill a shard: record it as the verdict
        return bad(parser, "parser_error", None, None)
