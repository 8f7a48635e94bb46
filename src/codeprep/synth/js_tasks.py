"""Template tasks for ``js_enhancement``: a JavaScript/TypeScript declaration from the corpus as the
input, the same declaration after one AST mutation operator as the output, and an instruction that
states that edit (the seed plan's "Implement error handling for this {api_type} API call", "Add
TypeScript types for this ... interface"...). The operator runs on every eligible site
(``rate = 1``) so the instruction can say "every" and be exact; the API slot names the most
corpus-frequent API the snippet calls.
"""

from __future__ import annotations

import difflib
import random
import re

from codeprep.synth.corpus import Corpus, Snippet
from codeprep.synth.markup_tasks import Skip, Task
from codeprep.synth.mutate_js import mutate_js
from codeprep.synth.mutation import MutationRejected

_IDENT = re.compile(r"[A-Za-z_$][\w$]*")
_API = re.compile(r"\b([A-Za-z_$][\w$]{1,30}\.[A-Za-z_$][\w$]{1,30})\s*\(")
OPERATORS = ("wrap_try_catch", "add_jsdoc", "add_type_annotation", "change_signature", "rename_binding")


def _mutate(snippet: Snippet, operator: str) -> str:
    try:
        # rate 1: every eligible site, so the instruction's "every" is exact; the rng is then unused
        # by the operator's firing decision but still names renamed bindings deterministically.
        rng = random.Random(f"{snippet.doc_id}:{snippet.name}")
        return mutate_js(snippet.text, snippet.lang, rng, 1.0, [operator]).content
    except MutationRejected as exc:
        raise Skip(exc.reason) from None


def _api_phrase(corpus: Corpus, snippet: Snippet) -> str:
    called = set(_API.findall(snippet.text))
    ranked = [api for api in corpus.vocabulary("apis", 500) if api in called]
    return f" (it calls `{ranked[0]}`)" if ranked else ""


def _renames(before: str, after: str) -> list[tuple[str, str]]:
    """The identifier renames that turn ``before`` into ``after`` (one new name per old one)."""
    a, b = _IDENT.findall(before), _IDENT.findall(after)
    mapping: dict[str, str] = {}
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if tag != "replace" or i2 - i1 != j2 - j1:
            continue  # shorthand `{x}` → `{x: value}` inserts the key; the rename is found elsewhere
        for old, new in zip(a[i1:i2], b[j1:j2], strict=True):
            if mapping.setdefault(old, new) != new:
                raise Skip("ambiguous_rename")
    return sorted(mapping.items())


def js_enhancement(rng: random.Random, corpus: Corpus, snippet: Snippet) -> Task:
    ts = snippet.lang in ("typescript", "tsx")
    operator = rng.choice([op for op in OPERATORS if ts or op != "add_type_annotation"])
    output = _mutate(snippet, operator)
    name, lang = snippet.name, snippet.lang
    if operator == "wrap_try_catch":
        instruction = rng.choice(
            (
                f"Implement error handling in `{name}`{_api_phrase(corpus, snippet)}: wrap the body of every function in it that has no try statement in try/catch, log the error with console.error and rethrow it.",
                f"Add try/catch error handling to `{name}`{_api_phrase(corpus, snippet)} so that every function body without one logs the error with console.error and rethrows it.",
            )
        )
    elif operator == "add_jsdoc":
        instruction = rng.choice(
            (
                f"Add JSDoc comments to `{name}` and to every function in it that lacks one: a one-line summary, a @param tag per parameter and @returns where it returns a value.",
                f"Document `{name}` with JSDoc: a summary line, one @param for each parameter, and @returns when a value is returned. Do the same for undocumented nested functions.",
            )
        )
    elif operator == "add_type_annotation":
        instruction = rng.choice(
            (
                f"Add TypeScript type annotations to the parameters of `{name}` that have a literal default value (number, string or boolean).",
                f"In `{name}`, give every parameter with a literal default an explicit primitive type annotation.",
            )
        )
    elif operator == "change_signature":
        instruction = rng.choice(
            (
                f"Add an optional trailing options parameter, defaulting to an empty object, to every function in `{name}` that takes fewer than four parameters and no rest parameter, so existing calls keep working.",
                f"Extend the signature of `{name}` (and of its inner functions with fewer than four parameters and no rest parameter) with an optional options object defaulting to {{}}, without breaking any caller.",
            )
        )
    else:
        renames = _renames(snippet.text, output)
        if not renames:
            raise Skip("no_site")
        listed = ", ".join(f"`{old}` to `{new}`" for old, new in renames)
        instruction = (
            f"In `{name}`, rename {listed}, updating every reference and leaving property names unchanged."
        )
    return f"js_{operator}", instruction, snippet.text, output, lang
