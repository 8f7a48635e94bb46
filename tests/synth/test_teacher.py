"""Teacher generation: the OpenAI-compatible client against a fake server on 127.0.0.1 (request shape,
key header, retries, clear errors), self-/evol-instruct validation with one canned response per reason
code, the in-process llama.cpp backend on a tiny untrained GGUF, and make_teacher's errors."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from codeprep.synth.generate import (
    EVOLUTIONS,
    REASONS,
    Rejection,
    load_prompt,
    normalised_hash,
    record_id,
    run_generation,
    self_instruct,
)
from codeprep.synth.teacher import OpenAITeacher, TeacherError, TeacherParams, make_teacher

PROMPTS = Path(__file__).resolve().parents[2] / "prompts"
URL_ENV, KEY_ENV = "CODEPREP_TEACHER_URL", "CODEPREP_TEACHER_KEY"
Reply = tuple[int, bytes, dict[str, str]]


def chat(content: str) -> Reply:
    body = {
        "id": "x",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}}],
    }
    return 200, json.dumps(body).encode(), {}


class FakeServer:
    """An OpenAI-compatible endpoint: records each request, answers with ``respond(body)``."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.respond: Callable[[dict[str, Any]], Reply] = lambda body: chat("hello")
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                body = json.loads(raw)
                server.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status, payload, headers = server.respond(body)
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:  # keep pytest output clean
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def queue(self, *replies: Reply) -> None:
        pending = list(replies)
        self.respond = lambda body: pending.pop(0)


@pytest.fixture
def server() -> Iterator[FakeServer]:
    fake = FakeServer()
    thread = threading.Thread(target=fake.httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield fake
    fake.httpd.shutdown()
    fake.httpd.server_close()


def test_openai_request_shape_and_key_header(server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(URL_ENV, server.url)
    monkeypatch.setenv(KEY_ENV, "sk-test-secret")
    teacher = make_teacher(TeacherParams(backend="openai", model="tiny-coder"))
    assert isinstance(teacher, OpenAITeacher) and "sk-test-secret" not in repr(teacher)
    assert teacher.complete("write a loop", max_tokens=7, temperature=0.2, seed=3) == "hello"
    request = server.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["body"] == {
        "model": "tiny-coder",
        "messages": [{"role": "user", "content": "write a loop"}],
        "max_tokens": 7,
        "temperature": 0.2,
        "seed": 3,
    }
    assert request["headers"]["Authorization"] == "Bearer sk-test-secret"
    monkeypatch.delenv(KEY_ENV)
    keyless = make_teacher(TeacherParams(backend="openai", model="tiny-coder"))
    assert keyless is not None
    keyless.complete("x", max_tokens=1, temperature=0.0, seed=0)
    assert "Authorization" not in server.requests[1]["headers"]


def test_openai_retries_with_backoff_then_clear_errors(server: FakeServer) -> None:
    sleeps: list[float] = []
    teacher = OpenAITeacher(server.url, "m", "sk-secret", retries=3, sleep=sleeps.append)
    busy = (429, b'{"error": "slow down"}', {})
    server.queue(busy, (503, b"overloaded", {}), (429, b"", {"Retry-After": "5"}), chat("done"))
    assert teacher.complete("p", max_tokens=4, temperature=0.0, seed=0) == "done"
    assert len(server.requests) == 4 and sleeps == [1.0, 2.0, 5.0]

    server.queue((400, b'{"error": "unknown model m"}', {}))
    with pytest.raises(TeacherError, match=r"HTTP 400 .*unknown model m") as bad_request:
        teacher.complete("p", max_tokens=4, temperature=0.0, seed=0)
    assert len(server.requests) == 5 and "sk-secret" not in str(bad_request.value)  # 4xx: no retry

    server.queue((200, b"<html>not json</html>", {}))
    with pytest.raises(TeacherError, match="malformed chat-completion answer"):
        teacher.complete("p", max_tokens=4, temperature=0.0, seed=0)
    server.queue((200, b'{"choices": []}', {}))
    with pytest.raises(TeacherError, match="malformed"):
        teacher.complete("p", max_tokens=4, temperature=0.0, seed=0)

    server.queue(*[busy] * 4)
    with pytest.raises(TeacherError, match=r"HTTP 429 .*attempt 4"):
        teacher.complete("p", max_tokens=4, temperature=0.0, seed=0)
    assert len(server.requests) == 11

    with socket.socket() as s:  # a port nobody listens on: connection refused, retried, then an error
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    sleeps.clear()
    offline = OpenAITeacher(f"http://127.0.0.1:{closed}/v1", "m", retries=1, sleep=sleeps.append)
    with pytest.raises(TeacherError, match=r"unreachable after 2 attempt"):
        offline.complete("p", max_tokens=4, temperature=0.0, seed=0)
    assert sleeps == [1.0]


def answer(instruction: str, output: str, given: str = "none") -> str:
    return f"### Instruction\n{instruction}\n\n### Input\n{given}\n\n### Response\n{output}\n"


GOOD = answer(
    "Write a function that sums an array of numbers.",
    "```js\nexport function sum(xs) {\n  return xs.reduce((a, b) => a + b, 0);\n}\n```",
)
CORPUS_DOC = "export function corpusHelper(a) {\n  return a * 2;\n}\n"
SEEDS = {  # seed marker → the teacher's canned reply to the prompt that shows it
    "A_ACCEPT": chat(
        "Sure, here it is.\n\n"
        + answer(
            "Add a default value to the parameter of this function.",
            "```js\nexport const greet = (name = 'world') => `hi ${name}`;\n```",
            "```js\nexport const greet = (name) => `hi ${name}`;\n```",
        )
    ),
    "B_DUP_FIRST": chat(GOOD),
    "C_DUP_AGAIN": chat(GOOD.replace("\n}", "\n  }")),  # same text up to whitespace
    "D_INVALID": chat(answer("Write a function that returns nothing.", "```js\nfunction (\n```")),
    "E_TRUNCATED": chat(answer("Write a function that loops forever.", "```ts\nwhile (true) {\n  tick();")),
    "F_COPY_SEED": chat(
        answer(
            "Write the module shown.", "```js\nexport   const F_COPY_SEED = 1;\n\nexport const k = 2;\n```"
        )
    ),
    "G_COPY_CORPUS": chat(answer("Write a helper that doubles.", f"```javascript\n  {CORPUS_DOC}```")),
    "H_UNPARSEABLE": chat("I think a good task would be to write a sum function."),
    "I_SHORT": chat(answer("Say whether this code is fine.", "ok")),
    "J_BACKEND": (400, b'{"error": "context length exceeded"}', {}),
}
BASES = {  # base instruction marker → canned evolved reply
    "EV_ACCEPT": chat(
        answer(
            "Write a typed function that sums an array of numbers and rejects NaN values.",
            "```ts\nexport function sum(xs: number[]): number {\n  if (xs.some(Number.isNaN)) throw new Error('NaN');\n"
            "  return xs.reduce((a, b) => a + b, 0);\n}\n```",
        )
    ),
    "EV_EMPTY": chat(""),
    "EV_COPY_BASE": chat(
        answer("Write the same thing again, but harder.", "```ts\nexport const base = 1;\n```")
    ),
}


def route(body: dict[str, Any]) -> Reply:
    prompt = body["messages"][0]["content"]
    hits = [reply for marker, reply in {**SEEDS, **BASES}.items() if marker in prompt]
    assert len(hits) == 1, prompt
    return hits[0]


def test_self_and_evol_instruct_against_the_fake_server(
    server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(URL_ENV, server.url)
    server.respond = route
    params = TeacherParams(
        backend="openai", model="m", retries=0, self_instruct=len(SEEDS), evol_instruct=3, seed=7
    )
    teacher = make_teacher(params)
    seeds = [
        (f"seed-{m}", "javascript", f"export const {m} = 1;\nexport const k = 2;\n", "pkg") for m in SEEDS
    ]
    bases = [
        {
            "instruction": f"Write a constant ({m}).",
            "input": "",
            "output": "export const base = 1;",
            "task_type": "comment_to_code",
            "lang": "typescript",
            "source": "corpus",
            "id": f"base-{m}",
            "parent_id": "p",
            "repo": "base-pkg",
        }
        for m in BASES
    ]
    corpus = {normalised_hash(CORPUS_DOC)}
    records, rejections, counts = run_generation(seeds, bases, teacher, params, PROMPTS, corpus_hashes=corpus)

    assert counts == {
        "teacher": "openai",
        "self_instruct": {
            "attempted": 10,
            "accepted": 2,
            "rejected": {
                "backend_error": 1,
                "copy_of_corpus": 2,
                "duplicate": 1,
                "invalid_code": 2,
                "too_short": 1,
                "unparseable_response": 1,
            },
        },
        "evol_instruct": {
            "attempted": 3,
            "accepted": 1,
            "rejected": {"copy_of_corpus": 1, "empty": 1},
            "evolutions": {records[-1]["evolution"]: 1},
        },
    }
    assert {r.reason for r in rejections} <= set(REASONS) and len(server.requests) == 13
    assert sorted(r["body"]["seed"] for r in server.requests) == [7, 7, 8, 8, 9, *range(9, 17)]
    greet = next(r for r in records if "greet" in r["output"])
    assert greet["input"] == "export const greet = (name) => `hi ${name}`;"  # one fenced block, unwrapped
    assert greet["instruction"].startswith("Add a default") and greet["parent_id"] == "seed-A_ACCEPT"
    assert (
        greet["generation_method"] == greet["task_type"] == "self_instruct" and greet["teacher"] == "openai"
    )
    assert greet["repo"] == "pkg" and greet["source"] == "synth" and greet["evolution"] == ""
    assert greet["id"] in {record_id("self_instruct", "seed-A_ACCEPT", str(i)) for i in range(len(SEEDS))}
    evolved = records[-1]
    assert evolved["generation_method"] == "evol_instruct" and evolved["parent_id"] == "base-EV_ACCEPT"
    assert (
        evolved["evolution"] in EVOLUTIONS
        and evolved["lang"] == "typescript"
        and evolved["repo"] == "base-pkg"
    )
    reasons = {r.id: r for r in rejections}
    assert len(reasons) == len(rejections) and all(r.detail for r in rejections)
    invalid = sorted(r.detail for r in rejections if r.reason == "invalid_code")
    assert invalid[0].startswith("block 1 (javascript): ") and invalid[1] == "unclosed code fence"

    # same seed and same server answers → the same records, ids and rejections
    server.requests.clear()
    assert run_generation(seeds, bases, teacher, params, PROMPTS, corpus_hashes=corpus) == (
        records,
        rejections,
        counts,
    )


def test_prompt_files_are_checked_before_any_request(tmp_path: Path) -> None:
    assert load_prompt(PROMPTS / "self_instruct.txt", {"lang", "code"}).get_identifiers() == ["lang", "code"]
    typo = tmp_path / "p.txt"
    typo.write_text("Show $lnag code:\n$code\n")
    with pytest.raises(ValueError, match=r"placeholders \['code', 'lnag'\]"):
        list(self_instruct([("s", "css", "a{}")], _NeverCalled(), TeacherParams(self_instruct=1), typo))


class _NeverCalled:
    name = "never"

    def complete(self, prompt: str, *, max_tokens: int, temperature: float, seed: int) -> str:
        raise AssertionError("no request may be made with a broken prompt file")


def test_make_teacher_errors(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert make_teacher(TeacherParams()) is None
    with pytest.raises(ValueError, match="backend must be one of"):
        make_teacher(TeacherParams(backend="gpt"))
    with pytest.raises(ValueError, match="unknown key"):
        TeacherParams.from_params({"bakend": "openai"})
    with pytest.raises(ValueError, match="is not a GGUF file"):
        make_teacher(TeacherParams(backend="llama_cpp", model_path=str(tmp_path / "missing.gguf")))
    with pytest.raises(ValueError, match="is not a GGUF file"):
        make_teacher(TeacherParams(backend="llama_cpp"))
    monkeypatch.delenv("MY_TEACHER_URL", raising=False)
    monkeypatch.setenv(KEY_ENV, "sk-never-shown")
    with pytest.raises(ValueError, match="environment variable MY_TEACHER_URL") as missing:
        make_teacher(TeacherParams(backend="openai", model="m", url_env="MY_TEACHER_URL"))
    assert "sk-never-shown" not in str(missing.value)
    monkeypatch.setenv("MY_TEACHER_URL", "file:///etc/passwd")
    with pytest.raises(ValueError, match="http:// or https://"):
        make_teacher(TeacherParams(backend="openai", model="m", url_env="MY_TEACHER_URL"))


@pytest.fixture(scope="module")
def tiny_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An untrained 1-layer Qwen2 (hidden 256) with a ~300-token BPE, exported to f32 GGUF: enough for
    llama.cpp to load and sample from, no training needed."""
    from codeprep.model.gguf_export import export
    from codeprep.model.params import ProxyParams
    from codeprep.model.train import build_model
    from codeprep.tokenize import bpe

    out = tmp_path_factory.mktemp("teacher")
    texts = [
        "export const sum = (a, b) => a + b;\n",
        "<svg viewBox='0 0 1 1'></svg>\n",
        "a { color: red; }\n",
    ] * 4
    tokenizer = bpe.train(texts, vocab_size=300, min_frequency=1, lang_tags=False)
    params = ProxyParams(num_layers=1, hidden_size=256, intermediate_size=256)
    model = build_model(params, len(tokenizer), tokenizer.eos_token_id, tokenizer.pad_token_id)
    model.save_pretrained(str(out / "model"), safe_serialization=True)
    tokenizer.save_pretrained(str(out / "model"))
    return export(out / "model", out / "tiny-f32.gguf", 2048)


def test_llama_cpp_teacher_on_a_tiny_gguf(tiny_gguf: Path) -> None:
    params = TeacherParams(
        backend="llama_cpp", model_path=str(tiny_gguf), max_tokens=24, n_ctx=2048, threads=1, self_instruct=2
    )
    teacher = make_teacher(params)
    assert teacher is not None and teacher.name == "llama_cpp"
    text = teacher.complete("export const", max_tokens=8, temperature=0.0, seed=0)
    assert isinstance(text, str)
    seeds = [("s1", "javascript", "export const a = 1;\n"), ("s2", "css", "a { color: red; }\n")]
    results = list(self_instruct(seeds, teacher, params, PROMPTS / "self_instruct.txt"))
    assert len(results) == 2  # every attempt is accounted for: accepted or rejected with a reason
    rejected = [r for r in results if isinstance(r, Rejection)]
    assert all(r.reason in REASONS and r.reason != "backend_error" for r in rejected), rejected
    assert len({r["id"] if isinstance(r, dict) else r.id for r in results}) == 2
