"""The clean stage: each cleaning rule on minimal and tricky examples, secret/PII detection with its
look-alike traps, placeholders that keep every language parsing, the licence allow-list and manifest,
re-validation with revert, and conservation."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import signals_record

from codeprep.clean import stage as clean_stage
from codeprep.clean.licence import allowed
from codeprep.clean.rules import CleanParams, clean
from codeprep.clean.secrets import SecretsParams, find, redact
from codeprep.clean.stage import CleanConfig, run_clean
from codeprep.execute.params import ExecuteParams
from codeprep.shards import SIGNALS_SCHEMA, ShardWriter, iter_records
from codeprep.signals.syntax import check

RULES = CleanParams()
ALL_RULES = CleanParams(rules={**CleanParams().rules, "todo_comments": True})


def cleaned(text: str, lang: str = "javascript", params: CleanParams = RULES) -> str:
    return clean(text, lang, params)[0]


# ------------------------------------------------------------------------------- debug statements


def test_whole_debug_statements_go() -> None:
    src = 'function f(x) {\n  console.log("start", x);\n  debugger;\n  alert("hi");\n  return x;\n}\n'
    assert cleaned(src) == "function f(x) {\n  return x;\n}\n"
    assert clean(src, "javascript", RULES)[1]["debug_statements"] == 3


@pytest.mark.parametrize(
    "src",
    [
        'const s = "console.log(x)";\n',  # a string
        "const t = `${console.log(x)} and console.log(y)`;\n",  # a template literal
        "foo(console.log);\n",  # an argument
        "a && console.log(a);\n",  # part of an expression
        "if (x) console.log(x);\n",  # the body of a brace-less if: removing it would change the if
        "console.warn(x);\nconsole.error(y);\n",  # not in debug_console_methods
        "logger.log(x);\nmyconsole.log(y);\n",  # not the console object
        "// console.log(x);\n",  # a comment
    ],
)
def test_debug_lookalikes_stay(src: str) -> None:
    assert cleaned(src) == src


def test_debug_statements_in_typescript_tsx_and_cases() -> None:
    ts = "export function f(n: number): number {\n  console.debug(n as number);\n  return n;\n}\n"
    assert cleaned(ts, "typescript") == "export function f(n: number): number {\n  return n;\n}\n"
    tsx = "export const A = () => {\n  console.log(<div />);\n  return <b>x</b>;\n};\n"
    assert cleaned(tsx, "tsx") == "export const A = () => {\n  return <b>x</b>;\n};\n"
    sw = "switch (k) {\n  case 1:\n    console.log(k);\n    break;\n}\n"
    assert cleaned(sw) == "switch (k) {\n  case 1:\n    break;\n}\n"
    same_line = "let a = 1; console.log(a); let b = 2;\n"
    assert cleaned(same_line) == "let a = 1;  let b = 2;\n"
    assert check("javascript", cleaned(same_line)).ok


def test_todo_comments_only_when_enabled() -> None:
    src = "// TODO: remove\nlet a = 1; // FIXME later\n/* XXX */\nlet b = 2; // keep me\n"
    assert cleaned(src) == src
    assert cleaned(src, params=ALL_RULES) == "let a = 1;\nlet b = 2; // keep me\n"


# ------------------------------------------------------------------------------------- whitespace


def test_line_endings_bom_trailing_space_and_blank_runs() -> None:
    src = "\ufefflet a = 1;   \r\n\r\n\r\n\r\n\r\nlet b = 2;\t\r\n"
    out, changes = clean(src, "javascript", RULES)
    assert out == "let a = 1;\n\n\nlet b = 2;\n"
    assert changes == {"strip_bom": 1, "line_endings": 6, "trailing_whitespace": 2, "blank_lines": 2}


def test_whitespace_that_is_content_stays() -> None:
    template = "const t = `line one   \n\n\n\n\nline two`;\n"
    assert cleaned(template) == template
    nested = "const u = `a ${`b   \n\n\n\n\nc`}   \n\n\n\n\nd`;\nlet x = 1;   \n"
    assert cleaned(nested) == nested.replace("let x = 1;   ", "let x = 1;")
    markdown = "Hard break  \nnext line\n\n```\ncode\n\n\n\n\nmore\n```\n"
    assert cleaned(markdown, "markdown") == markdown
    html = "<pre>a   \n\n\n\n\nb</pre>\n<p>x</p>   \n"
    assert cleaned(html, "html") == "<pre>a   \n\n\n\n\nb</pre>\n<p>x</p>\n"


def test_unknown_rule_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"unknown key clean\.rules\.remove_semicolons"):
        CleanParams.from_params({"rules": {"remove_semicolons": True}})
    assert CleanParams.from_params({"rules": {"todo_comments": True}}).rules["todo_comments"] is True


# ---------------------------------------------------------------------------------- secrets and PII

SECRETS = SecretsParams()
PLANTED = {
    "EMAIL": ["jane.doe@mailcorp.io", "ops+alerts@company.co.uk"],
    "IP_ADDRESS": ["8.8.4.4", "203.0.114.9", "2606:4700:4700::1111"],
    "KEY": [
        "AKIAQYLPMN5HFIQR7XYZ",
        "ghp_" + "a1B2" * 9,
        "npm_" + "Zx9Y" * 9,
        "xoxb-123456789012-abcdefABCDEF",
        "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc",
        "AIza" + "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    ],
}
TRAPS = [
    '<script src="x.js" integrity="sha384-oqVuAfXRKap7fdgcCY5uykM6+R9GqQ8K/uxy9rx7HNQlGYl1kPzQho1wx4JwY8wC"></script>',
    "commit da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "id 550e8400-e29b-41d4-a716-446655440000",
    '"version": "1.2.3.4"',
    "v10.0.0.1 released",
    "color: #deadbeef; background: #fff;",
    'src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkAKIHAAQAAH2zKMkAAAAASUVORK5CYII="',
    "mail me at someone@example.com",
    " * Copyright (c) 2020 Jane Roe <jane@roe.dev>",
    "ping 192.168.1.10 or 127.0.0.1 or 10.0.0.8",
    '<path d="M9.68 5.26a.75.75 0 0 1 1.06 0 3.875 3.875 0 0 1 0 5.48.75.75 0 1 1-1.06-1.06"/>',
    '<img src="logo@2x.png">',
    '"repository": "git@github.com:org/repo.git"',
    "a::before { content: ''; }",
]


@pytest.mark.parametrize(("kind", "value"), [(k, v) for k, vs in PLANTED.items() for v in vs])
def test_each_planted_secret_is_found_and_typed(kind: str, value: str) -> None:
    text = f'const config = {{\n  value: "{value}",\n}};\n'
    findings = find(text, SECRETS)
    assert [(f.type, text[f.start : f.end]) for f in findings] == [(kind, value)]
    assert redact(text, findings, "javascript") == f'const config = {{\n  value: "<{kind}>",\n}};\n'


def test_passwords_in_urls_and_assignments() -> None:
    text = 'const db = "postgres://admin:S3cretPw@db.internal/app";\nconst password = "hunter2horse";\n'
    assert [(f.type, text[f.start : f.end]) for f in find(text, SECRETS)] == [
        ("PASSWORD", "S3cretPw"),
        ("PASSWORD", "hunter2horse"),
    ]
    templated = 'const u = "https://user:${PASSWORD}@host/x";\nconst password = "${env.PW}";\n'
    assert find(templated, SECRETS) == []
    key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----"
    assert [f.type for f in find(f"const k = `{key}`;", SECRETS)] == ["KEY"]


@pytest.mark.parametrize("trap", TRAPS)
def test_lookalikes_are_left_alone(trap: str) -> None:
    assert find(trap, SECRETS) == []


def test_private_ips_and_contact_lines_are_configurable() -> None:
    eager = SecretsParams(redact_private_ips=True, skip_contact_lines=False)
    assert [f.type for f in find("ping 192.168.1.10", eager)] == ["IP_ADDRESS"]
    assert [f.type for f in find(" * Copyright (c) 2020 Jane Roe <jane@roe.dev>", eager)] == ["EMAIL"]


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("javascript", 'const a = "jane.doe@mailcorp.io"; // owner: ops@mailcorp.io\n'),
        ("json", '{"email": "jane.doe@mailcorp.io", "ip": "8.8.4.4"}'),
        ("html", '<a href="mailto:jane.doe@mailcorp.io" title="8.8.4.4">jane.doe@mailcorp.io</a>\n'),
        ("xml", '<server host="8.8.4.4"><owner>jane.doe@mailcorp.io</owner></server>\n'),
        ("svg", '<svg xmlns="http://www.w3.org/2000/svg"><desc>by jane.doe@mailcorp.io</desc></svg>\n'),
        ("mdx", "# Contact\n\nWrite to jane.doe@mailcorp.io or see <Card />.\n"),
        ("markdown", "Write to jane.doe@mailcorp.io.\n"),
        ("css", "/* maintainer jane.doe@mailcorp.io */\na { color: red; }\n"),
        ("typescript", 'const key: string = "AKIAQYLPMN5HFIQR7XYZ";\n'),
    ],
)
def test_placeholders_keep_the_document_parsing(lang: str, text: str) -> None:
    assert check(lang, text).ok is True
    findings = find(text, SecretsParams(skip_contact_lines=False))
    assert findings
    redacted = redact(text, findings, lang)
    assert "mailcorp" not in redacted and "8.8.4.4" not in redacted and "AKIA" not in redacted
    assert check(lang, redacted).ok is True, redacted


# ----------------------------------------------------------------------------------------- licence


@pytest.mark.parametrize(
    ("expression", "ok"),
    [
        ("MIT", True),
        ("(MIT OR GPL-3.0-only)", True),
        ("MIT AND GPL-3.0-only", False),
        ("(Apache-2.0 AND MIT)", True),
        ("GPL-2.0-only WITH Classpath-exception-2.0", False),
        ("Apache-2.0 WITH LLVM-exception", True),
        ("SEE LICENSE IN LICENSE.md", False),
        ("UNKNOWN", False),
        ("", False),
        ("MIT OR", False),
        ("(MIT", False),
    ],
)
def test_spdx_expressions(expression: str, ok: bool) -> None:
    assert allowed(expression, ["MIT", "Apache-2.0", "BSD-3-Clause"]) is ok


# ------------------------------------------------------------------------------------------- stage

CONFIG = CleanConfig(allow=("MIT", "Apache-2.0"), rules=RULES, secrets=SECRETS)


def stage_docs(tmp: Path) -> list[dict]:
    records = [
        signals_record(
            "src/a.js", "javascript", "function a(x) {\n  console.log(x);   \n  return x;\n}\n", repo="alpha"
        ),
        signals_record(
            "src/b.js", "javascript", 'export const owner = "jane.doe@mailcorp.io";\n', repo="alpha"
        ),
        signals_record("src/c.js", "javascript", "export const c = 1;\n", repo="gpl-pkg"),
        signals_record("README.md", "markdown", "# Beta\n\nKeep  \nthis.\n", repo="beta"),
    ]
    records[2]["license"] = "GPL-3.0-only"
    with ShardWriter(tmp / "filter", SIGNALS_SCHEMA) as writer:
        for record in records:
            writer.write(record)
    return records


def test_stage_drops_by_licence_cleans_redacts_and_conserves(tmp_path: Path) -> None:
    records = stage_docs(tmp_path)
    metrics = run_clean(
        CONFIG,
        tmp_path / "filter",
        tmp_path / "clean",
        tmp_path / "clean.json",
        tmp_path / "lic.csv",
        ExecuteParams(),
    )
    assert json.loads((tmp_path / "clean.json").read_text()) == metrics
    assert metrics["docs_in"] == 4 and metrics["docs_out"] == 3 and metrics["removed"] == {"licence": 1}
    assert metrics["docs_in"] == metrics["docs_out"] + sum(metrics["removed"].values())
    assert metrics["changes"] == {"debug_statements": 1}  # the trailing spaces left with the statement
    assert metrics["redactions"] == {"EMAIL": 1, "IP_ADDRESS": 0, "KEY": 0, "PASSWORD": 0}
    assert metrics["broken_by_cleaning"] == 0 and metrics["reverted_to_original"] == 0
    out = {r["path"]: r for r in iter_records(tmp_path / "clean" / "docs")}
    assert out["src/a.js"]["content"] == "function a(x) {\n  return x;\n}\n"
    assert out["src/a.js"]["size_bytes"] == len(out["src/a.js"]["content"])
    assert out["src/b.js"]["content"] == 'export const owner = "<EMAIL>";\n'
    assert out["README.md"]["content"] == records[3]["content"]
    removed = list(iter_records(tmp_path / "clean" / "removed"))
    assert [(r["path"], r["reason"]) for r in removed] == [("src/c.js", "licence")]
    assert "GPL-3.0-only" in removed[0]["detail"]
    with (tmp_path / "lic.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert [(r["repo"], r["license"], r["allowed"], r["files_in"], r["files_out"]) for r in rows] == [
        ("alpha", "MIT", "True", "2", "2"),
        ("beta", "MIT", "True", "1", "1"),
        ("gpl-pkg", "GPL-3.0-only", "False", "1", "0"),
    ]


def test_cleaning_that_would_break_syntax_is_reverted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rule that cut a file in half: the stage keeps the original of the two JavaScript files and
    counts them; the Markdown one has no syntax to break and takes the cut."""
    stage_docs(tmp_path)
    monkeypatch.setattr(clean_stage, "clean", lambda text, lang, params: (text[: len(text) // 2], {"cut": 1}))
    metrics = run_clean(
        CONFIG,
        tmp_path / "filter",
        tmp_path / "clean",
        tmp_path / "clean.json",
        tmp_path / "lic.csv",
        ExecuteParams(),
    )
    assert metrics["reverted_to_original"] == 2 and metrics["broken_by_cleaning"] == 0
    assert metrics["changes"] == {"cut": 1}
    out = {r["path"]: r["content"] for r in iter_records(tmp_path / "clean" / "docs")}
    assert out["src/a.js"] == "function a(x) {\n  console.log(x);   \n  return x;\n}\n"
