"""The seed plan's CAT transforms: every code-comment pair becomes instruction records.

- ``comment_to_code``: the documentation as the task, the function as the answer;
- ``code_to_comment``: the function as input, its JSDoc comment as the answer;
- ``code_explanation``: the function as input, the documentation as the explanation — only when the
  documentation is over 100 characters (a one-line summary is not an explanation).

One instruction schema for all instruction data: ``instruction, input, output, task_type, lang,
source, id, parent_id`` (``parent_id``: the pair's id, so every derived record traces back), plus
``repo``, the package the pair comes from: the tokenize stage puts a record in the split its package
is in, so no validation package leaks into training through its functions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

INSTRUCTION_FIELDS = (
    "instruction",
    "input",
    "output",
    "task_type",
    "lang",
    "source",
    "id",
    "parent_id",
    "repo",
)
EXPLANATION_MIN_CHARS = 100


def record_id(*parts: str) -> str:
    """A stable id from its parts (blake2b-128), for every record derived from another."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


def pair_id(pair: dict[str, Any]) -> str:
    return record_id(
        pair["repository_name"], pair["func_path_in_repository"], pair["func_code_url"], pair["func_name"]
    )


def _comment(pair: dict[str, Any]) -> str:
    """The JSDoc block of a pair: the text before the code in ``whole_func_string`` (the corpus's
    pairs), else one written from the documentation (CodeSearchNet's JavaScript keeps the docstring
    apart: ``original_string`` is the code alone)."""
    whole, code = pair["whole_func_string"], pair["func_code_string"]
    head = whole[: len(whole) - len(code)].rstrip("\n") if whole.endswith(code) else ""
    if head.lstrip().startswith("/**"):
        return head
    lines = pair["func_documentation_string"].split("\n")
    return "/**\n" + "".join(f" * {line}".rstrip() + "\n" for line in lines) + " */"


def transforms(pair: dict[str, Any], lang: str = "", source: str = "corpus") -> Iterator[dict[str, str]]:
    """The CAT records of one pair. ``lang`` is the document's own language when known (``tsx``:
    CodeSearchNet's ``language`` says ``typescript``, and TSX code does not parse as TypeScript)."""
    parent = pair_id(pair)
    lang, name = lang or pair["language"], pair["func_name"]
    doc, code = pair["func_documentation_string"], pair["func_code_string"]
    comment = _comment(pair)
    rows = [
        (
            "comment_to_code",
            f"Write a {lang} implementation of `{name}` that does the following:\n\n{doc}",
            "",
            code,
        ),
        ("code_to_comment", f"Write a JSDoc comment for this {lang} code.", code, comment),
    ]
    if len(doc) > EXPLANATION_MIN_CHARS:
        rows.append(("code_explanation", f"Explain what this {lang} code does.", code, doc))
    for task, instruction, given, output in rows:
        yield {
            "instruction": instruction,
            "input": given,
            "output": output,
            "task_type": task,
            "lang": lang,
            "source": source,
            "id": record_id(parent, task),
            "parent_id": parent,
            "repo": pair["repository_name"],
        }
