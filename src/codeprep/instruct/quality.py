"""Signals for one instruction record: the code it contains, its language, whether that code parses,
how clear the instruction is and how complete the output is.

The seed plan names the thresholds (instruction clarity 0.8, output completeness 0.9) but scores
them with a readability formula and "length and structure". Here each score is the share of concrete
checks a record passes, so a threshold reads as "how many checks may fail" and a rejection can say
which:

- clarity (5 checks): length within bounds; at least three words; mostly prose outside code
  (letters of 2+-letter words ≥ 60% of the visible characters outside fences); reads as a task (an imperative verb
  or a question); no unfilled template slot (``{topic}``, ``[insert ...]``, ``<placeholder>``).
  0.8 lets one check fail.
- completeness (5 checks): non-empty; fences balanced; no stub left for the reader (``// your code
  here``, ``TODO: implement``, ``...`` standing alone as a body); not cut off (ends with a closing
  fence, bracket, tag, semicolon or sentence punctuation); not an apology or refusal. 0.9 means all.

Code blocks: fenced blocks with their info tag mapped to a canonical language; a record whose
``output`` has no fence but whose ``lang`` is a code language (CAT's comment_to_code) is one block,
and so is an MDX document (next to its fenced examples); prose tasks (``code_explanation``) are not.
A JavaScript/TypeScript block that does not parse as a program is tried once more as a class body,
because a method extracted from a class (``get name() {...}``) is valid only there.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from codeprep.instruct.params import Lengths
from codeprep.languages import CODE_LANGS
from codeprep.signals.syntax import check

#: Fence info tag → canonical language (the pipeline's names; off-target languages keep their name).
FENCE_LANG = {
    "js": "javascript",
    "javascript": "javascript",
    "mjs": "javascript",
    "cjs": "javascript",
    "jsx": "jsx",
    "ts": "typescript",
    "typescript": "typescript",
    "tsx": "tsx",
    "html": "html",
    "htm": "html",
    "xml": "xml",
    "svg": "svg",
    "css": "css",
    "scss": "scss",
    "less": "less",
    "json": "json",
    "md": "markdown",
    "markdown": "markdown",
    "mdx": "mdx",
    "py": "python",
    "python": "python",
    "python3": "python",
    "java": "java",
    "c": "c",
    "cpp": "cpp",
    "c++": "cpp",
    "go": "go",
    "rust": "rust",
    "rs": "rust",
    "sh": "shell",
    "bash": "shell",
    "shell": "shell",
    "sql": "sql",
}
#: Tasks whose output is prose about code, never code itself.
PROSE_TASKS = frozenset({"code_explanation"})
#: Document languages whose fenced blocks are part of the document.
DOC_LANGS = frozenset({"mdx"})
_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})[ \t]*([^\s`]*)[^\n]*\n(.*?)^[ \t]{0,3}\1[ \t]*$", re.M | re.S)
_FENCE_LINE = re.compile(r"^[ \t]{0,3}(?:`{3,}|~{3,})", re.M)
_FENCE_OPEN = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})[ \t]*([^\s`]*)[^`\n]*$")
_WORDS = re.compile(r"[A-Za-z]{2,}")
_TASK_VERBS = re.compile(
    r"(?:^|[.!?:]\s+|\n)\s*(?:please\s+)?(?:write|create|implement|add|refactor|explain|generate|convert|"
    r"fix|optimi[sz]e|build|design|describe|document|make|return|given|develop|define|update|"
    r"modify|rename|turn|wrap|declare|attach|insert|remove|replace|transform|translate|extend|"
    r"compute|find|parse|validate|sort|count|determine|construct|design|show|provide|use|you are)\b",
    re.I,
)
_SLOT = re.compile(
    r"\{[a-z_]+\}|\[(?:insert|your|add)[^\]]*\]|<(?:placeholder|insert)[^>]*>|\$\{?[A-Z_]{3,}\}?", re.I
)
_STUB = re.compile(
    r"//\s*(?:your code here|todo:?\s*implement|implement (?:this|me))|/\*\s*your code here|"
    r"TODO:?\s*implement|^\s*\.\.\.\s*$|\bpass\s*#\s*TODO",
    re.I | re.M,
)
_ENDING = re.compile(r"(?:[`~]{3,}|[}\])>;.!?:\"'*/`]|\w)\s*\Z")
_REFUSAL = re.compile(r"\A\s*(?:I'?m sorry|I apologi[sz]e|As an AI|I cannot|I can't help)", re.I)


@dataclass(frozen=True)
class Block:
    lang: str  # canonical language, "" when the fence has no tag and detection found none
    code: str
    tagged: bool


def fenced_blocks(text: str) -> tuple[list[tuple[str, str]], bool]:
    """``(info tag lower-cased, code)`` for each fenced block, and whether a fence was left open
    (a response cut off by ``max_tokens``). A fence closes on a bare fence of the same character at
    least as long, as in CommonMark."""
    blocks: list[tuple[str, str]] = []
    opened: tuple[str, str] | None = None
    body: list[str] = []
    for line in text.splitlines():
        match = _FENCE_OPEN.match(line)
        if opened is None:
            if match:
                opened, body = (match.group(1), match.group(2).lower()), []
            continue
        fence = match.group(1) if match else ""
        if match and not match.group(2) and fence[0] == opened[0][0] and len(fence) >= len(opened[0]):
            blocks.append((opened[1], "\n".join(body)))
            opened = None
        else:
            body.append(line)
    return blocks, opened is not None


def code_blocks(output: str, record_lang: str = "", task_type: str = "") -> list[Block]:
    """The code an output holds: its fenced blocks; and the whole output, in the record's language,
    when the record says it is code (a CAT or template answer with no fences, or an MDX document,
    whose fenced examples are checked as well) — not for a prose task such as ``code_explanation``."""
    found = [Block(FENCE_LANG.get(tag, tag), code, bool(tag)) for tag, code in fenced_blocks(output)[0]]
    if record_lang in CODE_LANGS and task_type not in PROSE_TASKS:
        if record_lang in DOC_LANGS:
            return [Block(record_lang, output, True), *found]
        if not _FENCE_LINE.search(output):
            return [Block(record_lang, output, True)]
    return found


def detect(
    blocks: list[Block], predict: Callable[[str], tuple[str, float]] | None, min_prob: float
) -> list[Block]:
    """Untagged blocks get the language id model's call when it is confident; tagged ones keep
    their tag (the author's word beats a classifier on a snippet)."""
    out = []
    for block in blocks:
        if not block.lang and predict is not None and block.code.strip():
            lang, prob = predict(block.code)
            block = Block(lang if prob >= min_prob else "", block.code, False)
        out.append(block)
    return out


def block_valid(block: Block) -> bool | None:
    """The syntax verdict of one block (None: no validator for its language)."""
    verdict = check(block.lang, block.code)
    if verdict.ok is False and block.lang in ("javascript", "jsx", "typescript", "tsx"):
        return check(block.lang, "class __Fragment {\n" + block.code + "\n}").ok is True
    return verdict.ok


def _prose(text: str) -> str:
    return _FENCE.sub(" ", text)


def clarity_checks(instruction: str, lengths: Lengths) -> dict[str, bool]:
    prose = _prose(instruction)
    words = _WORDS.findall(prose)
    visible = sum(not c.isspace() for c in prose)
    return {
        "length": lengths.min_instruction_chars <= len(instruction) <= lengths.max_instruction_chars,
        "words": len(words) >= 3,
        "prose": visible > 0 and sum(map(len, words)) / visible >= 0.6,
        "task": bool(_TASK_VERBS.search(prose)) or "?" in prose,
        "no_slot": not _SLOT.search(instruction),
    }


def completeness_checks(output: str) -> dict[str, bool]:
    return {
        "non_empty": bool(output.strip()),
        "fences_balanced": not fenced_blocks(output)[1],
        "no_stub": not _STUB.search(output),
        "not_cut_off": bool(_ENDING.search(output)),
        "not_refusal": not _REFUSAL.search(output),
    }


def score(checks: dict[str, bool]) -> float:
    return sum(checks.values()) / len(checks)


def normalised_hash(text: str) -> str:
    """Hash of ``text`` with every whitespace run collapsed to one space and the ends stripped, so a
    re-indented or re-wrapped copy of a document still matches it."""
    return hashlib.blake2b(
        " ".join(text.split()).encode("utf-8", "surrogatepass"), digest_size=16
    ).hexdigest()
