"""JavaScript, JSX, TypeScript, TSX: tree-sitter or oxc first, the reference parser (acorn,
TypeScript 5) on what the fast parser rejects; and esprima, kept for comparison."""

from __future__ import annotations

import re

from codeprep.signals import treesitter
from codeprep.signals.syntax.reference import reference
from codeprep.signals.syntax.verdict import Verdict, bad, ok

#: esprima is pure Python (~0.1 MB/s): a 2 M-character file already takes ~20 s. Bigger input is not
#: parsed and gets ``too_complex`` (a verdict about the validator, not about the code).
ESPRIMA_MAX_CHARS = 2_000_000


def _ts_verdict(grammar: str, text: str) -> Verdict:
    src = text.encode("utf-8")
    _, err, comment_bytes = treesitter.parse(grammar, src)
    name = treesitter.PARSER_NAMES[grammar]
    if err is None:
        return ok(name, comment_bytes)
    cls, start, row = err
    return bad(name, cls, row + 1, treesitter.char_col(src, start), comment_bytes)


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
        return ok("oxc", comment_bytes)
    return bad("oxc", "syntax_error", None, None, comment_bytes)


def fast_then_reference(lang: str, text: str) -> Verdict:
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
    verdict = reference(lang, text, first.comment_bytes)
    if verdict.ok and first.parser == "oxc":
        # oxc gave up part-way (e.g. at an Annex B ``<!--`` comment, script-only): tree-sitter's error
        # recovery still finds every comment node
        return ok(verdict.parser, _ts_verdict(_GRAMMAR[lang], text).comment_bytes)
    return verdict


# --------------------------------------------------------------------------------------------------
# esprima


def check_esprima(text: str) -> Verdict:
    if len(text) > ESPRIMA_MAX_CHARS:
        return bad("esprima", "too_complex", None, None)
    import esprima

    if text.startswith("#!"):  # Node strips the hashbang; keep the positions by blanking it to a comment
        text = "//" + text[2:]
    options = {"jsx": True, "tolerant": False, "comment": True}
    first_error: Exception | None = None
    for parse in (esprima.parseModule, esprima.parseScript):
        try:
            program = parse(text, options)
        except RecursionError:
            return bad("esprima", "too_deep", None, None)
        except Exception as exc:  # esprima.Error and anything its pure-Python internals raise
            first_error = first_error or exc
            continue
        comments = getattr(program, "comments", None) or []
        return ok("esprima", sum(len((c.value or "").encode("utf-8")) for c in comments))
    line = getattr(first_error, "lineNumber", None)
    col = getattr(first_error, "column", None)
    return bad(
        "esprima",
        "syntax_error",
        line if isinstance(line, int) else None,
        col if isinstance(col, int) else None,
    )
