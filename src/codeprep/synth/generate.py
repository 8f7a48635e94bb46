"""Self-instruct and evol-instruct records from a teacher, each response validated before it is kept.

- **self-instruct** (Wang et al. 2023, as used for code by Magicoder's OSS-Instruct): the teacher is
  shown a corpus file and writes one task a developer could ask about it, with its answer. Grounding
  in real code keeps the tasks in our languages and away from the teacher's favourite toy problems.
- **evol-instruct** (WizardLM / WizardCoder): an existing instruction record is made harder with one
  in-depth evolution (:data:`EVOLUTIONS`) and answered again.

The teacher answers in a fixed format (``### Instruction`` / ``### Input`` / ``### Response``, see the
files in ``prompts/``). Every response is kept or rejected with a stable reason code
(:data:`REASONS`), so the stage can write rejections to ``removed/`` and show
``attempted = accepted + sum(rejected)``. Only code in the *response* is syntax-checked: a task's input
may be broken on purpose ("fix this bug"). Code is parsed, never run.

Which seeds and which evolutions are drawn is fixed by ``params.seed``; the teacher itself may not be
deterministic (a server may ignore ``seed``), which is why its outputs are a DVC output, not a cache key.
"""

from __future__ import annotations

import random
import re
import string
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from codeprep.instruct.quality import FENCE_LANG, fenced_blocks, normalised_hash
from codeprep.pairs.cat import record_id
from codeprep.signals.syntax import check
from codeprep.synth.teacher import Teacher, TeacherParams

SOURCE = "synth"
#: WizardLM's in-depth evolutions, worded for code tasks; the text fills ``$operation``.
EVOLUTIONS: dict[str, str] = {
    "add_constraints": "Add one more constraint or requirement to the task (for example on input "
    "validation, edge cases, browser support, accessibility or performance).",
    "deepen": "Increase the depth and breadth of the task: ask for more of what it asks, or about a "
    "closely related case it leaves out.",
    "concretize": "Replace general concepts in the task with more specific ones (a concrete data shape, "
    "API, element, selector or framework-free detail).",
    "increase_reasoning": "If the task can be solved in a few simple steps, rewrite it so that it "
    "explicitly needs several steps of reasoning.",
}
REASONS = (
    "backend_error",
    "empty",
    "unparseable_response",
    "too_short",
    "too_long",
    "invalid_code",
    "copy_of_corpus",
    "duplicate",
)
#: What a teacher writes in ``### Input`` when the task needs none.
NO_INPUT = frozenset({"", "none", "none.", "(none)", "n/a", "-"})

_HEADER = re.compile(r"^[ \t]*#{2,4}[ \t]*(instruction|input|response)[ \t]*:?[ \t]*$", re.I | re.M)
_ONE_BLOCK = re.compile(r"(`{3,}|~{3,})[^\n]*\n(.*)\n\1[ \t]*", re.S)


@dataclass(frozen=True)
class Bounds:
    """Length limits in characters; a response outside them is ``too_short`` / ``too_long``."""

    instruction_min: int = 10
    instruction_max: int = 2000
    output_min: int = 20
    output_max: int = 8000


class Rejection(NamedTuple):
    id: str
    reason: str  # one of REASONS
    detail: str


#: An accepted record (instruction schema + generation fields) or a rejection.
Generated = dict[str, str] | Rejection


def load_prompt(path: Path, placeholders: set[str]) -> string.Template:
    """A ``string.Template`` (``$name``: braces and ``${...}`` in code values are left alone) whose
    placeholders are exactly ``placeholders``; a typo in a prompt file fails before any request."""
    template = string.Template(Path(path).read_text(encoding="utf-8"))
    if not template.is_valid():
        raise ValueError(f"{path}: invalid placeholder (write a literal $ as $$)")
    found = set(template.get_identifiers())
    if found != placeholders:
        raise ValueError(f"{path}: placeholders {sorted(found)}, expected {sorted(placeholders)}")
    return template


def fenced(code: str, lang: str) -> str:
    """``code`` in a backtick fence longer than any backtick run inside it (Markdown files have fences)."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{code.rstrip()}\n{fence}"


def parse_response(text: str) -> tuple[str, str, str] | None:
    """``(instruction, input, output)`` from the fixed format, or None when it is not there. Text before
    ``### Instruction`` is ignored; ``### Input`` is optional; an input that is one fenced block is
    unwrapped, so ``input`` holds code as the corpus-derived records do."""
    heads = [(m.group(1).lower(), m.start(), m.end()) for m in _HEADER.finditer(text)]
    first: dict[str, tuple[int, int]] = {}
    for name, start, end in heads:
        first.setdefault(name, (start, end))
    if "instruction" not in first or "response" not in first:
        return None
    i_end = first["instruction"][1]
    r_start, r_end = first["response"]
    if r_start < i_end:
        return None
    inputs = [(s, e) for name, s, e in heads if name == "input" and i_end <= s and e <= r_start]
    instruction_end = inputs[0][0] if inputs else r_start
    given = text[inputs[0][1] : r_start].strip() if inputs else ""
    if given.lower() in NO_INPUT:
        given = ""
    whole = _ONE_BLOCK.fullmatch(given)
    if whole and len(fenced_blocks(given)[0]) == 1:
        given = whole.group(2)
    return text[i_end:instruction_end].strip(), given, text[r_end:].strip()


def _length_problem(instruction: str, output: str, bounds: Bounds) -> Rejection | None:
    for field, value, low, high in (
        ("instruction", instruction, bounds.instruction_min, bounds.instruction_max),
        ("output", output, bounds.output_min, bounds.output_max),
    ):
        if len(value) < low:
            return Rejection("", "too_short", f"{field} {len(value)} < {low} chars")
        if len(value) > high:
            return Rejection("", "too_long", f"{field} {len(value)} > {high} chars")
    return None


def _code_problem(blocks: list[tuple[str, str]], unclosed: bool) -> str:
    """Why the output's code is invalid, or "" when every checkable block parses."""
    if unclosed:
        return "unclosed code fence"
    for k, (tag, code) in enumerate(blocks, 1):
        lang = FENCE_LANG.get(tag)
        if lang is None:
            continue
        verdict = check(lang, code)
        if verdict.ok is False:
            return f"block {k} ({lang}): {verdict.error} at {verdict.line}:{verdict.col}"
    return ""


def validate(
    response: str,
    *,
    bounds: Bounds,
    corpus_hashes: set[str] | frozenset[str],
    seed_hashes: set[str],
    seen: set[str],
) -> tuple[str, str, str] | Rejection:
    """``(instruction, input, output)`` of an acceptable response, or the first reason it is not
    (the rejection's id is left empty for the caller). ``corpus_hashes`` holds the normalised hashes of
    the corpus documents, ``seed_hashes`` those of this attempt's seed (kept apart so the corpus set
    is never copied); ``seen`` those of accepted instruction+output pairs, updated on acceptance."""
    if not response.strip():
        return Rejection("", "empty", "the teacher returned no text")
    parsed = parse_response(response)
    if parsed is None:
        return Rejection("", "unparseable_response", repr(response[:80]))
    instruction, given, output = parsed
    if not instruction or not output:
        return Rejection("", "empty", "instruction" if not instruction else "response")
    problem = _length_problem(instruction, output, bounds)
    if problem is not None:
        return problem
    blocks, unclosed = fenced_blocks(output)
    invalid = _code_problem(blocks, unclosed)
    if invalid:
        return Rejection("", "invalid_code", invalid)
    for k, code in enumerate([output] + [code for _, code in blocks]):
        digest = normalised_hash(code)
        if code.strip() and (digest in corpus_hashes or digest in seed_hashes):
            return Rejection("", "copy_of_corpus", "the whole response" if k == 0 else f"block {k}")
    key = normalised_hash(f"{instruction}\x00{output}")
    if key in seen:
        return Rejection("", "duplicate", key)
    seen.add(key)
    return instruction, given, output


def _draw(items: Sequence[Any], n: int, rng: random.Random) -> list[Any]:
    """``n`` items in a seeded shuffled order, cycling when ``n`` exceeds the pool."""
    order = list(range(len(items)))
    rng.shuffle(order)
    return [items[order[i % len(order)]] for i in range(n)] if order else []


def _attempt(
    teacher: Teacher,
    prompt: str,
    params: TeacherParams,
    seed: int,
    *,
    bounds: Bounds,
    corpus_hashes: set[str] | frozenset[str],
    seed_hashes: set[str],
    seen: set[str],
) -> tuple[str, str, str] | Rejection:
    try:
        response = teacher.complete(
            prompt, max_tokens=params.max_tokens, temperature=params.temperature, seed=seed
        )
    except Exception as exc:  # any backend failure is one rejected attempt, not a failed stage
        return Rejection("", "backend_error", f"{type(exc).__name__}: {exc}"[:300])
    return validate(response, bounds=bounds, corpus_hashes=corpus_hashes, seed_hashes=seed_hashes, seen=seen)


def _record(
    rid: str,
    parent: str,
    lang: str,
    repo: str,
    fields: tuple[str, str, str],
    method: str,
    teacher: str,
    evolution: str,
) -> dict[str, str]:
    instruction, given, output = fields
    return {
        "instruction": instruction,
        "input": given,
        "output": output,
        "task_type": method,
        "lang": lang,
        "source": SOURCE,
        "id": rid,
        "parent_id": parent,
        "repo": repo,
        "generation_method": method,
        "teacher": teacher,
        "evolution": evolution,
    }


def self_instruct(
    seeds: Sequence[tuple[str, ...]],
    teacher: Teacher,
    params: TeacherParams,
    prompt_path: Path,
    *,
    corpus_hashes: set[str] | frozenset[str] = frozenset(),
    bounds: Bounds = Bounds(),
    seen: set[str] | None = None,
) -> Iterator[Generated]:
    """``params.self_instruct`` attempts, each on a seed ``(seed_id, lang, code)`` or
    ``(seed_id, lang, code, repo)`` drawn with ``params.seed``; ``prompt_path`` has ``$lang`` and
    ``$code``. Ids: ``record_id("self_instruct", seed_id, attempt)``; ``parent_id`` is the seed's id and
    ``repo`` its package, so the tokenize stage keeps a record in its seed's split."""
    template = load_prompt(prompt_path, {"lang", "code"})
    rng = random.Random(f"{params.seed}:self_instruct")
    seen = set() if seen is None else seen
    for i, (seed_id, lang, code, *repo) in enumerate(_draw(seeds, params.self_instruct, rng)):
        rid = record_id("self_instruct", seed_id, str(i))
        prompt = template.substitute(lang=lang, code=fenced(code, lang))
        result = _attempt(
            teacher,
            prompt,
            params,
            params.seed + i,
            bounds=bounds,
            corpus_hashes=corpus_hashes,
            seed_hashes={normalised_hash(code)},
            seen=seen,
        )
        if isinstance(result, Rejection):
            yield result._replace(id=rid)
        else:
            yield _record(
                rid, seed_id, lang, repo[0] if repo else "", result, "self_instruct", teacher.name, ""
            )


def evol_instruct(
    bases: Sequence[dict[str, Any]],
    teacher: Teacher,
    params: TeacherParams,
    prompt_path: Path,
    *,
    corpus_hashes: set[str] | frozenset[str] = frozenset(),
    bounds: Bounds = Bounds(),
    seen: set[str] | None = None,
) -> Iterator[Generated]:
    """``params.evol_instruct`` attempts, each on an instruction record drawn with ``params.seed`` and
    one evolution from :data:`EVOLUTIONS` drawn from the same rng; ``prompt_path`` has ``$lang``,
    ``$operation``, ``$instruction`` and ``$input``. A response repeating the base's input or output
    verbatim counts as ``copy_of_corpus``: it was not evolved. ``repo`` is carried over from the base."""
    template = load_prompt(prompt_path, {"lang", "operation", "instruction", "input"})
    rng = random.Random(f"{params.seed}:evol_instruct")
    seen = set() if seen is None else seen
    operations = sorted(EVOLUTIONS)
    for i, base in enumerate(_draw(bases, params.evol_instruct, rng)):
        operation = rng.choice(operations)
        rid = record_id("evol_instruct", base["id"], operation, str(i))
        lang = base["lang"]
        prompt = template.substitute(
            lang=lang,
            operation=EVOLUTIONS[operation],
            instruction=base["instruction"],
            input=fenced(base["input"], lang) if base["input"].strip() else "none",
        )
        result = _attempt(
            teacher,
            prompt,
            params,
            params.seed + i,
            bounds=bounds,
            corpus_hashes=corpus_hashes,
            seed_hashes={normalised_hash(base[k]) for k in ("input", "output") if base[k].strip()},
            seen=seen,
        )
        if isinstance(result, Rejection):
            yield result._replace(id=rid)
        else:
            yield _record(
                rid, base["id"], lang, base.get("repo", ""), result, "evol_instruct", teacher.name, operation
            )


def run_generation(
    seeds: Sequence[tuple[str, ...]],
    bases: Sequence[dict[str, Any]],
    teacher: Teacher | None,
    params: TeacherParams,
    prompts_dir: Path,
    *,
    corpus_hashes: set[str] | frozenset[str] = frozenset(),
    bounds: Bounds = Bounds(),
) -> tuple[list[dict[str, str]], list[Rejection], dict[str, Any]]:
    """Self-instruct then evol-instruct (``prompts_dir``/self_instruct.txt, evol_instruct.txt), one
    duplicate check across both. Returns the accepted records, the rejections and the counts for the
    metrics file: per method ``attempted``, ``accepted``, ``rejected`` by reason, and for evol the
    accepted records per evolution. With no teacher (backend ``none``) nothing is attempted."""
    records: list[dict[str, str]] = []
    rejections: list[Rejection] = []
    counts: dict[str, Any] = {"teacher": teacher.name if teacher else "none"}
    seen: set[str] = set()
    runs = (
        ("self_instruct", self_instruct, seeds),
        ("evol_instruct", evol_instruct, bases),
    )
    for method, generate, items in runs:
        rejected: Counter[str] = Counter()
        evolutions: Counter[str] = Counter()
        attempted = 0
        if teacher is not None:
            prompt_path = prompts_dir / f"{method}.txt"
            for item in generate(
                items, teacher, params, prompt_path, corpus_hashes=corpus_hashes, bounds=bounds, seen=seen
            ):
                attempted += 1
                if isinstance(item, Rejection):
                    rejections.append(item)
                    rejected[item.reason] += 1
                else:
                    records.append(item)
                    evolutions[item["evolution"]] += 1
        counts[method] = {
            "attempted": attempted,
            "accepted": attempted - sum(rejected.values()),
            "rejected": dict(sorted(rejected.items())),
        }
        if method == "evol_instruct":
            counts[method]["evolutions"] = dict(sorted(evolutions.items()))
    return records, rejections, counts
