"""tree-sitter, shared: the grammars (JavaScript, TypeScript, TSX), one parser per grammar and thread,
comment bytes, the first error node. The syntax check uses it as a fallback fast parser and for Flow
files; clean, pairs, synth and the evaluation suite query code with it. A module of its own so those
stages do not depend on (and re-run for) the syntax verdict's rules.
"""

from __future__ import annotations

import re
import threading
from functools import cache

PARSER_NAMES = {
    "javascript": "tree-sitter-javascript",
    "typescript": "tree-sitter-typescript",
    "tsx": "tree-sitter-tsx",
}
#: Comment node types per grammar, and the byte patterns that can start one. JavaScript's
#: ``html_comment`` (``<!--`` / ``-->`` lines, Annex B) included.
#: A match takes only the ``/`` of ``//`` and ``/*``: in ``/**//**/`` the second comment starts at the
#: second ``/`` of a ``//``.
_COMMENT_TYPES = {
    "javascript": frozenset({"comment", "html_comment"}),
    "typescript": frozenset({"comment", "html_comment"}),
    "tsx": frozenset({"comment", "html_comment"}),
}
_COMMENT_START = {
    "javascript": re.compile(rb"/(?=[/*])|<!--|-->"),
    "typescript": re.compile(rb"/(?=[/*])|<!--|-->"),
    "tsx": re.compile(rb"/(?=[/*])|<!--|-->"),
}


@cache
def language(grammar: str):
    from tree_sitter import Language

    if grammar == "javascript":
        import tree_sitter_javascript as mod

        return Language(mod.language())
    if grammar in ("typescript", "tsx"):
        import tree_sitter_typescript as mod

        return Language(mod.language_typescript() if grammar == "typescript" else mod.language_tsx())
    raise ValueError(grammar)


_local = threading.local()


def parser(grammar: str):
    parsers = getattr(_local, "parsers", None)
    if parsers is None:
        parsers = _local.parsers = {}
    parser = parsers.get(grammar)
    if parser is None:
        from tree_sitter import Parser

        parser = parsers[grammar] = Parser(language(grammar))
    return parser


def char_col(src: bytes, byte_offset: int) -> int:
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


def bracket_depth(src: bytes) -> int:
    """Maximum bracket nesting (strings and comments included: an upper bound is all we need)."""
    import numpy as np

    steps = np.frombuffer(src.translate(_BRACKETS, _NOT_BRACKETS), dtype=np.int8)
    return int(np.cumsum(steps, dtype=np.int64).max(initial=0))


@cache
def comment_query(grammar: str):
    from tree_sitter import Query

    return Query(
        language(grammar), "[" + " ".join(f"({t})" for t in sorted(_COMMENT_TYPES[grammar])) + "] @c"
    )


def comment_bytes(grammar: str, root, src: bytes) -> int:
    """Bytes inside comment nodes, asking the tree only where a comment can start.

    A query over the whole tree visits every node (25% of JavaScript's check time, 50% of TSX's).
    Here a C-level regex finds the few ``//``, ``/*``, ``<!--``, ``-->`` in the bytes and
    ``descendant_for_byte_range`` says whether each starts a comment node; those in strings, regexes
    or template text do not, and a candidate inside a comment already counted is skipped. Files with
    more than ``MAX_COMMENT_LOOKUPS`` candidates take the query (see there).
    """
    starts = [m.start() for m in _COMMENT_START[grammar].finditer(src)]
    if len(starts) > MAX_COMMENT_LOOKUPS:
        if bracket_depth(src) > MAX_QUERY_DEPTH:
            return 0
        from tree_sitter import QueryCursor

        comments = QueryCursor(comment_query(grammar)).captures(root).get("c", ())
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


def first_error(root):
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


def parse(grammar: str, src: bytes):
    """Parse; return ``(tree, first_error or None, comment_bytes)``; first_error = (class, byte, row)."""
    tree = parser(grammar).parse(src)
    root = tree.root_node
    count = comment_bytes(grammar, root, src)
    if not root.has_error:
        return tree, None, count
    cls, node = first_error(root)
    return tree, (cls, node.start_byte, node.start_point[0]), count
