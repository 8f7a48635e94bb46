"""JSON (``json.loads``) and Markdown (markdown-it, which always parses)."""

from __future__ import annotations

import json
from functools import cache

from codeprep.signals.syntax.reference import comment_bytes_html
from codeprep.signals.syntax.verdict import Verdict, bad, ok

# --------------------------------------------------------------------------------------------------
# JSON, Markdown


def check_json(text: str) -> Verdict:
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return bad("json", "invalid_json", exc.lineno, exc.colno)
    except RecursionError:
        return bad("json", "too_deep", None, None)
    return ok("json")


@cache
def _markdown_it():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark")


def check_markdown(text: str) -> Verdict:
    _markdown_it().parse(text)
    return ok("markdown-it", comment_bytes_html(text))
