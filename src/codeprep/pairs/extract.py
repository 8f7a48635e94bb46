"""Extract documented functions, methods, arrow functions and classes from JavaScript/TypeScript with
tree-sitter, as CodeSearchNet records.

A pair is a ``/** ... */`` JSDoc comment and the declaration right after it (an ``export`` wrapper
is looked through): ``function`` / generator declarations, ``class`` declarations, class methods, and
``const name = (...) => ...`` / ``function`` expressions bound to one name. The documentation string is
the comment's text without the ``/** */`` frame and leading ``*`` (JSDoc tags kept: ``@param`` lines
are documentation); the code string is the declaration's source. Code tokens are the tree's leaves
(comments excluded), as CodeSearchNet built them; documentation tokens are its words and punctuation.

Relevance (``relevance``): the share of the documentation's content words (3+ letters, not stop
words) that appear among the code's identifier parts (``getUserName`` → get, user, name). Pairs whose
comment talks about something else (a licence banner above the first function, a commented-out
block) score near 0 and are dropped below ``pairs.min_relevance``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from codeprep.pairs.params import PairParams
from codeprep.signals import treesitter

GRAMMAR = {"javascript": "javascript", "jsx": "javascript", "typescript": "typescript", "tsx": "tsx"}
CSN_LANGUAGE = {
    "javascript": "javascript",
    "jsx": "javascript",
    "typescript": "typescript",
    "tsx": "typescript",
}
DECLARATIONS = frozenset(
    {
        "function_declaration",
        "generator_function_declaration",
        "class_declaration",
        "method_definition",
        "abstract_class_declaration",
    }
)
FUNCTION_VALUES = frozenset({"arrow_function", "function_expression", "function", "generator_function"})
_WORD = re.compile(r"[A-Za-z]{3,}")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_DOC_TOKEN = re.compile(r"\w+|[^\w\s]")
STOP_WORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "that",
        "this",
        "from",
        "are",
        "was",
        "were",
        "will",
        "can",
        "not",
        "but",
        "its",
        "into",
        "has",
        "have",
        "all",
        "any",
        "each",
        "when",
        "then",
        "than",
        "returns",
        "return",
        "param",
        "params",
        "type",
        "string",
        "number",
        "boolean",
        "object",
        "array",
        "function",
        "value",
        "values",
        "given",
        "true",
        "false",
        "null",
        "undefined",
        "optional",
        "default",
        "example",
        "see",
    ]
)


def doc_text(comment: str) -> str:
    """``/** ... */`` → its text: frame and leading ``*`` removed, lines kept."""
    body = comment[3:-2] if comment.startswith("/**") and comment.endswith("*/") else comment
    lines = [re.sub(r"^\s*\*?\s?", "", line).rstrip() for line in body.split("\n")]
    return "\n".join(lines).strip()


def _identifier_parts(code_tokens: list[str]) -> set[str]:
    parts: set[str] = set()
    for token in code_tokens:
        for piece in re.split(r"[_$]+", token):
            parts.update(p.lower() for p in _CAMEL.findall(piece))
    return parts


def relevance(doc: str, code_tokens: list[str]) -> float:
    words = [w.lower() for w in _WORD.findall(doc)]
    content = [w for w in words if w not in STOP_WORDS]
    if not content:
        return 0.0
    parts = _identifier_parts(code_tokens)
    return sum(w in parts or w.rstrip("s") in parts for w in content) / len(content)


def _target(node: Any) -> tuple[Any, str] | None:
    """The documented declaration and its name, or None."""
    if node is None:
        return None
    if node.type == "export_statement":
        inner = node.child_by_field_name("declaration")
        return _target(inner) if inner is not None else None
    if node.type in DECLARATIONS:
        name = node.child_by_field_name("name")
        return (node, name.text.decode("utf-8", "replace")) if name is not None else None
    if node.type in ("lexical_declaration", "variable_declaration"):
        declarators = [c for c in node.named_children if c.type == "variable_declarator"]
        if len(declarators) == 1:
            value = declarators[0].child_by_field_name("value")
            name = declarators[0].child_by_field_name("name")
            if value is not None and value.type in FUNCTION_VALUES and name is not None:
                return node, name.text.decode("utf-8", "replace")
    return None


def _leaves(node: Any) -> Iterator[str]:
    cursor = node.walk()
    visited_children = False
    while True:
        if not visited_children:
            current = cursor.node
            if current.child_count == 0:
                if current.type != "comment" and current.text:
                    yield current.text.decode("utf-8", "replace")
            elif cursor.goto_first_child():
                continue
        if cursor.goto_next_sibling():
            visited_children = False
        elif cursor.goto_parent():
            visited_children = True
        else:
            return


def _out_of_bounds(what: str, n: int, lo: int, hi: int) -> str | None:
    return f"{what}_too_short" if n < lo else f"{what}_too_long" if n > hi else None


def judge(
    doc: str, code: str, code_tokens: Callable[[], list[str]], params: PairParams
) -> tuple[str | None, list[str], float]:
    """``(reason or None, code tokens, relevance)`` of a candidate pair: the seed plan's bounds first
    (tokens are computed only for a pair within them), then ``pairs.min_relevance``."""
    reason = _out_of_bounds("doc", len(doc), params.min_doc_chars, params.max_doc_chars) or _out_of_bounds(
        "code", len(code), params.min_code_chars, params.max_code_chars
    )
    if reason is not None:
        return reason, [], 0.0
    tokens = code_tokens()
    score = relevance(doc, tokens)
    return ("low_relevance" if score < params.min_relevance else None), tokens, score


def documented(text: str, lang: str) -> Iterator[tuple[Any, Any, str]]:
    """``(JSDoc comment node, declaration node, name)`` of every documented declaration of a JS/TS
    document, in source order; nothing for another language. Node byte offsets are into the text's
    UTF-8 encoding. The one walk behind the pairs stage and the evaluation suite's completion items."""
    grammar = GRAMMAR.get(lang)
    if grammar is None:
        return
    root = treesitter.parser(grammar).parse(text.encode("utf-8", "surrogatepass")).root_node
    stack = [root]
    while stack:
        node = stack.pop()
        stack.extend(reversed(node.named_children))
        if node.type != "comment" or not node.text.startswith(b"/**"):
            continue
        found = _target(node.next_named_sibling)
        if found is not None:
            yield node, *found


def extract(
    text: str,
    lang: str,
    repo: str,
    path: str,
    params: PairParams,
    split: str = "train",
    rejected: Counter[str] | None = None,
) -> Iterator[dict[str, Any]]:
    """CodeSearchNet records of the documented declarations in one document. A candidate (a JSDoc
    comment on a declaration) that misses a bound is counted in ``rejected`` by reason:
    ``doc_too_short``, ``doc_too_long``, ``code_too_short``, ``code_too_long``, ``low_relevance``."""
    rejected = Counter() if rejected is None else rejected
    for node, decl, name in documented(text, lang):
        comment = node.text.decode("utf-8", "replace")
        doc = doc_text(comment)
        code = decl.text.decode("utf-8", "replace")
        reason, code_tokens, score = judge(doc, code, lambda d=decl: list(_leaves(d)), params)
        if reason is not None:
            rejected[reason] += 1
            continue
        line = decl.start_point[0] + 1
        yield {
            "repository_name": repo,
            "func_path_in_repository": path,
            "func_name": name,
            "whole_func_string": comment + "\n" + code,
            "language": CSN_LANGUAGE[lang],
            "func_code_string": code,
            "func_code_tokens": code_tokens,
            "func_documentation_string": doc,
            "func_documentation_tokens": _DOC_TOKEN.findall(doc),
            "split_name": split,
            "func_code_url": f"{repo}/{path}#L{line}",
            "relevance": round(score, 4),
        }
