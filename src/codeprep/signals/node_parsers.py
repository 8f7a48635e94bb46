"""The reference parsers (TypeScript 5, acorn, postcss, parse5, @mdx-js/mdx) in one long-lived node
process, asked one document at a time.

Why node: for TypeScript, CSS/SCSS, HTML and MDX no Python parser agrees with the compilers on modern
code (bench/results/syntax.json: tree-sitter-typescript rejects overloaded generic call signatures,
tree-sitter-css/scss accept a fifth of broken files, html5lib runs at 2 MB/s and stalls for minutes
on never-closed markup). The compilers' own parsers are the definition of valid, so they decide. The
packages are pinned in ``node/package-lock.json`` and installed by ``make install`` (``npm ci
--ignore-scripts``) into ``node/node_modules``.

One process per Python process, started on first use (~0.1 s) and restarted if it dies. Time and
memory limits are not this module's job: :mod:`codeprep.signals.budget` runs every check in a child
process it can kill, and this node process dies with it (it reads stdin and exits at EOF, and it is in
the child's process group). ``heap_mb`` caps V8's heap so a runaway parse fails inside node (an
internal error: ``ok`` None) instead of swapping.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

NODE_DIR = Path(__file__).resolve().parent / "node"
SCRIPT = NODE_DIR / "parsers.mjs"
#: V8 heap ceiling (MB) unless CODEPREP_NODE_HEAP_MB says otherwise (the budget child sets it).
DEFAULT_HEAP_MB = 1024


class NodeParsersMissing(RuntimeError):
    """node or the pinned parser packages are not installed: a set-up error, not a verdict."""


class NodeParsers:
    """A client of ``parsers.mjs``: ``ask(kind, text)`` returns its JSON answer."""

    def __init__(self, heap_mb: int | None = None) -> None:
        self.heap_mb = heap_mb or int(os.environ.get("CODEPREP_NODE_HEAP_MB", DEFAULT_HEAP_MB))
        self._proc: subprocess.Popen[bytes] | None = None

    def _start(self) -> subprocess.Popen[bytes]:
        node = shutil.which("node")
        if node is None:
            raise NodeParsersMissing("node is not on PATH: the syntax validators need node >= 18")
        if not (NODE_DIR / "node_modules" / "typescript").is_dir():
            raise NodeParsersMissing(
                f"the pinned syntax parsers are not installed in {NODE_DIR / 'node_modules'}: "
                "run `make install` (npm ci --ignore-scripts there)"
            )
        return subprocess.Popen(
            [node, f"--max-old-space-size={self.heap_mb}", "--stack-size=4000", str(SCRIPT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=NODE_DIR,
            preexec_fn=_lift_address_limit,
        )

    def ask(self, kind: str, text: str) -> dict[str, Any]:
        """The reference's verdict on ``text`` (``kind``: js, jsx, ts, tsx, css, scss, html, mdx, json).

        A node process that died mid-answer (V8 out of memory, a crash) is restarted for the next
        document and this one gets ``ok`` None with the reason."""
        if self._proc is None or self._proc.poll() is not None:
            self._proc = self._start()
        proc = self._proc
        assert proc.stdin is not None and proc.stdout is not None
        line = json.dumps({"id": 0, "kind": kind, "text": text}, ensure_ascii=False) + "\n"
        try:
            proc.stdin.write(line.encode("utf-8", "surrogatepass"))
            proc.stdin.flush()
            answer = proc.stdout.readline()
        except (BrokenPipeError, OSError):
            answer = b""
        if not answer:
            self.close()
            return {"ok": None, "error": "node_crashed", "line": None, "col": None}
        return json.loads(answer)

    def close(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            self._proc = None


def _lift_address_limit() -> None:
    """In node, undo an address-space cap inherited from the budget child: V8 reserves far more
    virtual memory than it uses, and its heap is capped by ``--max-old-space-size`` instead."""
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))


_shared: NodeParsers | None = None


def shared() -> NodeParsers:
    """This process's node parsers (one process serves every language)."""
    global _shared
    if _shared is None:
        _shared = NodeParsers()
    return _shared


def _forget_after_fork() -> None:
    """A forked child must not share its parent's node process (answers would interleave): it starts
    its own on first use. The parent's pipes stay open in the child until it exits; harmless."""
    global _shared
    _shared = None


os.register_at_fork(after_in_child=_forget_after_fork)
