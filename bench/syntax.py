"""Syntax-validator benchmark: speed, acceptance of valid files and rejection of corrupted mutants.

Every validator of ``codeprep.signals.syntax.check`` is measured per language against the real
compilers, on two corpora (``--corpus``): ``default``, the pipeline's own sample (``out/ingest/docs``),
and ``heldout``, recent type-heavy packages nobody tuned a validator on (``manifest/npm-heldout.json``
+ ``manifest/npm-syntax-heldout.json``, fetched and ingested once into ``bench/work/syntax-heldout``).

======================  ===================  ===============================================
validator (pipeline)    languages            reference (verdict of the real parser)
======================  ===================  ===============================================
oxc+acorn               javascript, jsx      acorn (ES latest; module, else CommonJS script),
                                             + acorn-jsx (``.js`` files may hold JSX; ``.jsx``)
oxc+typescript          typescript, tsx      TypeScript 5 ``createSourceFile`` +
                                             ``parseDiagnostics`` (``.d.ts`` files named so)
postcss / postcss-scss  css / scss           the same
parse5                  html                 the same, with the same fatal-error policy
mdx-js                  mdx                  @mdx-js/mdx ``compile`` (the JS string it
                                             generates is thrown away; never evaluate/run)
lxml                    xml, svg             Python's expat (an independent XML parser),
                                             namespaces on, no external/parameter entities
json                    json                 node's ``JSON.parse`` (ECMA-404)
esprima (comparison)    javascript, jsx      as tree-sitter+acorn's
======================  ===================  ===============================================

Where the pipeline's validator *is* the reference (CSS, SCSS, HTML, MDX; and for JS/TS every file
tree-sitter rejects), agreement is by construction and what the figures show is the speed through the
pipeline's path and the rejections tree-sitter misses. The references are the pipeline's own
``src/codeprep/signals/node`` package (pinned by its package-lock.json, installed by ``make install``);
for the reference verdicts one node process per language reads JSON lines and answers in order.

Figures per validator and language:

- ``mb_per_s``: UTF-8 MB (10^6 bytes) of the corpus's documents per CPU second of ``check`` calls on
  one core: this process and its node parsers are pinned to one CPU while timing and both processes'
  CPU time counts. After a warm-up: the median of ``--timed-repeats`` passes (more passes, up to
  ``--min-timed-s``, for tiny languages, so they are not one clock tick). CPU time rather than wall
  time because the machine may be shared: ``mb_per_s_wall``, ``mb_per_s_best`` and the load average
  before/after (``load_avg_1m``) are kept beside it; on an idle machine wall and CPU agree.
- ``accept_valid``: share of *known-valid* documents (the reference accepts them) that ``check``
  accepts; ``accept_all``: share of all documents it accepts.
- ``reject_corrupt``: share of *corrupt* mutants that ``check`` rejects. Mutants are made from up to
  ``--max-files`` known-valid documents of at most ``--max-file-bytes`` (seeded sample), with
  ``--mutants-per-kind`` mutants of each kind per file: ``truncate`` (cut in the middle third),
  ``delete_bracket`` / ``insert_bracket`` (one of ``{}()[]``; ``{}[]`` for JSON; ``<``/``>`` for
  XML/SVG/HTML; ``<>{}`` for MDX), ``swap_tokens`` (two adjacent, different non-whitespace tokens),
  ``garbage`` (a short run such as ``@#%$`` or ``)))`` inserted at a random point). A mutant is corrupt
  only if the reference rejects it (removing a ``(`` inside a comment leaves a valid file); those the
  reference accepts are counted apart (``n_mutants_still_valid``, ``accept_still_valid``).
  ``reject_by_kind``: the same rate per mutation kind (``corrupt_by_kind`` gives the counts).
- ``agreement_with_reference``: share of documents + mutants where ``check``'s ok equals the
  reference's (cases where either side gives no verdict count as disagreement; reference crashes are
  left out and counted in ``n_ref_undecided``).
- ``examples``: a few seeded disagreements of each sort, with both sides' error and position.

esprima is pure Python (~0.5 MB/s): its speed is timed on a seeded subset of the documents
(``--esprima-max-mb``, see ``timed_files``), its verdicts on the rest are taken on every core.

Goals: every pipeline validator >= 99.5% acceptance of valid files and >= 95% rejection of corrupt
mutants; JS, JSX, TS, TSX, CSS and HTML also >= 10 MB/s per core. ``shortfalls`` lists what misses.
Results go to ``bench/results/syntax.json`` under ``corpora.<corpus>`` (the other corpus's entry is
kept); a markdown table is printed.

    .venv/bin/python bench/syntax.py                    # default corpus, ~5 min on 2 cores
    .venv/bin/python bench/syntax.py --corpus heldout   # fetches + ingests once, then ~5 min
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import faulthandler
import json
import multiprocessing
import os
import pyexpat
import random
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import warnings
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from machine import machine_facts
from stage_run import stage

ROOT = Path(__file__).resolve().parent.parent
MB = 1_000_000

#: (validator, lang, js_backend) in report order: the pipeline's validator per language, then esprima
#: (the alternative JavaScript backend, for comparison)
VALIDATORS: tuple[tuple[str, str, str], ...] = (
    ("oxc+acorn", "javascript", "tree-sitter"),
    ("oxc+acorn", "jsx", "tree-sitter"),
    ("oxc+typescript", "typescript", "tree-sitter"),
    ("oxc+typescript", "tsx", "tree-sitter"),
    ("postcss", "css", "tree-sitter"),
    ("postcss-scss", "scss", "tree-sitter"),
    ("parse5", "html", "tree-sitter"),
    ("mdx-js", "mdx", "tree-sitter"),
    ("lxml", "xml", "tree-sitter"),
    ("lxml", "svg", "tree-sitter"),
    ("json", "json", "tree-sitter"),
    ("esprima", "javascript", "esprima"),
    ("esprima", "jsx", "esprima"),
)
#: accept and reject goals bind every validator the pipeline runs (require_valid_syntax is on for each
#: of these languages); the speed goal binds JS, TS, CSS and HTML (issue 17)
BINDING = {(name, lang) for name, lang, _ in VALIDATORS if name != "esprima"}
SPEED_LANGS = frozenset({"javascript", "jsx", "typescript", "tsx", "css", "html"})
TARGETS = {"mb_per_s": 10.0, "accept_valid": 0.995, "reject_corrupt": 0.95}

#: reference kind sent to node, per language (xml/svg use expat in this process)
NODE_KIND = {
    "javascript": "js",
    "jsx": "jsx",
    "typescript": "ts",
    "tsx": "tsx",
    "mdx": "mdx",
    "css": "css",
    "scss": "scss",
    "json": "json",
    "html": "html",
}
REFERENCE_NAME = {
    "javascript": "acorn (+acorn-jsx)",
    "jsx": "acorn + acorn-jsx",
    "typescript": "typescript createSourceFile parseDiagnostics (TS)",
    "tsx": "typescript createSourceFile parseDiagnostics (TSX)",
    "mdx": "@mdx-js/mdx compile",
    "css": "postcss parse",
    "scss": "postcss-scss parse",
    "json": "node JSON.parse",
    "html": "parse5 + fatal-error policy",
    "xml": "python expat, namespaces on (no external/parameter entities)",
    "svg": "python expat, namespaces on (no external/parameter entities)",
}

MUTATION_KINDS = ("truncate", "delete_bracket", "insert_bracket", "swap_tokens", "garbage")
BRACKETS = {
    "json": "{}[]",
    "xml": "<>",
    "svg": "<>",
    "html": "<>",
    "mdx": "<>{}",
}
CODE_BRACKETS = "{}()[]"
TOKEN_RE = re.compile(r"[A-Za-z_$][\w$]*|\d[\w.]*|\S")
GARBAGE_CHARS = "@#%$^&*~`\\|"


@dataclass
class Doc:
    repo: str
    version: str
    path: str
    text: str
    size: int  # UTF-8 bytes

    @property
    def name(self) -> str:
        """``repo@version/path``, as ``codeprep explain`` takes it."""
        return f"{self.repo}@{self.version}/{self.path}" if self.version else f"{self.repo}/{self.path}"


@dataclass
class Mutant:
    doc: int  # index into the language's documents
    kind: str
    detail: str
    text: str


# --- reference side -------------------------------------------------------------------------------


def ensure_reference() -> Path:
    """The node script of the reference parsers: the pipeline's own (``make install`` installs it)."""
    from codeprep.signals.node_parsers import NODE_DIR, SCRIPT

    if shutil.which("node") is None:
        raise SystemExit("node must be on PATH for the reference parsers")
    if not (NODE_DIR / "node_modules" / "typescript").is_dir():
        raise SystemExit(f"the reference parsers are not installed in {NODE_DIR}: run `make install`")
    return SCRIPT


def heldout_docs(work: Path) -> Path:
    """The held-out corpus (npm-heldout.json + npm-syntax-heldout.json) fetched and ingested once into
    ``work/syntax-heldout``; returns its ingested shards."""
    import yaml

    from codeprep.params import load_params
    from codeprep.sources.fetch_npm import fetch

    base = work / "syntax-heldout"
    docs = base / "ingest" / "docs"
    if docs.is_dir():
        return docs
    for manifest in ("npm-heldout.json", "npm-syntax-heldout.json"):
        fetch(ROOT / "manifest" / manifest, base / "npm")
    params = load_params(ROOT / "params.yaml")
    params["ingest"]["inputs"] = [{"path": str(base / "npm"), "format": "npm"}]
    params_file = base / "params.yaml"
    params_file.write_text(yaml.safe_dump(params, sort_keys=False))
    stage(
        "ingest.py",
        params_file,
        out=base / "ingest",
        metrics=base / "ingest.json",
        plot=base / "ingest_by_lang.csv",
    )
    return docs


class NodeReference:
    """One long-running node process answering one JSON line per request, in order."""

    def __init__(self, script: Path) -> None:
        self.proc = subprocess.Popen(
            ["node", script.name],
            cwd=script.parent,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def run(self, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        stdin = self.proc.stdin

        def feed() -> None:
            for req in requests:
                stdin.write(json.dumps(req) + "\n")
            stdin.flush()

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        answers = []
        for req in requests:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"reference process exited ({self.proc.poll()})")
            answer = json.loads(line)
            if answer["id"] != req["id"]:
                raise RuntimeError(f"reference answered {answer['id']} for {req['id']}")
            answers.append(answer)
        writer.join()
        return answers

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def expat_verdict(text: str) -> dict[str, Any]:
    """Namespace well-formedness by expat (namespace processing on: an unbound prefix or a ``:name``
    is an error, as for any XML/SVG consumer). External entities and parameter entities are never
    read; expat itself caps entity amplification, so a billion-laughs file fails, never explodes."""
    parser = pyexpat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.ExternalEntityRefHandler = lambda *_: 1  # skip, never fetch
    try:
        parser.Parse(text, True)  # str input: expat is told the text is UTF-8, whatever the prolog says
    except pyexpat.ExpatError as exc:
        return {
            "ok": False,
            "error": pyexpat.ErrorString(exc.code),
            "line": exc.lineno,
            "col": exc.offset + 1,
        }
    except RecursionError:
        return {"ok": None, "error": "internal: recursion", "line": None, "col": None}
    return {"ok": True, "error": "", "line": None, "col": None}


def html_reference_verdict(answer: dict[str, Any]) -> dict[str, Any]:
    """Apply the pipeline's :data:`~codeprep.signals.syntax.PARSE5_FATAL_CODES` to parse5's errors."""
    from codeprep.signals.syntax import html_fatal_error

    if answer.get("ok") is None:
        return answer
    err = html_fatal_error(answer)
    if err is None:
        return {"ok": True, "error": "", "line": None, "col": None}
    return {"ok": False, "error": err["code"], "line": err["line"], "col": err["col"]}


def reference_verdicts(
    lang: str, node: NodeReference | None, docs: list[Doc], texts: list[str]
) -> list[dict[str, Any]]:
    """Reference verdicts for ``texts`` (each from the document of the same position in ``docs``)."""
    if lang in ("xml", "svg"):
        return [expat_verdict(t) for t in texts]
    assert node is not None
    kind = NODE_KIND[lang]
    requests = []
    for i, (doc, text) in enumerate(zip(docs, texts, strict=True)):
        req: dict[str, Any] = {"id": i, "text": text, "kind": kind}
        if lang == "typescript" and doc.path.endswith((".d.ts", ".d.mts", ".d.cts")):
            req["name"] = "input.d.ts"
        requests.append(req)
    answers = node.run(requests)
    if lang == "html":
        answers = [html_reference_verdict(a) for a in answers]
    return answers


# --- mutants --------------------------------------------------------------------------------------


def mutate(kind: str, text: str, rng: random.Random, brackets: str) -> tuple[str, str] | None:
    """One mutant of ``kind`` and a description of the change, or None when the kind does not apply."""
    n = len(text)
    if kind == "truncate":
        lo, hi = n // 3, (2 * n) // 3
        if hi <= lo:
            return None
        cut = rng.randrange(lo, hi)
        return text[:cut], f"cut at char {cut} of {n}"
    if kind == "delete_bracket":
        positions = [m.start() for m in re.finditer("[" + re.escape(brackets) + "]", text)]
        if not positions:
            return None
        i = rng.choice(positions)
        return text[:i] + text[i + 1 :], f"deleted {text[i]!r} at char {i}"
    if kind == "insert_bracket":
        i = rng.randrange(n + 1)
        c = rng.choice(brackets)
        return text[:i] + c + text[i:], f"inserted {c!r} at char {i}"
    if kind == "swap_tokens":
        spans = [m.span() for m in TOKEN_RE.finditer(text)]
        if len(spans) < 2:
            return None
        for _ in range(50):
            j = rng.randrange(len(spans) - 1)
            (a0, a1), (b0, b1) = spans[j], spans[j + 1]
            first, second = text[a0:a1], text[b0:b1]
            if first != second:  # tokens are separated by whitespace only (TOKEN_RE covers all else)
                swapped = text[:a0] + second + text[a1:b0] + first + text[b1:]
                return swapped, f"swapped {first[:20]!r} and {second[:20]!r} at char {a0}"
        return None
    if kind == "garbage":
        if rng.random() < 0.5:
            run = "".join(rng.choice(GARBAGE_CHARS) for _ in range(rng.randint(2, 5)))
        else:
            run = rng.choice(")]}>") * rng.randint(2, 4)
        i = rng.randrange(n + 1)
        return text[:i] + run + text[i:], f"inserted {run!r} at char {i}"
    raise ValueError(kind)


def make_mutants(
    lang: str, docs: list[Doc], ref: list[dict[str, Any]], args: argparse.Namespace
) -> list[Mutant]:
    rng = random.Random(f"{args.seed}:mutants:{lang}")
    eligible = [i for i, d in enumerate(docs) if ref[i]["ok"] is True and 0 < d.size <= args.max_file_bytes]
    chosen = sorted(rng.sample(eligible, min(args.max_files, len(eligible))))
    brackets = BRACKETS.get(lang, CODE_BRACKETS)
    mutants = []
    for i in chosen:
        text = docs[i].text
        for kind in MUTATION_KINDS:
            for _ in range(args.mutants_per_kind):
                made = mutate(kind, text, rng, brackets)
                if made is not None and made[0] != text:
                    mutants.append(Mutant(i, kind, made[1], made[0]))
    return mutants


@dataclass
class LangReference:
    docs_ref: list[dict[str, Any]]
    mutants: list[Mutant]
    mutants_ref: list[dict[str, Any]]
    seconds: float


def reference_for_lang(
    lang: str, docs: list[Doc], script: Path, args: argparse.Namespace
) -> tuple[str, LangReference]:
    start = time.perf_counter()
    node = None if lang in ("xml", "svg") else NodeReference(script)
    try:
        docs_ref = reference_verdicts(lang, node, docs, [d.text for d in docs])
        mutants = make_mutants(lang, docs, docs_ref, args)
        mutants_ref = reference_verdicts(
            lang, node, [docs[m.doc] for m in mutants], [m.text for m in mutants]
        )
    finally:
        if node is not None:
            node.close()
    seconds = time.perf_counter() - start
    print(
        f"  reference {lang}: {len(docs)} docs, {len(mutants)} mutants in {seconds:.1f} s",
        file=sys.stderr,
    )
    return lang, LangReference(docs_ref, mutants, mutants_ref, seconds)


# --- our side -------------------------------------------------------------------------------------


def _pool_init() -> None:
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setaffinity(0, range(os.cpu_count() or 1))  # undo the parent's timing pin


#: One budgeted checker per process and JS backend: the path the signals stage runs (a child process
#: under the budget, with its node parsers), started once, not per batch.
_CHECKERS: dict[str, Any] = {}


def _checker(backend: str) -> Any:
    from codeprep.signals.budget import BudgetedChecker
    from codeprep.signals.params import Budget

    if backend not in _CHECKERS:
        _CHECKERS[backend] = BudgetedChecker(Budget(max_seconds_per_doc=600.0), backend)
    return _CHECKERS[backend]


def _check_batch(
    job: tuple[str, str, list[str]],
) -> list[tuple[bool | None, str, int | None, int | None, str]]:
    lang, backend, texts = job
    checker = _checker(backend)
    out = []
    for text in texts:
        v = checker.check(lang, text)
        out.append((v.ok, v.error, v.line, v.col, v.parser))
    return out


def check_untimed(pool: Any, lang: str, backend: str, texts: list[str]) -> list[tuple]:
    """Verdicts for ``texts`` on every core (order kept); batches of ~1 MB."""
    jobs, batch, size = [], [], 0
    for text in texts:
        batch.append(text)
        size += len(text)
        if size >= MB or len(batch) >= 200:
            jobs.append((lang, backend, batch))
            batch, size = [], 0
    if batch:
        jobs.append((lang, backend, batch))
    if pool is None:
        return [v for job in jobs for v in _check_batch(job)]
    return [v for part in pool.imap(_check_batch, jobs) for v in part]


def _descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (the budget child and its node parsers), from /proc."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            todo.extend(int(c) for c in task.read_text().split())
    return out


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of processes ``pids``, from /proc."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError), open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def check_timed(
    lang: str, backend: str, texts: list[str], size: int, repeats: int, min_s: float
) -> tuple[list[tuple], dict[str, Any]]:
    """Verdicts for ``texts`` and the throughput on one core.

    The checks run as the signals stage runs them: through a :class:`BudgetedChecker` (a child process
    and its node parsers). This process, the child and node are pinned to one CPU, which makes at
    least ``repeats`` passes over ``texts`` (more, up to ``min_s`` CPU seconds, for small languages).
    Each pass's CPU time (all three processes: ``time.process_time`` and /proc) and wall time are
    taken; ``mb_per_s`` is by the
    median pass's CPU time, so a busy shared machine slows the wall figure more than the reported
    one. The best pass and the 1-minute load average before and after are kept as witnesses.
    """
    checker = _checker(backend)
    for text in [*texts[:20], "x"]:  # warm-up: the child, its node parsers, grammars
        checker.check(lang, text)
    assert checker._child is not None
    helpers = _descendants(checker._child.pid)  # the budget child and its node parsers
    load_before = os.getloadavg()[0]
    pinned = False
    with contextlib.suppress(AttributeError, OSError):
        before = os.sched_getaffinity(0)
        core = {min(before)}
        for pid in (0, *helpers):  # one core does the whole check
            os.sched_setaffinity(pid, core)
        pinned = True

    def cpu() -> float:
        return time.process_time() + _cpu_seconds(helpers)

    cpu_times: list[float] = []
    wall_times: list[float] = []
    try:
        # first pass: also the slowest single call (a pathological file is worth naming)
        verdicts, slowest = [], (0.0, -1)
        wall0, cpu0 = time.perf_counter(), cpu()
        for k, text in enumerate(texts):
            t0 = time.perf_counter()
            verdicts.append(checker.check(lang, text))
            slowest = max(slowest, (time.perf_counter() - t0, k))
        cpu_times.append(cpu() - cpu0)
        wall_times.append(time.perf_counter() - wall0)
        while len(cpu_times) < repeats or (sum(cpu_times) < min_s and len(cpu_times) < 1000):
            wall0, cpu0 = time.perf_counter(), cpu()
            for text in texts:
                checker.check(lang, text)
            cpu_times.append(cpu() - cpu0)
            wall_times.append(time.perf_counter() - wall0)
    finally:
        if pinned:
            for pid in (0, *helpers):
                with contextlib.suppress(OSError):
                    os.sched_setaffinity(pid, before)
    mb = size / MB

    def rate(seconds: float) -> float | None:
        return round(mb / seconds, 3) if seconds > 0 else None

    timing = {
        "mb_per_s": rate(statistics.median(cpu_times)),
        "mb_per_s_best": rate(min(cpu_times)),
        "mb_per_s_wall": rate(statistics.median(wall_times)),
        "timed_mb": round(mb, 3),
        "timed_files": len(texts),
        "timed_passes": len(cpu_times),
        "timed_cpu_s": round(sum(cpu_times), 3),
        "timed_wall_s": round(sum(wall_times), 3),
        "load_avg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "slowest_call_s": round(slowest[0], 3),
        "slowest_index": slowest[1],
    }
    return [(v.ok, v.error, v.line, v.col, v.parser) for v in verdicts], timing


# --- figures --------------------------------------------------------------------------------------


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 5) if den else None


def _side(ok: Any, error: str, line: Any, col: Any) -> dict[str, Any]:
    return {"ok": ok, "error": (error or "")[:160], "line": line, "col": col}


def evaluate(
    name: str,
    lang: str,
    backend: str,
    docs: list[Doc],
    timed_idx: list[int],
    ref: LangReference,
    pool: Any,
    args: argparse.Namespace,
) -> dict[str, Any]:
    eval_idx = list(range(len(docs)))
    start = time.perf_counter()
    ours_timed, timing = check_timed(
        lang,
        backend,
        [docs[i].text for i in timed_idx],
        sum(docs[i].size for i in timed_idx),
        args.timed_repeats,
        args.min_timed_s,
    )
    timed_set = set(timed_idx)
    rest = [i for i in eval_idx if i not in timed_set]
    ours_rest = check_untimed(pool, lang, backend, [docs[i].text for i in rest])
    verdict_of = dict(zip(timed_idx, ours_timed, strict=True)) | dict(zip(rest, ours_rest, strict=True))
    ours = [verdict_of[i] for i in eval_idx]
    slow_doc = docs[timed_idx[timing.pop("slowest_index")]] if timed_idx else None
    timing["slowest_file"] = slow_doc.name if slow_doc else None
    ours_mut = check_untimed(pool, lang, backend, [m.text for m in ref.mutants])
    seconds = time.perf_counter() - start

    refs = [ref.docs_ref[i] for i in eval_idx]
    valid = [k for k, r in enumerate(refs) if r["ok"] is True]
    ref_bad = [k for k, r in enumerate(refs) if r["ok"] is False]
    corrupt = [k for k, r in enumerate(ref.mutants_ref) if r["ok"] is False]
    still_valid = [k for k, r in enumerate(ref.mutants_ref) if r["ok"] is True]

    by_kind: dict[str, dict[str, int]] = {kind: {"n": 0, "rejected": 0} for kind in MUTATION_KINDS}
    for k in corrupt:
        cell = by_kind[ref.mutants[k].kind]
        cell["n"] += 1
        cell["rejected"] += ours_mut[k][0] is False

    pairs = [(o[0], r["ok"]) for o, r in zip(ours, refs, strict=True)]
    pairs += [(o[0], r["ok"]) for o, r in zip(ours_mut, ref.mutants_ref, strict=True)]
    judged = [(o, r) for o, r in pairs if r is not None]

    rng = random.Random(f"{args.seed}:examples:{name}:{lang}")

    def doc_example(k: int) -> dict[str, Any]:
        d = docs[eval_idx[k]]
        return {
            "file": d.name,
            "ours": _side(*ours[k][:4]),
            "reference": _side(
                refs[k]["ok"], refs[k].get("error", ""), refs[k].get("line"), refs[k].get("col")
            ),
        }

    def mutant_example(k: int) -> dict[str, Any]:
        m = ref.mutants[k]
        d = docs[m.doc]
        r = ref.mutants_ref[k]
        return {
            "file": d.name,
            "mutation": f"{m.kind}: {m.detail}",
            "ours": _side(*ours_mut[k][:4]),
            "reference": _side(r["ok"], r.get("error", ""), r.get("line"), r.get("col")),
        }

    def pick(items: list[int]) -> list[int]:
        return sorted(rng.sample(items, min(args.examples, len(items))))

    false_reject = [k for k in valid if ours[k][0] is not True]
    lax_accept = [k for k in ref_bad if ours[k][0] is True]
    missed = [k for k in corrupt if ours_mut[k][0] is not False]
    strict_mut = [k for k in still_valid if ours_mut[k][0] is False]
    examples = {
        "valid_rejected_by_us": [doc_example(k) for k in pick(false_reject)],
        "reference_rejects_we_accept": [doc_example(k) for k in pick(lax_accept)],
        "corrupt_mutant_accepted_by_us": [mutant_example(k) for k in pick(missed)],
        "valid_mutant_rejected_by_us": [mutant_example(k) for k in pick(strict_mut)],
    }
    ref_errors = Counter((refs[k].get("error") or "")[:80] for k in ref_bad)
    our_errors = Counter(ours[k][1] for k in false_reject)

    result: dict[str, Any] = {
        "validator": name,
        "lang": lang,
        "js_backend": backend if lang in ("javascript", "jsx") else None,
        "reference": REFERENCE_NAME[lang],
        "mb": round(sum(d.size for d in docs) / MB, 3),
        **timing,
        "n_files": len(eval_idx),
        "n_known_valid": len(valid),
        "n_ref_rejected_files": len(ref_bad),
        "accept_valid": _rate(sum(ours[k][0] is True for k in valid), len(valid)),
        "accept_all": _rate(sum(o[0] is True for o in ours), len(ours)),
        "n_undecided": sum(o[0] is None for o in ours) + sum(o[0] is None for o in ours_mut),
        "n_mutants": len(ref.mutants),
        "n_mutated_files": len({m.doc for m in ref.mutants}),
        "n_corrupt": len(corrupt),
        "reject_corrupt": _rate(sum(ours_mut[k][0] is False for k in corrupt), len(corrupt)),
        "reject_by_kind": {kind: _rate(c["rejected"], c["n"]) for kind, c in by_kind.items()},
        "corrupt_by_kind": {kind: c["n"] for kind, c in by_kind.items()},
        "n_mutants_still_valid": len(still_valid),
        "accept_still_valid": _rate(sum(ours_mut[k][0] is True for k in still_valid), len(still_valid)),
        "agreement_with_reference": _rate(sum(o is r for o, r in judged), len(judged)),
        "n_ref_undecided": len(pairs) - len(judged),
        "disagreements": {
            "valid_rejected_by_us": len(false_reject),
            "reference_rejects_we_accept": len(lax_accept),
            "corrupt_mutant_accepted_by_us": len(missed),
            "valid_mutant_rejected_by_us": len(strict_mut),
        },
        "our_errors_on_valid": dict(our_errors.most_common(8)),
        "reference_errors_on_sample": dict(ref_errors.most_common(8)),
        "parsers": dict(Counter(o[4] for o in ours)),
        "examples": examples,
        "check_seconds": round(seconds, 1),
    }
    if lang == "javascript":
        result["reference_parsed_as"] = dict(Counter(r.get("via", "") for r in refs if r["ok"] is True))
    goals = {}
    for key, target in TARGETS.items():
        if key == "mb_per_s" and lang not in SPEED_LANGS:
            continue
        value = result[key]
        goals[key] = {"target": target, "value": value, "pass": value is not None and value >= target}
    result["goals"] = goals
    result["goals_binding"] = (name, lang) in BINDING
    result["pass"] = all(g["pass"] for g in goals.values())
    return result


# --- report ---------------------------------------------------------------------------------------


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def markdown(results: list[dict[str, Any]]) -> str:
    lines = [
        "| validator | lang | files | MB/s | accept_valid | accept_all | reject_corrupt (n) | agreement | goals |",
        "|---|---|--:|--:|--:|--:|--:|--:|---|",
    ]
    for r in results:
        if r["goals_binding"]:
            failed = [k for k, g in r["goals"].items() if not g["pass"]]
            verdict = "**pass**" if not failed else "**FAIL** " + ", ".join(failed)
        else:
            verdict = "—"
        lines.append(
            f"| {r['validator']} | {r['lang']} | {r['n_files']:,} | {r['mb_per_s']:.1f} | "
            f"{_pct(r['accept_valid'])} ({r['n_known_valid']:,}) | {_pct(r['accept_all'])} | "
            f"{_pct(r['reject_corrupt'])} ({r['n_corrupt']:,}) | {_pct(r['agreement_with_reference'])} | {verdict} |"
        )
    lines += [
        "",
        "| validator | lang | " + " | ".join(MUTATION_KINDS) + " |",
        "|---|---|" + "--:|" * len(MUTATION_KINDS),
    ]
    for r in results:
        cells = [f"{_pct(r['reject_by_kind'][k])} ({r['corrupt_by_kind'][k]})" for k in MUTATION_KINDS]
        lines.append(f"| {r['validator']} | {r['lang']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    facts = machine_facts()
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        facts["node"] = subprocess.run(
            ["node", "--version"], capture_output=True, text=True, check=True
        ).stdout.strip()
    return facts


def versions(script: Path) -> dict[str, Any]:
    ours = {}
    for dist in ("tree-sitter", "tree-sitter-javascript", "tree-sitter-typescript", "lxml", "esprima"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            ours[dist] = metadata.version(dist)
    refs = {"expat": pyexpat.EXPAT_VERSION}
    wanted = json.loads((script.parent / "package.json").read_text())["dependencies"]
    for name in sorted(wanted):
        pkg = script.parent / "node_modules" / name / "package.json"
        refs[name] = json.loads(pkg.read_text())["version"] if pkg.is_file() else None
    return {"validators": ours, "references": refs}


def load_docs(args: argparse.Namespace, langs: set[str]) -> dict[str, list[Doc]]:
    from codeprep.shards import iter_records

    docs: dict[str, list[Doc]] = {lang: [] for lang in langs}
    for rec in iter_records(args.docs, columns=["repo", "version", "path", "lang", "content", "size_bytes"]):
        if rec["lang"] in docs:
            docs[rec["lang"]].append(
                Doc(
                    rec["repo"] or "",
                    rec["version"] or "",
                    rec["path"] or "",
                    rec["content"],
                    rec["size_bytes"],
                )
            )
    if args.limit_docs:
        for lang, items in docs.items():
            if len(items) > args.limit_docs:
                rng = random.Random(f"{args.seed}:limit:{lang}")
                docs[lang] = [items[i] for i in sorted(rng.sample(range(len(items)), args.limit_docs))]
    return docs


def subset_by_bytes(docs: list[Doc], max_mb: float, seed: str) -> list[int]:
    """A seeded random subset of document indices holding at most ``max_mb`` MB (all if it fits)."""
    total = sum(d.size for d in docs)
    if total <= max_mb * MB:
        return list(range(len(docs)))
    order = list(range(len(docs)))
    random.Random(seed).shuffle(order)
    chosen, size = [], 0
    for i in order:
        if size + docs[i].size <= max_mb * MB:
            chosen.append(i)
            size += docs[i].size
    return sorted(chosen)


def main(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    # esprima 4 compiles a regex CPython warns about on every import; not ours, not news
    warnings.filterwarnings("ignore", category=FutureWarning, module=r"esprima\.")
    try:
        from codeprep.signals import syntax
        from codeprep.signals.syntax import check
    except ImportError as exc:
        raise SystemExit(f"codeprep.signals.syntax is not importable: {exc}") from exc
    if check("javascript", "let a = 1;").ok is not True:
        raise SystemExit("check('javascript', 'let a = 1;') is not ok: fix the validator first")

    selected = [v for v in VALIDATORS if not args.langs or v[1] in args.langs]
    langs = {lang for _, lang, _ in selected}
    args.work.mkdir(parents=True, exist_ok=True)
    script = ensure_reference()
    if args.corpus == "heldout":
        args.docs = heldout_docs(args.work)
    docs = load_docs(args, langs)
    print(
        f"sample {args.docs}: "
        + ", ".join(f"{lang} {len(docs[lang])}" for lang in sorted(langs))
        + f"; seed {args.seed}",
        file=sys.stderr,
    )

    print("reference verdicts:", file=sys.stderr)
    workers = max(1, min(args.workers, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as ex:
        futures = [
            ex.submit(reference_for_lang, lang, docs[lang], script, args)
            for lang in sorted(langs, key=lambda lang: -sum(d.size for d in docs[lang]))
        ]
        refs = dict(f.result() for f in futures)

    print("validators:", file=sys.stderr)
    pool = multiprocessing.get_context("fork").Pool(workers, initializer=_pool_init) if workers > 1 else None
    results = []
    try:
        for name, lang, backend in selected:
            if name == "esprima":  # pure Python: time a seeded subset, judge the rest on every core
                timed_idx = subset_by_bytes(docs[lang], args.esprima_max_mb, f"{args.seed}:esprima:{lang}")
            else:
                timed_idx = list(range(len(docs[lang])))
            # a validator stuck on one input shows where, instead of a silent hang
            faulthandler.dump_traceback_later(args.stall_s, repeat=True)
            try:
                r = evaluate(name, lang, backend, docs[lang], timed_idx, refs[lang], pool, args)
            finally:
                faulthandler.cancel_dump_traceback_later()
            results.append(r)
            print(
                f"  {name}/{lang}: {r['mb_per_s']:.1f} MB/s, accept_valid {_pct(r['accept_valid'])}, "
                f"reject_corrupt {_pct(r['reject_corrupt'])}, agreement {_pct(r['agreement_with_reference'])} "
                f"({r['check_seconds']} s; slowest call {r['slowest_call_s']} s: {r['slowest_file']})",
                file=sys.stderr,
            )
    finally:
        if pool is not None:
            pool.close()
            pool.join()

    binding = [r for r in results if r["goals_binding"]]
    out = {
        "corpus": args.corpus,
        "date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seed": args.seed,
        "machine": machine(),
        "versions": versions(script),
        "config": {
            "docs": str(
                args.docs.resolve().relative_to(ROOT)
                if args.docs.resolve().is_relative_to(ROOT)
                else args.docs
            ),
            "max_files_mutated": args.max_files,
            "max_file_bytes_mutated": args.max_file_bytes,
            "mutants_per_kind": args.mutants_per_kind,
            "mutation_kinds": list(MUTATION_KINDS),
            "esprima_max_mb": args.esprima_max_mb,
            "min_timed_s": args.min_timed_s,
            "timed_repeats": args.timed_repeats,
            "limit_docs": args.limit_docs,
            "parse5_fatal_codes": [
                *sorted(syntax.PARSE5_FATAL_CODES),
                "invalid-first-character-of-tag-name at '>'",
            ],
        },
        "units": "MB = 10^6 bytes of UTF-8; mb_per_s: one core, check() calls only, after a warm-up, "
        "median pass by CPU time (mb_per_s_wall: by wall time); "
        "rates are fractions in [0, 1]; corrupt = mutant the reference rejects",
        "targets": {
            **TARGETS,
            "binding_for": sorted(f"{n}/{lang}" for n, lang in BINDING),
            "mb_per_s_binding_for": sorted(SPEED_LANGS),
        },
        "goals_met": bool(binding) and all(r["pass"] for r in binding),
        "shortfalls": [
            f"{r['validator']}/{r['lang']}: {k}"
            for r in binding
            for k, g in r["goals"].items()
            if not g["pass"]
        ],
        "validators": {f"{r['validator']}/{r['lang']}": r for r in results},
        "reference_seconds": {lang: round(r.seconds, 1) for lang, r in refs.items()},
        "total_bench_s": round(time.perf_counter() - started, 1),
    }
    table = markdown(results)
    if args.limit_docs or args.langs:
        print("(partial run: --limit-docs/--langs given, results not written)", file=sys.stderr)
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        previous = json.loads(args.out.read_text()) if args.out.is_file() else {}
        corpora = {**previous.get("corpora", {}), args.corpus: out}
        whole = {
            "benchmark": "syntax",
            "corpora": corpora,
            "goals_met": all(c["goals_met"] for c in corpora.values()),
        }
        args.out.write_text(json.dumps(whole, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
        print(f"wrote {args.out}", file=sys.stderr)
    print(table)
    print(f"\ntotal {out['total_bench_s']} s; binding goals met: {out['goals_met']}", file=sys.stderr)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--corpus",
        choices=("default", "heldout"),
        default="default",
        help="default: the pipeline's ingest (--docs); heldout: npm-heldout.json + npm-syntax-heldout.json",
    )
    parser.add_argument("--docs", type=Path, default=ROOT / "out" / "ingest" / "docs", help="ingested shards")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--max-files", type=int, default=300, help="valid files mutated per language")
    parser.add_argument("--max-file-bytes", type=int, default=200_000, help="largest file mutated")
    parser.add_argument("--mutants-per-kind", type=int, default=2, help="mutants of each kind per file")
    parser.add_argument("--esprima-max-mb", type=float, default=3.0, help="JS subset esprima is timed on")
    parser.add_argument("--timed-repeats", type=int, default=5, help="timed passes (median reported)")
    parser.add_argument("--min-timed-s", type=float, default=1.0, help="more passes up to this CPU time")
    parser.add_argument("--stall-s", type=float, default=300, help="print stacks if a validator takes longer")
    parser.add_argument("--examples", type=int, default=5, help="disagreement examples of each sort")
    parser.add_argument("--workers", type=int, default=2, help="processes for the untimed work")
    parser.add_argument("--langs", type=lambda s: set(s.split(",")), default=None, help="only these (test)")
    parser.add_argument("--limit-docs", type=int, default=0, help="seeded subset per language (test)")
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "work", help="scratch (git-ignored)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "syntax.json")
    return parser.parse_args(argv)


if __name__ == "__main__":
    main(parse_args())
