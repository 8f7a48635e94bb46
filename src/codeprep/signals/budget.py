"""Syntax checks under a per-document time and memory budget, in a child process that can be killed.

Why a process: a parser is C (tree-sitter, libxml2) or another runtime (node); neither can be
interrupted from Python, and a pathological page (550 KB of ``<div><span>`` never closed) kept an
in-process HTML parser busy for 338 s. So every :func:`~codeprep.signals.syntax.check` runs in one
long-lived child per worker (``python -m codeprep.signals.budget``, in its own process group, with the
node parsers as its children). The parent sends one document and waits at most
``max_seconds_per_doc``; past that it kills the whole group, records the document as ``timeout`` and
starts a fresh child for the next one. The child's address space is capped (``RLIMIT_AS`` at
``max_memory_mb``) and so is node's heap (``--max-old-space-size``): a parse that runs out gets
``too_complex`` (a ``MemoryError`` or a dead child). Either way the rest of the shard goes on,
delayed by at most the budget plus a child's start-up (~0.3 s).

Frames on the pipes: a 4-byte little-endian length, then a pickle — ``(lang, text, js_backend)`` in,
a :class:`~codeprep.signals.syntax.Verdict` out. Only this module's own child reads them.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import time
from typing import BinaryIO

from codeprep.signals.node_parsers import NodeParsersMissing
from codeprep.signals.params import Budget
from codeprep.signals.syntax import Verdict, check, parser_for, warm_up

_HEADER = struct.Struct("<I")
#: A child imports tree-sitter, lxml and starts node with its parsers loaded in about 1 s; allow more.
STARTUP_SECONDS = 60.0
#: Verdict classes of a document the budget stopped; the filter drops them (``filter.default.drop_over_budget``).
BUDGET_ERRORS = ("timeout", "too_complex")


class BudgetedChecker:
    """``check(lang, text)`` with the budget; use as a context manager (the child is closed on exit)."""

    def __init__(self, budget: Budget, js_backend: str = "tree-sitter") -> None:
        self.budget = budget
        self.js_backend = js_backend
        self._child: subprocess.Popen[bytes] | None = None
        self.restarts = 0

    def __enter__(self) -> BudgetedChecker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> subprocess.Popen[bytes]:
        """A child that has imported its parsers and started node: its first frame says so (or
        carries the set-up error, e.g. node parsers not installed), so start-up never counts
        against a document's budget."""
        env = dict(os.environ, CODEPREP_NODE_HEAP_MB=str(self.budget.max_memory_mb))
        child = subprocess.Popen(
            [sys.executable, "-m", "codeprep.signals.budget", str(self.budget.max_memory_mb)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            start_new_session=True,  # its own process group: a kill takes node with it
        )
        assert child.stdout is not None
        try:
            ready = _frame(child.stdout, time.monotonic() + STARTUP_SECONDS)
        except TimeoutError:
            ready = None
        if isinstance(ready, Exception):
            raise ready
        if ready != "ready":
            os.killpg(child.pid, signal.SIGKILL)
            raise RuntimeError(f"the syntax-check child did not start within {STARTUP_SECONDS} s")
        return child

    def check(self, lang: str, text: str) -> Verdict:
        parser = parser_for(lang, self.js_backend)
        if parser == "none":  # no validator: nothing to bound, no round trip
            return Verdict(None, "", None, None, parser, 0)
        if self._child is None or self._child.poll() is not None:
            self._child = self._start()
        child = self._child
        assert child.stdin is not None and child.stdout is not None
        payload = pickle.dumps((lang, text, self.js_backend), protocol=pickle.HIGHEST_PROTOCOL)
        deadline = time.monotonic() + self.budget.max_seconds_per_doc
        try:
            child.stdin.write(_HEADER.pack(len(payload)) + payload)
            child.stdin.flush()
            answer = _frame(child.stdout, deadline)
        except TimeoutError:
            self._kill()
            return Verdict(False, "timeout", None, None, parser, 0)
        except (BrokenPipeError, OSError):
            answer = None
        if answer is None:  # the child died: out of memory, or a parser crashed the process
            self._kill()
            return Verdict(False, "too_complex", None, None, parser, 0)
        if isinstance(answer, Exception):  # a set-up error, not a verdict
            raise answer
        return answer

    def _kill(self) -> None:
        """Kill the child over its budget (and its node parsers, in its process group)."""
        self.restarts += 1
        self._terminate()

    def _terminate(self) -> None:
        if self._child is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._child.pid, signal.SIGKILL)
        self._child.wait()
        self._child = None

    def close(self) -> None:
        if self._child is not None:
            self._child.stdin.close()  # type: ignore[union-attr]  # the child exits at EOF
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._child.wait(timeout=5)
            self._terminate()


def _frame(stream: BinaryIO, deadline: float) -> object | None:
    """The next frame's object before ``deadline``; None if the child died; TimeoutError after it."""
    header = _read(stream, _HEADER.size, deadline)
    body = _read(stream, _HEADER.unpack(header)[0], deadline) if header else b""
    return pickle.loads(body) if body else None


def _read(stream: BinaryIO, size: int, deadline: float) -> bytes:
    """Exactly ``size`` bytes from ``stream`` before ``deadline``; b"" at EOF; TimeoutError after it."""
    fd = stream.fileno()
    chunks: list[bytes] = []
    while size:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            raise TimeoutError
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return b""
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _serve(max_memory_mb: int) -> None:
    """The child: cap the address space, then answer frames until stdin closes."""
    import resource

    from codeprep.signals.syntax import ecmascript

    ecmascript.ISOLATED = True  # a parser crash here costs this process, not the caller's shard
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = max_memory_mb * 1024 * 1024
    if hard == resource.RLIM_INFINITY or limit < hard:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer

    def send(obj: object) -> None:
        data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.write(_HEADER.pack(len(data)) + data)
        stdout.flush()

    try:
        warm_up()
    except NodeParsersMissing as exc:
        send(exc)
        return
    send("ready")
    while True:
        header = stdin.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return
        lang, text, js_backend = pickle.loads(stdin.read(_HEADER.unpack(header)[0]))
        try:
            send(check(lang, text, js_backend))
        except NodeParsersMissing as exc:
            send(exc)


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
