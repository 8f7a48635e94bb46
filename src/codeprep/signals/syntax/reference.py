"""The reference parsers under node (acorn, TypeScript 5, postcss, parse5, @mdx-js/mdx), and the
HTML policy: which WHATWG parse errors mean the markup is broken."""

from __future__ import annotations

from codeprep.signals import node_parsers
from codeprep.signals.syntax.verdict import Verdict, bad, ok

#: Languages the reference decides, with the kind ``parsers.mjs`` takes and the parser's name. For
#: javascript/jsx/typescript/tsx it decides only what the fast parser rejected (:func:`fast_then_reference`).
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


def reference(lang: str, text: str, comment_bytes: int = 0) -> Verdict:
    """The verdict of ``lang``'s reference parser under node (see :data:`REFERENCE`)."""
    kind, name = REFERENCE[lang]
    answer = node_parsers.shared().ask(kind, text)
    if lang == "html":
        return html_verdict(answer, text)
    comment_bytes = answer.get("comment_bytes", comment_bytes)
    if answer["ok"] is None:  # stack overflow, V8 out of heap: the parser could not decide
        return bad(name, "too_complex", None, None, comment_bytes)
    if answer["ok"]:
        return ok(name, comment_bytes)
    return bad(name, "syntax_error", answer.get("line"), answer.get("col"), comment_bytes)


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


def html_verdict(answer: dict, text: str) -> Verdict:
    comment_bytes = comment_bytes_html(text)
    if answer["ok"] is None:
        return bad("parse5", "too_complex", None, None, comment_bytes)
    err = html_fatal_error(answer)
    if err is None:
        return ok("parse5", comment_bytes)
    return bad("parse5", err["code"], err.get("line"), err.get("col"), comment_bytes)


def comment_bytes_html(text: str) -> int:
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
