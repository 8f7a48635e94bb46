"""Code-completion items of the evaluation suite: a documented JS/TS function's JSDoc and signature
are the prompt, its body is what the model is scored on (bits per byte of the body given the prompt).

At small scale a likelihood of reference solutions ranks data recipes far more reliably than pass@k
(DataDecide, Ai2 2025): a 5M-parameter proxy almost never writes a passing function, so pass@k is
zero noise, while the body's likelihood moves with every improvement. Declarations come from the
same tree-sitter walk as the pairs stage (:func:`codeprep.pairs.extract.documented`); only functions,
methods and function-valued bindings with a ``{ ... }`` body are items (a class or an expression-bodied
arrow has no body to complete).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from codeprep.eval.settings import EvalSettings
from codeprep.pairs.extract import doc_text, documented


def _body(decl: Any) -> Any | None:
    """The ``statement_block`` body of a function-like declaration, or None."""
    node = decl
    if decl.type in ("lexical_declaration", "variable_declaration"):
        declarator = next(c for c in decl.named_children if c.type == "variable_declarator")
        node = declarator.child_by_field_name("value")
    body = node.child_by_field_name("body") if node is not None else None
    return body if body is not None and body.type == "statement_block" else None


def completion_items(
    text: str, lang: str, repo: str, path: str, settings: EvalSettings
) -> Iterator[dict[str, Any]]:
    """``{repo, path, lang, name, line, prompt, target}`` for each documented function of one document
    within the settings' bounds. ``prompt`` runs from ``/**`` to the body's opening brace inclusive;
    ``target`` is the rest of the body, closing brace included."""
    src = text.encode("utf-8", "surrogatepass")
    for comment, decl, name in documented(text, lang):
        body = _body(decl)
        if body is None or len(doc_text(comment.text.decode("utf-8", "replace"))) < (
            settings.completion_min_doc_chars
        ):
            continue
        prompt = src[comment.start_byte : body.start_byte + 1].decode("utf-8", "replace")
        target = src[body.start_byte + 1 : body.end_byte].decode("utf-8", "replace")
        if (
            settings.completion_min_body_chars <= len(target) <= settings.completion_max_body_chars
            and len(prompt) <= settings.completion_max_prompt_chars
        ):
            yield {
                "repo": repo,
                "path": path,
                "lang": lang,
                "name": name,
                "line": decl.start_point[0] + 1,
                "prompt": prompt,
                "target": target,
            }
