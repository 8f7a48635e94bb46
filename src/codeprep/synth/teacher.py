"""Teacher backends: the model that writes synthetic instruction data, behind one small protocol.

- ``none`` (the default): no teacher, so ``make repro`` needs no model, no server and no credentials.
- ``llama_cpp``: a local GGUF file run in-process by llama-cpp-python (already a dependency for the
  bench), loaded once. Raw completion, no chat template: the prompt files carry the whole format.
- ``openai``: any OpenAI-compatible ``/chat/completions`` server (llama.cpp's ``llama-server``, vLLM,
  a hosted API). The base URL and the optional key come from environment variables named in params,
  never from files, so params.yaml and DVC's lock file hold no host and no secret. Spoken to with the
  standard library only: one POST with JSON is not worth a dependency.

Errors are :class:`TeacherError` with the status and a short excerpt of the server's answer; the key
is never part of a message or a ``repr``.
"""

from __future__ import annotations

import http.client
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from codeprep.params import dataclass_from

BACKENDS = ("none", "llama_cpp", "openai")
#: Statuses worth another try: rate limiting and server-side failures.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Upper bound of one backoff pause, seconds (also caps a server's Retry-After).
MAX_BACKOFF_S = 60.0
#: Characters of a server's error body quoted in a message.
EXCERPT_CHARS = 200


class Teacher(Protocol):
    name: str

    def complete(self, prompt: str, *, max_tokens: int, temperature: float, seed: int) -> str: ...


class TeacherError(RuntimeError):
    """The teacher could not produce a completion (after any retries)."""


@dataclass(frozen=True)
class TeacherParams:
    backend: str = "none"  # none | llama_cpp | openai
    model_path: str = ""  # llama_cpp: a local GGUF file
    model: str = ""  # openai: model name sent in the request
    url_env: str = "CODEPREP_TEACHER_URL"  # openai: base URL (ending in /v1) read from this env var
    key_env: str = "CODEPREP_TEACHER_KEY"  # openai: API key read from this env var (optional)
    max_tokens: int = 512
    temperature: float = 0.7
    n_ctx: int = 2048
    threads: int = 2
    timeout_s: float = 60.0
    retries: int = 3  # further attempts after the first, on 429/5xx and connection errors
    self_instruct: int = 0  # how many self-instruct records to attempt
    evol_instruct: int = 0  # how many evol-instruct records to attempt
    seed: int = 0

    @classmethod
    def from_params(cls, section: dict[str, Any] | None) -> TeacherParams:
        params = dataclass_from(cls, section, "synth.teacher")
        if params.backend not in BACKENDS:
            raise ValueError(f"synth.teacher.backend must be one of {BACKENDS}, not {params.backend!r}")
        return params


class LlamaCppTeacher:
    """A GGUF model run in this process; the model is loaded once, when the teacher is made."""

    name = "llama_cpp"

    def __init__(self, model_path: Path, n_ctx: int, threads: int, seed: int) -> None:
        from llama_cpp import Llama

        try:
            self._llm = Llama(
                model_path=str(model_path),
                n_ctx=n_ctx,
                n_threads=threads,
                seed=seed,
                verbose=False,
                logits_all=False,
            )
        except ValueError as exc:
            raise ValueError(f"teacher GGUF {model_path} could not be loaded: {exc}") from None

    def complete(self, prompt: str, *, max_tokens: int, temperature: float, seed: int) -> str:
        out = self._llm.create_completion(prompt, max_tokens=max_tokens, temperature=temperature, seed=seed)
        return out["choices"][0]["text"]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Refuse redirects: following one would resend the bearer key to wherever it points."""

    def redirect_request(
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> None:
        return None


class OpenAITeacher:
    """An OpenAI-compatible chat-completions endpoint, with bounded exponential backoff."""

    name = "openai"

    def __init__(
        self,
        base_url: str,
        model: str,
        key: str = "",
        *,
        timeout_s: float = 60.0,
        retries: int = 3,
        backoff_s: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        scheme = urllib.parse.urlsplit(base_url).scheme
        if scheme not in ("http", "https"):
            # urllib would also open file:// and ftp:// URLs; a teacher is an HTTP server.
            raise ValueError(f"teacher base URL must be http:// or https://, not {scheme or 'no'} scheme")
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._model = model
        self._key = key
        self._timeout_s = timeout_s
        self._retries = retries
        self._backoff_s = backoff_s
        self._sleep = sleep
        self._opener = urllib.request.build_opener(_NoRedirect)

    def __repr__(self) -> str:  # the key stays out of logs and tracebacks
        return f"OpenAITeacher(model={self._model!r}, key={'set' if self._key else 'unset'})"

    def complete(self, prompt: str, *, max_tokens: int, temperature: float, seed: int) -> str:
        body = json.dumps(
            {
                "model": self._model,
                "messages": [{"role": "user", "content": prompt}],
                "max_tokens": max_tokens,
                "temperature": temperature,
                "seed": seed,
            }
        ).encode("utf-8")
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        request = urllib.request.Request(self._url, data=body, headers=headers, method="POST")
        for attempt in range(self._retries + 1):
            last = attempt == self._retries
            try:
                with self._opener.open(request, timeout=self._timeout_s) as response:
                    return _content(response.read())
            except urllib.error.HTTPError as exc:
                excerpt = _excerpt(exc.read())
                if exc.code not in RETRY_STATUSES or last:
                    raise TeacherError(
                        f"teacher server answered HTTP {exc.code} to POST /chat/completions"
                        f" (attempt {attempt + 1}): {excerpt}"
                    ) from None
                self._sleep(self._delay(attempt, exc.headers.get("Retry-After")))
            except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException) as exc:
                if last:
                    reason = getattr(exc, "reason", exc)
                    raise TeacherError(
                        f"teacher server unreachable after {attempt + 1} attempt(s): {reason}"
                    ) from None
                self._sleep(self._delay(attempt, None))
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        """The server's Retry-After when it gives seconds, else ``backoff_s * 2**attempt``; capped."""
        if retry_after is not None and retry_after.strip().isdigit():
            return min(float(retry_after), MAX_BACKOFF_S)
        return min(self._backoff_s * 2**attempt, MAX_BACKOFF_S)


def _excerpt(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace").strip()
    return text[:EXCERPT_CHARS] + ("…" if len(text) > EXCERPT_CHARS else "")


def _content(raw: bytes) -> str:
    """``choices[0].message.content`` of a chat-completion answer, or a clear error."""
    try:
        content = json.loads(raw)["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise TeacherError(
            f"malformed chat-completion answer (no choices[0].message.content): {_excerpt(raw)}"
        ) from None
    if not isinstance(content, str):
        raise TeacherError(f"chat-completion content is {type(content).__name__}, not text")
    return content


def make_teacher(params: TeacherParams) -> Teacher | None:
    """The configured teacher, or None for backend ``none``; a ValueError says what is missing."""
    if params.backend == "none":
        return None
    if params.backend == "llama_cpp":
        path = Path(params.model_path)
        if not params.model_path or not path.is_file():
            raise ValueError(
                f"synth.teacher.model_path {params.model_path!r} is not a GGUF file (backend llama_cpp)"
            )
        return LlamaCppTeacher(path, params.n_ctx, params.threads, params.seed)
    if params.backend == "openai":
        base_url = os.environ.get(params.url_env, "").strip()
        if not base_url:
            raise ValueError(
                f"backend openai needs the teacher's base URL (the part before /chat/completions) in the"
                f" environment variable {params.url_env}"
            )
        if not params.model:
            raise ValueError("synth.teacher.model must name the model to request (backend openai)")
        return OpenAITeacher(
            base_url,
            params.model,
            os.environ.get(params.key_env, ""),
            timeout_s=params.timeout_s,
            retries=params.retries,
        )
    raise ValueError(f"synth.teacher.backend must be one of {BACKENDS}, not {params.backend!r}")
