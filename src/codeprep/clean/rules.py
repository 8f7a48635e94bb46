"""Cleaning rules, each switchable in ``params.yaml`` ``clean.rules``.

- ``strip_bom``: a leading U+FEFF.
- ``line_endings``: ``\\r\\n`` and lone ``\\r`` become ``\\n``.
- ``debug_statements`` (JavaScript, JSX, TypeScript, TSX): ``console.<method>(...)`` (methods in
  ``clean.debug_console_methods``), ``alert(...)`` and ``debugger`` — only when they are a whole
  statement directly in a program, block or switch case, found in the tree-sitter tree. A
  ``"console.log"`` string, ``${console.log(x)}`` in a template, ``foo(console.log)``,
  ``a && console.log(a)`` or the body of a brace-less ``if`` are not statements of that kind and
  stay. The seed plan's regex deletion would cut inside strings; this cannot.
- ``todo_comments`` (off by default): JS/TS comments containing TODO, FIXME, XXX or HACK.
- ``trailing_whitespace``: spaces and tabs at line ends; not in Markdown/MDX (two trailing spaces are
  a hard line break there), not inside JS/TS template literals or multi-line strings, HTML ``<pre>`` /
  ``<textarea>``, XML CDATA, or Markdown code fences, where they are content.
- ``blank_lines``: runs of more than ``clean.max_blank_lines`` blank lines collapsed, with the same
  protected regions.

Every rule returns the new text and how many changes it made; the stage re-validates the result.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from codeprep.params import check_keys, dataclass_from
from codeprep.signals import treesitter

RULES = (
    "strip_bom",
    "line_endings",
    "debug_statements",
    "todo_comments",
    "trailing_whitespace",
    "blank_lines",
)
JS_GRAMMAR = {"javascript": "javascript", "jsx": "javascript", "typescript": "typescript", "tsx": "tsx"}
STATEMENT_PARENTS = frozenset(
    {"program", "statement_block", "switch_case", "switch_default", "class_static_block"}
)
_TODO = re.compile(r"\b(?:TODO|FIXME|XXX|HACK)\b")
_MARKUP_PROTECTED = re.compile(r"<(pre|textarea)\b.*?</\1\s*>|<!\[CDATA\[.*?\]\]>", re.DOTALL | re.IGNORECASE)
_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")


@dataclass(frozen=True)
class CleanParams:
    """``params.yaml`` ``clean:`` (the cleaning part; secrets and licences have their own)."""

    rules: dict[str, bool] = field(default_factory=lambda: {r: r != "todo_comments" for r in RULES})
    debug_console_methods: tuple[str, ...] = ("log", "debug", "trace", "dir", "info")
    max_blank_lines: int = 2

    @classmethod
    def from_params(cls, section: dict[str, Any] | None) -> CleanParams:
        section = check_keys(section, ["rules", "debug_console_methods", "max_blank_lines"], "clean")
        given = dataclass_from(cls, section, "clean")  # types; the rules are switches over the defaults
        defaults = cls()
        rules = dict(defaults.rules)
        check_keys(section.get("rules"), list(RULES), "clean.rules")
        rules.update({k: bool(v) for k, v in given.rules.items()} if "rules" in section else {})
        return cls(
            rules=rules,
            debug_console_methods=tuple(section.get("debug_console_methods", defaults.debug_console_methods)),
            max_blank_lines=int(section.get("max_blank_lines", defaults.max_blank_lines)),
        )


@lru_cache(maxsize=2)
def _parse(grammar: str, text: str) -> tuple[bytes, Any]:
    """UTF-8 bytes and tree of ``text``; the debug, TODO and whitespace rules of one document share
    a parse while the text has not changed (two entries: the text before and after a rule)."""
    src = text.encode("utf-8", "surrogatepass")
    return src, treesitter.parser(grammar).parse(src)


@cache
def _debug_query(grammar: str):
    from tree_sitter import Query

    return Query(
        treesitter.language(grammar),
        """
        (expression_statement (call_expression function: (member_expression
            object: (identifier) @object property: (property_identifier) @property))) @console
        (expression_statement (call_expression function: (identifier) @function)) @call
        (debugger_statement) @debugger
        """,
    )


def _line_span(text: bytes, start: int, end: int) -> tuple[int, int]:
    """Widen ``[start, end)`` to whole lines when nothing but whitespace shares them."""
    line_start = text.rfind(b"\n", 0, start) + 1
    line_end = text.find(b"\n", end)
    line_end = len(text) if line_end < 0 else line_end
    if text[line_start:start].strip() or text[end:line_end].strip():
        return start, end
    return line_start, min(line_end + 1, len(text))


def _delete(text: str, spans: list[tuple[int, int]]) -> str:
    src = text.encode("utf-8", "surrogatepass")
    for start, end in sorted(set(spans), reverse=True):
        src = src[:start] + src[end:]
    return src.decode("utf-8", "surrogatepass")


def debug_statements(text: str, lang: str, methods: tuple[str, ...]) -> tuple[str, int]:
    grammar = JS_GRAMMAR.get(lang)
    if grammar is None:
        return text, 0
    from tree_sitter import QueryCursor

    src, tree = _parse(grammar, text)
    spans = []
    for _, caps in QueryCursor(_debug_query(grammar)).matches(tree.root_node):
        if "console" in caps:
            node = caps["console"][0]
            if caps["object"][0].text != b"console" or caps["property"][0].text.decode() not in methods:
                continue
        elif "call" in caps:
            node = caps["call"][0]
            if caps["function"][0].text != b"alert":
                continue
        else:
            node = caps["debugger"][0]
        if node.parent is not None and node.parent.type in STATEMENT_PARENTS:
            spans.append(_line_span(src, node.start_byte, node.end_byte))
    return (_delete(text, spans), len(spans)) if spans else (text, 0)


def todo_comments(text: str, lang: str) -> tuple[str, int]:
    grammar = JS_GRAMMAR.get(lang)
    if grammar is None:
        return text, 0
    from tree_sitter import QueryCursor

    src, tree = _parse(grammar, text)
    spans = []
    for node in QueryCursor(treesitter.comment_query(grammar)).captures(tree.root_node).get("c", ()):
        if _TODO.search(node.text.decode("utf-8", "replace")):
            start, end = _line_span(src, node.start_byte, node.end_byte)
            if (start, end) == (node.start_byte, node.end_byte):  # after code: take the spaces before it
                while start > 0 and src[start - 1 : start] in (b" ", b"\t"):
                    start -= 1
            spans.append((start, end))
    return (_delete(text, spans), len(spans)) if spans else (text, 0)


def protected_ranges(text: str, lang: str) -> list[tuple[int, int]]:
    """Character ranges whose whitespace is content (see the module docstring)."""
    grammar = JS_GRAMMAR.get(lang)
    if grammar is not None:
        from tree_sitter import QueryCursor

        src, tree = _parse(grammar, text)
        nodes = [
            n for ns in QueryCursor(_literal_query(grammar)).captures(tree.root_node).values() for n in ns
        ]
        return _char_ranges(
            text, src, [(n.start_byte, n.end_byte) for n in nodes if n.start_point[0] != n.end_point[0]]
        )
    if lang in ("html", "xml", "svg"):
        return [m.span() for m in _MARKUP_PROTECTED.finditer(text)]
    if lang in ("markdown", "mdx"):
        return _fences(text)
    return []


@cache
def _literal_query(grammar: str):
    from tree_sitter import Query

    return Query(treesitter.language(grammar), "[(template_string) (string)] @s")


def _char_ranges(text: str, src: bytes, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    if text.isascii():
        return spans
    return [
        (len(src[:a].decode("utf-8", "surrogatepass")), len(src[:b].decode("utf-8", "surrogatepass")))
        for a, b in spans
    ]


def _fences(text: str) -> list[tuple[int, int]]:
    ranges, pos, open_at, marker = [], 0, -1, ""
    for line in text.split("\n"):
        m = _FENCE.match(line)
        if open_at < 0 and m:
            open_at, marker = pos, m.group(1)
        elif open_at >= 0 and m and m.group(1)[0] == marker[0] and len(m.group(1)) >= len(marker):
            ranges.append((open_at, pos + len(line)))
            open_at = -1
        pos += len(line) + 1
    if open_at >= 0:
        ranges.append((open_at, len(text)))
    return ranges


def _merged(ranges: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """Sorted, non-overlapping starts and ends (nested template literals overlap their parents)."""
    starts: list[int] = []
    ends: list[int] = []
    for a, b in sorted(ranges):
        if ends and a <= ends[-1]:
            ends[-1] = max(ends[-1], b)
        else:
            starts.append(a)
            ends.append(b)
    return starts, ends


def _inside(pos: int, merged: tuple[list[int], list[int]]) -> bool:
    i = bisect.bisect_right(merged[0], pos) - 1
    return i >= 0 and pos < merged[1][i]


def whitespace(text: str, lang: str, max_blank: int, trailing: bool, blank: bool) -> tuple[str, int, int]:
    """Trailing whitespace and blank-line runs outside the protected ranges; returns the text and the
    number of lines changed by each."""
    ranges = _merged(protected_ranges(text, lang) if (trailing or blank) else [])
    strip_trailing = trailing and lang not in ("markdown", "mdx")
    out: list[str] = []
    pos = 0
    n_trailing = n_blank = 0
    run = 0
    for line in text.split("\n"):
        end = pos + len(line)
        protected = _inside(end, ranges) or _inside(pos, ranges)
        if strip_trailing and not protected:
            stripped = line.rstrip(" \t")
            if stripped != line:
                n_trailing += 1
                line = stripped
        if blank and not protected and not line.strip():
            run += 1
            if run > max_blank:
                n_blank += 1
                pos = end + 1
                continue
        else:
            run = 0
        out.append(line)
        pos = end + 1
    return "\n".join(out), n_trailing, n_blank


def clean(text: str, lang: str, params: CleanParams) -> tuple[str, dict[str, int]]:
    """Apply the enabled rules in order; returns the text and changes per rule."""
    on = params.rules
    changes: dict[str, int] = {}

    def apply(rule: str, fn: Callable[[str], tuple[str, int]]) -> None:
        nonlocal text
        if on.get(rule):
            text, n = fn(text)
            if n:
                changes[rule] = n

    apply("strip_bom", lambda t: (t[1:], 1) if t.startswith("\ufeff") else (t, 0))
    apply("line_endings", lambda t: (t.replace("\r\n", "\n").replace("\r", "\n"), t.count("\r")))
    apply("debug_statements", lambda t: debug_statements(t, lang, params.debug_console_methods))
    apply("todo_comments", lambda t: todo_comments(t, lang))
    if on.get("trailing_whitespace") or on.get("blank_lines"):
        text, n_trailing, n_blank = whitespace(
            text,
            lang,
            params.max_blank_lines,
            bool(on.get("trailing_whitespace")),
            bool(on.get("blank_lines")),
        )
        if n_trailing:
            changes["trailing_whitespace"] = n_trailing
        if n_blank:
            changes["blank_lines"] = n_blank
    return text, changes
